"""kill -9 in the middle of the work that writes: an import, a draft's autosave, a campaign
export and a restore. Each is a real process killed by the test. Afterwards the database
passes its integrity check and `audit verify`, nothing committed is lost, no half-written
file carries a real name, and running the job again finishes it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from correspondence.database import Database
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY, DemoTemplate
from tests.factories import signed_off_campaign_reply

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"
ENV = {**os.environ, "CORRESPONDENCE_USER": "a.okoro"}

pytestmark = pytest.mark.slow


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300, env=ENV)


def query(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def kill_when(cmd: list[str], ready: Callable[[], bool], timeout: float = 60) -> bool:
    """Start `cmd`; kill -9 it as soon as `ready()` holds. False if it finished first."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            if ready():
                os.kill(proc.pid, signal.SIGKILL)
                return True
            time.sleep(0.005)
        raise AssertionError(f"{cmd} never reached the point to kill it")
    finally:
        proc.kill()
        proc.communicate()


def assert_whole(path: Path) -> None:
    """What a restart finds: a whole file with an intact event log."""
    assert query(path, "PRAGMA integrity_check") == [("ok",)]
    audit = run("audit", "verify", "--db", f"sqlite:///{path}")
    assert audit.returncode == 0, audit.stdout + audit.stderr


def count(path: Path, table: str = "cases") -> int:
    try:
        return query(path, f"SELECT count(*) FROM {table}")[0][0]
    except sqlite3.OperationalError:  # locked for a moment by the writer
        return 0


def test_killed_during_an_import(tmp_path: Path) -> None:
    db = tmp_path / "office.db"
    url = f"sqlite:///{db}"
    assert run("init", "--db", url).returncode == 0
    post = tmp_path / "post"
    post.mkdir()
    letters = 1500
    for i in range(letters):
        (post / f"letter-{i:04d}.txt").write_text(
            f"Dear Minister,\n\nOur lollipop crossing number {i} has gone.\n\nYours,\nSam Doe {i}\n"
        )
    seen = {"cases": 0}

    def some_committed() -> bool:
        seen["cases"] = count(db)
        return seen["cases"] > 0

    killed = kill_when([EXE, "import", str(post), "--json", "--db", url], some_committed)
    assert killed, "the import finished before it could be killed"
    assert 0 < seen["cases"] < letters
    assert_whole(db)
    assert count(db) >= seen["cases"]  # nothing committed is lost

    again = run("import", str(post), "--json", "--db", url)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["imported"] + report["duplicates"] == letters and report["failed"] == []
    assert count(db) == letters
    assert_whole(db)


@pytest.fixture
def office(sqlite_demo_template: DemoTemplate, tmp_path: Path) -> Path:
    path = tmp_path / "office.db"
    shutil.copy(sqlite_demo_template.source, path)
    return path


def test_killed_during_a_drafts_autosave(office: Path) -> None:
    from correspondence.database import open_database
    from tests.factories import mp, triaged_case

    url = f"sqlite:///{office}"
    db: Database = open_database(url)
    draft = Drafting(acting_as(db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY).create(
        triaged_case(
            db,
            "a.okoro",
            today=DEMO_TODAY,
            correspondent=mp("Gwen", "Arkwright"),
            summary="Serious case reviews",
            theme_codes=("SCR", "LAMING"),
            signatory_key="sos",
            team_code="SPU",
        )
    )
    db.close()
    helper = Path(__file__).with_name("crash_autosave.py")
    proc = subprocess.Popen(
        [sys.executable, str(helper), url, str(draft.id), "p.mehta"],
        stdout=subprocess.PIPE,
        text=True,
        env={**ENV, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert proc.stdout is not None
    last = 0
    while last < 25:
        line = proc.stdout.readline()
        assert line, "the autosave loop stopped by itself"
        last = int(line)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()

    assert_whole(office)
    (text,) = query(
        office,
        f"SELECT text FROM draft_paragraphs WHERE draft_id = {draft.id} ORDER BY position",
    )[0]
    saved = int(text.split("version ")[1].split(".")[0])
    assert saved >= last  # the last save reported was kept
    # The next save (the editor reopened) goes through.
    db = open_database(url)
    try:
        drafting = Drafting(acting_as(db.session_factory, "p.mehta"))
        view = drafting.view(draft.id)
        drafting.save(draft.id, view.version, None, subject="After the crash")
        assert drafting.view(draft.id).subject == "After the crash"
    finally:
        db.close()


def test_killed_during_a_campaign_export(
    sqlite_demo_template: DemoTemplate, tmp_path: Path
) -> None:
    from correspondence.database import open_database

    path = tmp_path / "office.db"
    shutil.copy(sqlite_demo_template.source, path)
    url = f"sqlite:///{path}"
    db = open_database(url)
    signed_off_campaign_reply(db, 1)
    db.close()
    out = tmp_path / "letters"
    journal = out / ".campaign-export.jsonl"
    closed_before = count_dispatched(path)  # members already answered are left out

    def some_letters_written() -> bool:
        return journal.exists() and b'"letter"' in journal.read_bytes()

    cmd = [EXE, "campaigns", "export", "1", "--out", str(out), "--db", url]
    killed = kill_when(cmd, some_letters_written)
    if killed:
        # No half-written letter carries a real name; the journal claims only whole files.
        for letter in out.glob("*.docx"):
            with zipfile.ZipFile(letter) as z:
                assert z.testzip() is None and "word/document.xml" in z.namelist()
        claimed = [
            json.loads(line)
            for line in journal.read_text().splitlines()
            if line.strip().endswith("}")
        ]
        for entry in claimed:
            if entry.get("kind") == "letter":
                assert (out / entry["file"]).exists()
        assert_whole(path)
        dispatched = count_dispatched(path)
        assert dispatched in (closed_before, closed_before + 50)  # all at once, or none yet
        resume = ["--resume"]
    else:
        resume = []
    done = run("campaigns", "export", "1", "--out", str(out), "--json", "--db", url, *resume)
    if done.returncode != 0:
        assert "finished export" in done.stderr  # the kill came after the dispatch
    assert count_dispatched(path) == closed_before + 50
    assert len([p for p in out.glob("*.docx") if "combined" not in p.name]) == 50
    assert_whole(path)


def count_dispatched(path: Path) -> int:
    return query(
        path, "SELECT count(*) FROM cases WHERE campaign_id = 1 AND status = 'dispatched'"
    )[0][0]


def test_killed_during_a_restore(office: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{office}"
    backup = tmp_path / "monday.db"
    assert run("backup", "--out", str(backup), "--db", url).returncode == 0
    cases = count(office)
    # Killed while the backup is being copied, checked and recorded beside the database.
    work = office.parent / ".restoring"
    assert kill_when([EXE, "restore", str(backup), "--db", url], work.exists)
    assert office.exists() and count(office) == cases
    assert_whole(office)
    # And at several later points: the database is always there and whole.
    for delay in (0.4, 0.8, 1.2, 1.6, 2.0):
        proc = subprocess.Popen(
            [EXE, "restore", str(backup), "--db", url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=ENV,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        assert office.exists()
        assert_whole(office)
        assert count(office) == cases
    # Running it again finishes the job: the restore is recorded, and work goes on.
    done = run("restore", str(backup), "--db", url, "--json")
    assert done.returncode == 0, done.stderr
    assert query(office, "SELECT action FROM events ORDER BY id DESC LIMIT 1") == [("restored",)]
    assert not (office.parent / ".restoring").exists()
    assert_whole(office)
    assert run("cases", "list", "--db", url).returncode == 0
