"""Reads behind a click, run on a `Worker` so the window never waits on the network.

A `LatestOnly` runs one kind of read (the detail of the selected case, a page of the list…).
Each request takes a new generation number; an answer arrives on the GUI thread only if no
newer request was made meanwhile, so a person who has already clicked elsewhere never sees a
stale case. A request still queued when a newer one comes is skipped without touching the
database. The read itself is a service call that opens and closes its own unit of work and
returns plain values: no SQLAlchemy session ever crosses a thread.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal
from sqlalchemy.exc import SQLAlchemyError

from correspondence.services.errors import ServiceError
from correspondence.ui.workers import Worker, start

# Reads wait on the network, not the processor: a few threads of their own, so a long import
# or backup on the global pool never holds up a click.
READ_THREADS = 4
_pool: QThreadPool | None = None
# Workers kept alive until their answer is delivered (a QRunnable must outlive its run).
_running: set[Worker] = set()


def read_pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(READ_THREADS)
        _pool.setExpiryTimeout(30_000)
    return _pool


@dataclass(frozen=True)
class _Answer:
    generation: int
    value: Any = None
    error: str = ""
    skipped: bool = False


class LatestOnly(QObject):
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._done: Callable[[Any], object] | None = None
        self._failed: Callable[[str], object] | None = None

    @property
    def busy(self) -> bool:
        """Whether the newest request is still being read."""
        return self._done is not None

    def run(
        self,
        read: Callable[[], Any],
        done: Callable[[Any], object],
        failed: Callable[[str], object],
    ) -> None:
        """Read on a worker; call `done(value)` or `failed(message)` on the GUI thread, unless
        a newer request (or `cancel`) comes first."""
        self._generation += 1
        generation = self._generation
        was_busy = self.busy
        self._done, self._failed = done, failed
        worker = Worker(lambda _progress, _cancelled: self._read(generation, read))
        worker.signals.finished.connect(self._answer)
        _running.add(worker)
        start(worker, read_pool())
        if not was_busy:
            self.busy_changed.emit(True)

    def cancel(self) -> None:
        """Drop whatever answer is on its way."""
        self._generation += 1
        if self.busy:
            self._done = self._failed = None
            self.busy_changed.emit(False)

    def _read(self, generation: int, read: Callable[[], Any]) -> _Answer:
        # On the worker's thread. A newer request already waits: do not read for nothing.
        if generation != self._generation:
            return _Answer(generation, skipped=True)
        try:
            return _Answer(generation, read())
        except ServiceError as exc:
            return _Answer(generation, error=str(exc) or type(exc).__name__)
        except SQLAlchemyError as exc:
            name = exc.__class__.__name__
            return _Answer(generation, error=f"The database did not answer ({name}).")
        except Exception as exc:  # noqa: BLE001 - shown to the person, kept for whoever debugs
            traceback.print_exc()
            return _Answer(generation, error=str(exc) or type(exc).__name__)

    def _answer(self, answer: _Answer) -> None:
        worker = self.sender()
        for w in list(_running):
            if w.signals is worker:
                _running.discard(w)
        if answer.generation != self._generation or answer.skipped:
            return  # someone has clicked elsewhere since
        done, failed = self._done, self._failed
        self._done = self._failed = None
        self.busy_changed.emit(False)
        if answer.error:
            if failed is not None:
                failed(answer.error)
        elif done is not None:
            done(answer.value)
