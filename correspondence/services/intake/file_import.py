"""Importing files (eml, msg, txt, docx, pdf, scans): the run from a list of paths to an
`ImportResult`, reading in order and storing in batches, with progress and cancel.

An imported file's case, correspondent, original bytes, attachments, events
and suggested themes are written in one transaction, together or not at all,
so a bad file (or a cancel) never leaves half a case behind and never stops
the files after it. For speed, good files are written in batches (one
transaction, a few set-based statements per batch, see import_store); if a batch
fails to store it is rolled back whole and its files are stored again one
transaction each, so only the file at fault is reported. Qt-free: progress and
cancellation are plain callables that the window's worker (or the CLI) supplies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import time
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path

from correspondence.documents.ocr import OcrCancelled
from correspondence.services.intake import import_store, intake_workers, letter_sense
from correspondence.services.intake.file_reading import (
    ParsedFile,
    Progress,
    Reading,
    ShouldCancel,
    default_max_file_bytes,
    failure_reason,
    parse_chunk,
    parse_file,
)
from correspondence.services.intake.import_folder import collect_files
from correspondence.services.intake.import_results import (
    Duplicate,
    Failure,
    ImportedCase,
    ImportResult,
)
from correspondence.services.unit_of_work import UnitOfWorkFactory

# A batch is committed after this many files, bytes or seconds, whichever comes first:
# few commits for speed, yet other users' writes never wait long and memory stays bounded.
BATCH_FILES = 200
BATCH_BYTES = 32 * 1024 * 1024
BATCH_SECONDS = 0.5
# With worker processes, the importer reads this many files itself (a quarter of a small
# import) while the workers start, so it stores its first batches meanwhile.
HEAD_FILES = 2 * BATCH_FILES


def import_files(
    uow: UnitOfWorkFactory,
    paths: Sequence[str | Path],
    *,
    today: dt.date,
    max_file_bytes: int | None = None,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> ImportResult:
    """Import every file under `paths`, never stopping at a bad one.

    Files are read and parsed in order (by worker processes for a large import on
    more than one core, see intake_workers; a file that cannot be read is listed
    with its reason); the good ones are stored in batches, in one stream. If a batch fails to
    store, it is rolled back and its files are stored again one per
    transaction, so only the file at fault is listed as failed.
    """
    with fewer_collections():
        return _import_files(uow, paths, today, max_file_bytes, progress, should_cancel)


# Objects an import makes before the cyclic garbage collector runs: Python's 700 made it run
# hundreds of times, and walk the whole heap a few times, for ~0.4 s of CPU per 10,000 files
# (the rows and letters are freed by their reference counts; cycles wait a little longer).
COLLECT_AFTER = 10_000


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """While an import runs: what existed before it is not walked again (gc.freeze), and
    the collector runs after COLLECT_AFTER new objects, not 700. Put back afterwards."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(before[0], COLLECT_AFTER), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def _import_files(
    uow: UnitOfWorkFactory,
    paths: Sequence[str | Path],
    today: dt.date,
    max_file_bytes: int | None,
    progress: Progress | None,
    should_cancel: ShouldCancel | None,
) -> ImportResult:
    files, failed = collect_files(paths)
    run = import_store.prepare(uow)
    reading = Reading(
        today=today,
        max_bytes=max_file_bytes if max_file_bytes is not None else default_max_file_bytes(),
        should_cancel=should_cancel,
    )
    outcomes: list[ImportedCase | Duplicate] = []
    total = len(files)
    cancelled = False
    batch: list[ParsedFile] = []
    batch_bytes = 0
    batch_started = time.monotonic()

    def flush() -> None:
        nonlocal batch, batch_bytes
        if batch:
            outcomes.extend(import_store.store(uow, run, batch, failed))
        batch, batch_bytes = [], 0

    outcomes_in_order: _Reads
    if intake_workers.use_workers(total):
        setup = (letter_sense.start_worker, run.sense)
        outcomes_in_order = _parallel(reading, files, progress, setup)
    else:
        outcomes_in_order = _sequential(reading, files, progress)
    try:
        for path, parsed in outcomes_in_order:
            if parsed is None:  # cancelled (between files, or during a scan's OCR)
                cancelled = True
                break
            if isinstance(parsed, str):
                failed.append(Failure(str(path), parsed))
                continue
            if not batch:
                batch_started = time.monotonic()
            batch.append(parsed)
            batch_bytes += len(parsed.content)
            if (
                len(batch) >= BATCH_FILES
                or batch_bytes >= BATCH_BYTES
                or time.monotonic() - batch_started >= BATCH_SECONDS
            ):
                flush()
    finally:
        outcomes_in_order.close()  # a pool still parsing is stopped
    flush()
    if progress is not None and not cancelled:
        progress(total, total, "")
    return ImportResult(
        imported=tuple(o for o in outcomes if isinstance(o, ImportedCase)),
        duplicates=tuple(o for o in outcomes if isinstance(o, Duplicate)),
        failed=tuple(failed),
        total=total,
        cancelled=cancelled,
    )


