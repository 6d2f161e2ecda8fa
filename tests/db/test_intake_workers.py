"""A large import parsed by worker processes gives what the one-process import gives.

Same cases, references, duplicates and failures with their reasons, in the same order;
and a file that takes its worker down is listed with a reason while the rest go on.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence.database import open_database
from correspondence.db.models import Case, Document
from correspondence.services.intake import file_import, intake_workers
from correspondence.services.intake.file_reading import parse_chunk
from correspondence.services.intake.import_results import ImportResult
from correspondence.services.intake.intake import Intake
from correspondence.services.unit_of_work import acting_as

MAIL = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def mixed_bag(tmp_path: Path) -> Path:
    """Every fixture (good letters of each format, damaged files, an unsupported one)
    six times over: 90 files, the copies after the first being duplicates."""
    bag = tmp_path / "bag"
    bag.mkdir()
    for round_ in range(6):
        for f in sorted(MAIL.iterdir()):
            if f.is_file():
                shutil.copy(f, bag / f"{round_}-{f.name}")
    return bag


def _import(url: str, bag: Path) -> tuple[ImportResult, list[tuple[str, str, str, str]]]:
    db = open_database(url)
    try:
        intake = Intake(acting_as(db.session_factory, "officer.one"), clock=lambda: TODAY)
        result = intake.import_paths([bag])
        with db.session_factory() as s:
            stored = s.execute(
                select(Case.reference, Document.filename, Document.role, Document.sha256)
                .join(Document, Document.case_id == Case.id)
                .order_by(Case.id, Document.id)
            ).all()
        # A searchable PDF made by OCR carries its moment of making: compare its name only.
        return result, [(r, f, role, "" if role == "searchable" else h) for r, f, role, h in stored]
    finally:
        db.close()


def test_workers_give_the_same_import_as_one_process(
    mixed_bag: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(list(mixed_bag.iterdir())) >= 50
    monkeypatch.setattr(intake_workers, "PARALLEL_FROM", 10**9)
    alone, alone_rows = _import(f"sqlite:///{tmp_path / 'alone.db'}", mixed_bag)
    monkeypatch.setattr(intake_workers, "PARALLEL_FROM", 1)
    monkeypatch.setattr(intake_workers, "CHUNK", 4)
    monkeypatch.setattr(intake_workers, "cores", lambda: 3)  # two workers
    pooled, pooled_rows = _import(f"sqlite:///{tmp_path / 'pooled.db'}", mixed_bag)
    assert alone.imported and alone.duplicates and alone.failed
    assert pooled.as_json() == alone.as_json()
    assert pooled_rows == alone_rows


def test_a_file_that_takes_its_worker_down_is_listed_and_the_rest_go_on(
    mixed_bag: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file whose reading never ends (a pipe nobody writes to, stuck in the system call,
    where the time limit cannot reach) until its worker is killed, as the OOM killer would."""
    monkeypatch.setattr(intake_workers, "CHUNK", 4)
    stuck = tmp_path / "stuck.eml"
    os.mkfifo(stuck)
    files = sorted(p for p in mixed_bag.iterdir() if p.suffix in (".eml", ".txt"))
    files = files[:6] + [stuck] + files[6:12]
    seen: list[Path] = []
    finished = threading.Event()

    def waiting_on_the_pipe(pid: int) -> bool:
        try:  # the kernel names where a process sleeps: opening a FIFO nobody writes to
            return Path(f"/proc/{pid}/wchan").read_text() == "wait_for_partner"
        except OSError:
            return False

    def kill_stuck_workers() -> None:
        # Only the worker stuck on the pipe, however slow the machine makes the others.
        while not finished.wait(0.2):
            for child in multiprocessing.active_children():
                if child.pid is not None and waiting_on_the_pipe(child.pid):
                    os.kill(child.pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_stuck_workers, daemon=True)
    killer.start()
    try:
        outcomes = []
        for outcome in intake_workers.parse_in_workers(parse_chunk, files, TODAY, 10_000_000, None):
            outcomes.append(outcome)
            seen.append(outcome[0])
    finally:
        finished.set()
        killer.join()
    assert seen == files  # every file, in order
    by_path = {path: (parsed, reason) for path, parsed, reason, _ in outcomes}
    assert by_path[stuck] == (None, intake_workers.CRASHED)
    assert all(by_path[p][0] is not None or by_path[p][1] for p in files if p != stuck)
    assert sum(by_path[p][0] is not None for p in files) >= 8


