"""Writing an export's letters to its folder: atomically, batch by batch, here or in workers.

Every file is written under a hidden temporary name and renamed into place only when whole
(after the data is on disk), so no half-written letter ever carries a real name. Large
exports are written by worker processes, a chunk of letters each.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from correspondence.documents.fast_word import letter_docx
from correspondence.documents.letter_spec import LetterSpec
from correspondence.services.campaigns.campaign_letters import MemberLetter
from correspondence.services.worker_guard import guard_worker

ShouldCancel = Callable[[], bool]


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _durable() -> None:
    """Put written data on disk: one sync per batch instead of an fsync per letter."""
    if hasattr(os, "sync"):
        os.sync()


def _fsync_dir(path: Path) -> None:
    if os.name == "posix":
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_batch(out_dir: Path, letters: Sequence[tuple[str, LetterSpec]], fast: bool) -> list[str]:
    """Write letters atomically: all to temporary names, synced, then renamed into place.
    Returns the file names written. On any error no temporary file is left behind."""
    temps: list[tuple[Path, Path]] = []
    try:
        for filename, spec in letters:
            final = out_dir / filename
            temp = _temp_name(final)
            temps.append((temp, final))
            _write_one(temp, spec, fast)
            if os.name != "posix":  # no os.sync: make each file durable on its own
                with open(temp, "rb+") as handle:
                    os.fsync(handle.fileno())
        _durable()
        for temp, final in temps:
            os.replace(temp, final)
        _fsync_dir(out_dir)
    except BaseException:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)
        raise
    return [final.name for _, final in temps]


def _write_one(temp: Path, spec: LetterSpec, fast: bool) -> None:
    with open(temp, "wb") as handle:
        handle.write(letter_docx(spec, fast=fast))


def _write_chunk(out_dir: str, letters: list[tuple[str, LetterSpec]], fast: bool) -> list[str]:
    """Worker-process entry point."""
    return write_batch(Path(out_dir), letters, fast)


def clear_stale_temps(out_dir: Path) -> None:
    """Remove the temporary files a crashed run left behind."""
    for stale in out_dir.glob(".*.docx.*.tmp"):
        stale.unlink(missing_ok=True)


def write_in_workers(
    out: Path,
    chunks: list[list[MemberLetter]],
    n_workers: int,
    fast: bool,
    record: Callable[[Sequence[MemberLetter]], None],
    should_cancel: ShouldCancel | None,
) -> bool:
    """Chunks to worker processes, recorded in order of completion; True if cancelled."""
    # "spawn": forking a process that runs Qt threads is unsafe.
    ctx = multiprocessing.get_context("spawn")
    cancelled = False
    with cf.ProcessPoolExecutor(
        n_workers, mp_context=ctx, initializer=guard_worker, initargs=(os.getpid(),)
    ) as pool:
        queue = list(reversed(chunks))
        running: dict[cf.Future[list[str]], list[MemberLetter]] = {}
        try:
            while queue or running:
                while queue and len(running) < n_workers * 2 and not cancelled:
                    chunk = queue.pop()
                    job = pool.submit(
                        _write_chunk, str(out), [(m.filename, m.spec) for m in chunk], fast
                    )
                    running[job] = chunk
                if not running:
                    break
                finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for job in finished:
                    chunk = running.pop(job)
                    job.result()  # a worker's error stops the export here
                    record(chunk)
                if should_cancel and should_cancel():
                    cancelled = True
                    queue.clear()
        except BaseException:
            for job in running:
                job.cancel()
            raise
    return cancelled