# A file read: the letter, a failure's reason, or None when the import was cancelled.
_Read = tuple[Path, "ParsedFile | str | None"]
_Reads = Generator[_Read, None, None]


def _sequential(
    reading: Reading, files: list[Path], progress: Progress | None, total: int | None = None
) -> _Reads:
    total = len(files) if total is None else total
    for done, path in enumerate(files):
        if _cancelled(reading):
            yield path, None
            return
        _report(reading, progress, done, total, path)
        for read in _sequential_one(reading, path):
            yield read
            if read[1] is None:  # cancelled while reading a scan
                return


def _parallel(
    reading: Reading, files: list[Path], progress: Progress | None, setup: intake_workers.Setup
) -> _Reads:
    """Files parsed by worker processes, in order; scans read here (cancel, page progress).

    The first files are read here while the workers start, so storing starts at once."""
    total = len(files)
    head = min(HEAD_FILES, total // 4)
    pool = intake_workers.start_pool(intake_workers.workers_for(total - head), setup)
    try:
        for path, parsed in _sequential(reading, files[:head], progress, total):
            yield path, parsed
            if parsed is None:
                return
        outcomes = intake_workers.parse_in_workers(
            parse_chunk, files[head:], reading.today, reading.max_bytes, reading.should_cancel,
            setup, pool, lambda paths: parse_chunk(paths, reading.today, reading.max_bytes),
        )  # fmt: skip
        done = head
        for path, got, reason, needs_ocr in outcomes:
            if _cancelled(reading):
                yield path, None
                return
            _report(reading, progress, done, total, path)
            done += 1
            if needs_ocr:
                yield from _sequential_one(reading, path)
            elif reason is not None:
                yield path, reason
            else:
                assert isinstance(got, ParsedFile)
                yield path, got
        if _cancelled(reading) and done < total:
            yield files[done], None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # if never handed on


def _sequential_one(reading: Reading, path: Path) -> _Reads:
    try:
        yield path, parse_file(reading, path)
    except OcrCancelled:
        yield path, None
    except Exception as exc:  # noqa: BLE001 - one strange file must not stop a thousand
        yield path, failure_reason(exc)


def _cancelled(reading: Reading) -> bool:
    return reading.should_cancel is not None and reading.should_cancel()


def _report(reading: Reading, progress: Progress | None, done: int, total: int, path: Path) -> None:
    """Progress on the file about to be read, and on a scan's pages while it is read."""
    if progress is not None:
        progress(done, total, str(path))
        reading.page_progress = _page_progress(progress, done, total)


def _page_progress(progress: Progress, done: int, total: int) -> Progress:
    """A scan's "reading page 2 of 3" told as progress on the file in hand."""
    return lambda _page, _pages, what: progress(done, total, what)