def test_cancel_stops_a_pooled_import_with_progress_told_on_the_way(
    mixed_bag: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake_workers, "PARALLEL_FROM", 1)
    monkeypatch.setattr(intake_workers, "CHUNK", 4)
    monkeypatch.setattr(file_import, "HEAD_FILES", 0)  # every file from the workers
    told: list[int] = []
    db = open_database(f"sqlite:///{tmp_path / 'cancel.db'}")
    try:
        intake = Intake(acting_as(db.session_factory, "officer.one"), clock=lambda: TODAY)
        result = intake.import_paths(
            [mixed_bag],
            progress=lambda done, _total, _path: told.append(done),
            should_cancel=lambda: len(set(told)) >= 20,
        )
        with db.session_factory() as s:
            stored = s.scalars(select(Case.reference)).all()
    finally:
        db.close()
    assert result.cancelled
    # The dialog moved file by file (a scan's pages repeat its file's count).
    assert told == sorted(told) and sorted(set(told)) == list(range(20))
    assert len(result.imported) + len(result.duplicates) + len(result.failed) < 90
    assert sorted(stored) == sorted(c.reference for c in result.imported)


def _slow_parse_chunk(
    paths: list[Path], today: dt.date, max_bytes: int
) -> list[intake_workers.Outcome]:
    """In a worker: a busy machine's worker, slower than the importer."""
    time.sleep(0.3)
    return parse_chunk(paths, today, max_bytes)


def test_the_importer_reads_the_next_files_itself_rather_than_wait(
    mixed_bag: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the workers lag, the importer reads their next task itself: the files still come
    in order, read exactly as a worker reads them; a pipe, a large file or a PDF never is
    read by the importer (one that hangs or takes its process down must take a worker)."""
    monkeypatch.setattr(intake_workers, "CHUNK", 2)
    fifo = tmp_path / "pipe.eml"
    os.mkfifo(fifo)
    big = tmp_path / "big.txt"
    big.write_text("Dear Minister\n" + "x" * (intake_workers.STEAL_MAX_BYTES + 1))
    files = sorted(mixed_bag.iterdir())[:30]
    files = files[:10] + [big, fifo] + files[10:]
    read_here: list[Path] = []

    def here(paths: list[Path]) -> list[intake_workers.Outcome]:
        read_here.extend(paths)
        return parse_chunk(paths, TODAY, 10_000_000)

    def fifo_opened() -> None:  # if a worker is stuck on the pipe, let it through
        if not finished.wait(5):
            with open(fifo, "wb"):
                pass

    finished = threading.Event()
    opener = threading.Thread(target=fifo_opened, daemon=True)
    opener.start()
    try:
        outcomes = list(
            intake_workers.parse_in_workers(
                _slow_parse_chunk, files, TODAY, 10_000_000, None, read_here=here
            )
        )
    finally:
        finished.set()
        opener.join()
    assert [o[0] for o in outcomes] == files
    assert read_here, "the importer never read a task itself"
    assert {big, fifo}.isdisjoint(read_here)
    assert all(p.suffix in intake_workers.STEAL_SUFFIXES for p in read_here)
    alone = parse_chunk([p for p in files if p != fifo], TODAY, 10_000_000)
    expected = {o[0]: o for o in alone}
    for path, parsed, reason, needs_ocr in outcomes:
        if path == fifo:
            continue
        e_parsed, e_reason, e_ocr = expected[path][1:]
        assert (reason, needs_ocr) == (e_reason, e_ocr), path
        assert getattr(parsed, "text", None) == getattr(e_parsed, "text", None), path
