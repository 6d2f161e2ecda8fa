"""Parsing import files in worker processes, while the importer writes in one stream.

Reading a letter (MIME, Word, PDF) is CPU work that needs no database, so on a
machine with more than one core the files of a large import are parsed by a pool
of processes, a few files per task, and handed back in the order of the folder:
the importer stores them exactly as it would have parsed them itself, so the
cases, references, duplicates and failures come out the same.

Every hostile-input limit holds in the worker as in-process (the time limit's
watchdog thread, size caps), and a worker ends with the importer (worker_guard).
A file that kills its worker is isolated: the files of the broken pool are parsed
again one per task, and only the one that breaks a pool again is listed, with a
reason. Scans (OCR) are read in the importer itself, where cancel reaches every
page and "page 2 of 3" reaches the progress dialog.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import functools
import gc
import multiprocessing
import os
import stat
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from correspondence.services.worker_guard import guard_worker

PARALLEL_FROM = 200  # smaller imports are not worth a pool's start-up (~1 s a process)
CHUNK = 25  # files a task: few round trips, yet cancel and progress stay close
# Tasks in flight a worker: more than an import batch (file_import.BATCH_FILES) in all, so
# the workers read the next batch while the importer stores one, and it never waits.
AHEAD = 12
# Files' bytes in flight at most (a task may hold one bigger file): parsed letters wait
# in the importer until their turn, so this bounds its memory on a folder of big files.
FLIGHT_BYTES = 48 * 1024 * 1024
WORKER_COLLECT_AFTER = 10_000
CRASHED = (
    "the file stopped the process reading it (it may be damaged or built to harm): not imported"
)

# (path, parsed letter or None, failure reason or None, needs reading in the importer)
Outcome = tuple[Path, object | None, str | None, bool]


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def use_workers(files: int) -> bool:
    return files >= PARALLEL_FROM and cores() >= 2


@functools.lru_cache(maxsize=65_536)  # flow control only: a stale size does no harm
def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the worker reports why it cannot read it


def _bytes(paths: list[Path]) -> int:
    return sum(_size(p) for p in paths)


# The importer reads a task itself, rather than wait for the workers, only if every file of it
# is a small regular mail or text file: nothing that could take the importer down with it
# (a pipe that never opens, a zip bomb, a PDF or Word file for a C library to read).
STEAL_SUFFIXES = frozenset({".eml", ".txt"})
STEAL_MAX_BYTES = 256 * 1024
# Tasks read by the importer and not yet handed on: its outcomes wait behind the workers'.
STEAL_AHEAD = 4


def stealable(paths: list[Path]) -> bool:
    return all(
        p.suffix.lower() in STEAL_SUFFIXES and 0 < _size(p) <= STEAL_MAX_BYTES and _regular(p)
        for p in paths
    )


@functools.lru_cache(maxsize=65_536)
def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _chunks(files: list[Path]) -> deque[list[Path]]:
    """Tasks of up to CHUNK files and about FLIGHT_BYTES / 8 bytes each."""
    out: deque[list[Path]] = deque()
    task: list[Path] = []
    size = 0
    for path in files:
        if task and (len(task) >= CHUNK or size + _size(path) > FLIGHT_BYTES // 8):
            out.append(task)
            task, size = [], 0
        task.append(path)
        size += _size(path)
    if task:
        out.append(task)
    return out


ParseChunk = Callable[[list[Path], dt.date, int], list[Outcome]]
# Run in each worker as it starts, with its argument (both sent to the worker by pickle).
Setup = tuple[Callable[[Any], None], Any]


def _start(parent: int, setup: Setup | None) -> None:
    guard_worker(parent)
    if setup is not None:
        setup[0](setup[1])
    # The process is the import's alone: what it has loaded is never walked again by the
    # cyclic collector, which runs after WORKER_COLLECT_AFTER new objects, not 700.
    gc.freeze()
    gc.set_threshold(WORKER_COLLECT_AFTER, *gc.get_threshold()[1:])


def _ready() -> None:
    """A first task that does nothing: its submission makes the pool start a process."""


def workers_for(files: int) -> int:
    """One core is the importer's (its stream of writes is the longer part): the others
    parse. On two cores a second worker only took turns with the importer, and the
    switching cost ~1.5 s of CPU per 10,000 files."""
    return min(max(1, cores() - 1), -(-files // CHUNK))


def start_pool(workers: int, setup: Setup | None = None) -> cf.ProcessPoolExecutor:
    """A pool whose processes start now (they take a while to be ready to read)."""
    # "spawn": forking a process that runs Qt threads is unsafe.
    ctx = multiprocessing.get_context("spawn")
    pool = cf.ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_start, initargs=(os.getpid(), setup)
    )
    for _ in range(workers):
        pool.submit(_ready)
    return pool


def parse_in_workers(
    parse_chunk: ParseChunk,
    files: list[Path],
    today: dt.date,
    max_bytes: int,
    should_cancel: Callable[[], bool] | None,
    setup: Setup | None = None,
    pool: cf.ProcessPoolExecutor | None = None,
    read_here: Callable[[list[Path]], list[Outcome]] | None = None,
) -> Iterator[Outcome]:
    """Each file's outcome, in the order of `files`; stops early if cancelled.

    `parse_chunk` runs in the workers: a module-level function of the importer (passed in,
    so this module does not import the importer back); so does `setup`, once a worker.
    `pool`, from `start_pool` with the same `setup`, is used first and shut down.
    `read_here`: whenever the workers have not finished the next task, the caller reads the
    following one itself (if `stealable`) instead of waiting: whichever side is quicker on
    this machine and this folder does more, so neither waits long for the other."""
    tasks: deque[list[Path]] = deque(files[i : i + CHUNK] for i in range(0, len(files), CHUNK))
    n = workers_for(len(files))
    while tasks:
        if pool is None:
            pool = start_pool(n, setup)
        flight: deque[tuple[list[Path], cf.Future[list[Outcome]]]] = deque()
        flying = 0  # bytes of the files in flight
        broken = False
        try:
            while tasks or flight:
                while (
                    tasks
                    and len(flight) < n * AHEAD
                    and (not flight or _bytes(tasks[0]) + flying <= FLIGHT_BYTES)
                ):
                    paths = tasks.popleft()
                    flying += _bytes(paths)
                    flight.append((paths, pool.submit(parse_chunk, paths, today, max_bytes)))
                paths, future = flight[0]
                while not future.done():
                    if should_cancel is not None and should_cancel():
                        return
                    mine = _read_one_here(read_here, tasks, flight) if read_here else None
                    if mine is not None:
                        flying += _bytes(mine)
                        continue
                    cf.wait([future], timeout=0.1)
                try:
                    outcomes = future.result()
                except BrokenProcessPool:
                    broken = True
                    if len(paths) == 1:  # alone, it broke the pool: this file is at fault
                        flight.popleft()
                        yield (paths[0], None, CRASHED, False)
                    # Parse what was in flight again, one file a task, in a fresh pool.
                    singles = [[p] for ps, _ in flight for p in ps]
                    tasks.extendleft(reversed(singles))
                    break
                flight.popleft()
                flying -= _bytes(paths)
                yield from outcomes
        finally:
            pool.shutdown(wait=not broken and not flight, cancel_futures=True)
            pool = None


class _ReadHere(cf.Future[list[Outcome]]):
    """A task the caller read itself, done, in line with the workers' tasks."""


def _read_one_here(
    read_here: Callable[[list[Path]], list[Outcome]],
    tasks: deque[list[Path]],
    flight: deque[tuple[list[Path], cf.Future[list[Outcome]]]],
) -> list[Path] | None:
    """The next task not yet sent to the workers, read here and put in line, if it may be
    and not too many read here already wait their turn; else None."""
    if not tasks or not stealable(tasks[0]):
        return None
    if sum(isinstance(f, _ReadHere) for _, f in flight) >= STEAL_AHEAD:
        return None
    paths = tasks.popleft()
    done = _ReadHere()
    done.set_result(read_here(paths))
    flight.append((paths, done))
    return paths
