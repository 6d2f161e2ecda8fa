"""Long work off the GUI thread, with progress and cancellation.

`Worker` runs a plain callable `job(progress, should_cancel)` on the global
QThreadPool. The job is Qt-free (a service function): it calls
`progress(done, total, current)` and checks `should_cancel()` between units of
work. Signals are delivered to the GUI thread by Qt's queued connections.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

Job = Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any]


class WorkerSignals(QObject):
    progress = Signal(int, int, str)  # done, total, current path
    finished = Signal(object)  # the job's result
    failed = Signal(str)  # a message for the person; the job raised


class Worker(QRunnable):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job
        self.signals = WorkerSignals()
        self._cancel = threading.Event()
        self.setAutoDelete(False)  # the owner keeps it until `finished`

    def cancel(self) -> None:
        """Ask the job to stop after the unit of work in hand."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            result = self.job(self._progress, self._cancel.is_set)
        except Exception as exc:  # noqa: BLE001 - reported to the window, never lost
            traceback.print_exc()
            self._emit(self.signals.failed, str(exc) or type(exc).__name__)
            return
        self._emit(self.signals.finished, result)

    def _progress(self, done: int, total: int, current: str) -> None:
        if not self._emit(self.signals.progress, done, total, current):
            self._cancel.set()  # nobody is listening any more: stop after this file

    @staticmethod
    def _emit(signal: Any, *args: Any) -> bool:
        # The window (and the signals object with it) may be gone if it was closed mid-job.
        try:
            signal.emit(*args)
        except RuntimeError:
            return False
        return True


def start(worker: Worker, pool: QThreadPool | None = None) -> Worker:
    (pool or QThreadPool.globalInstance()).start(worker)
    return worker
