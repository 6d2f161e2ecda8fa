"""`backup`, `restore`, a mistyped path and a damaged file, run as a person would."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from correspondence.db import migrate
from correspondence.db.session import make_engine
from tests.conftest import DemoTemplate

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"
MAIL = Path(__file__).resolve().parent.parent / "fixtures" / "mail"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CORRESPONDENCE_USER": "officer.cli", **(env or {})}
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300, env=env)


def sql(path: Path, query: str) -> list[tuple]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def office(sqlite_demo_template: DemoTemplate, tmp_path: Path) -> Path:
    path = tmp_path / "desk" / "office.db"
    path.parent.mkdir()
    shutil.copy(sqlite_demo_template.source, path)
    return path


def test_a_mistyped_path_is_refused_and_nothing_is_made(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "office.db"
    for args in (
        ("cases", "list", "--json"),
        ("import", str(MAIL / "utf8.eml")),
        ("backup", "--out", str(tmp_path / "b.db")),
    ):
        done = run(*args, "--db", f"sqlite:///{missing}")
        assert done.returncode == 1, (args, done.stdout)
        assert f"There is no database at {missing}" in done.stderr
        assert "Traceback" not in done.stderr
    assert not missing.parent.exists()
    # init is the command that makes one.
    assert run("init", "--db", f"sqlite:///{missing}").returncode == 0
    assert run("cases", "list", "--db", f"sqlite:///{missing}").returncode == 0


def test_backup_is_checked_and_restore_puts_it_back_recording_the_restore(
    office: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{office}"
    cases_before = sql(office, "SELECT count(*) FROM cases")[0][0]
    out = tmp_path / "copies" / "monday.db"

    made = run("backup", "--out", str(out), "--db", url)
    assert made.returncode == 0, made.stderr
    assert f"Backed up to {out}" in made.stdout
    assert "integrity ok; event log ok" in made.stdout
    assert sql(out, "SELECT count(*) FROM cases")[0][0] == cases_before
    assert sql(out, "PRAGMA integrity_check") == [("ok",)]
    assert not list(out.parent.glob(".*partial"))

    # Work goes on after the backup: a letter is logged.
    assert run("import", str(MAIL / "utf8.eml"), "--db", url).returncode == 0
    assert sql(office, "SELECT count(*) FROM cases")[0][0] == cases_before + 1
    current = digest(office)

    back = run("restore", str(out), "--db", url, "--reason", "letter logged in error", "--json")
    assert back.returncode == 0, back.stderr
    result = json.loads(back.stdout)
    aside = Path(result["previous_file"])
    # The file it replaced is kept whole, with the letter in it.
    assert aside.exists() and aside.parent == office.parent
    assert sql(aside, "SELECT count(*) FROM cases")[0][0] == cases_before + 1
    assert digest(aside) == current
    # The restored database has the backup's cases, and the restore in its event log.
    assert sql(office, "SELECT count(*) FROM cases")[0][0] == cases_before
    ((action, new, reason, user),) = sql(
        office,
        "SELECT action, new_value, reason, username FROM events ORDER BY id DESC LIMIT 1",
    )
    assert (action, reason, user) == ("restored", "letter logged in error", "officer.cli")
    recorded = json.loads(new)
    backup_events = sql(out, "SELECT count(*) FROM events")[0][0]
    backup_head = sql(out, "SELECT hash FROM events ORDER BY id DESC LIMIT 1")[0][0]
    assert recorded == {
        "backup": "monday.db",
        "backup_events": backup_events,
        "backup_head": backup_head,
        "previous_file": str(aside),
    }
    audit = run("audit", "verify", "--db", url)
    assert audit.returncode == 0, audit.stdout
    assert sql(office, "PRAGMA integrity_check") == [("ok",)]
    assert not (office.parent / ".restoring").exists()


def test_an_older_backup_is_upgraded_on_restore(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{old}")
    migrate.upgrade(engine, "0006")
    engine.dispose()
    target = tmp_path / "new-machine" / "office.db"  # restoring onto a machine with no desk yet
    done = run("restore", str(old), "--db", f"sqlite:///{target}", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["upgraded_from"] == "0006" and result["previous_file"] is None
    assert sql(target, "SELECT version_num FROM alembic_version") == [(migrate.HEAD,)]
    assert run("audit", "verify", "--db", f"sqlite:///{target}").returncode == 0


def test_a_backup_that_is_not_a_database_is_refused_and_nothing_changes(
    office: Path, tmp_path: Path
) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("shopping list\n" * 100)
    before = digest(office)
    done = run("restore", str(bogus), "--db", f"sqlite:///{office}")
    assert done.returncode == 1
    assert f"The backup {bogus} cannot be restored" in done.stderr
    assert "not a database" in done.stderr and "Nothing was changed" in done.stderr
    assert digest(office) == before
    assert [p.name for p in office.parent.iterdir()] == ["office.db"]


def _overwrite_a_page(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    with path.open("r+b") as f:
        for n in range(2, pages, max(1, pages // 20)):  # pages across the file
            f.seek(n * page)
            f.write(b"\xa5" * page)


@pytest.mark.parametrize("damage", ["page overwritten", "truncated", "not a database"])
def test_a_damaged_file_is_named_with_the_newest_backup_offered_and_never_written(
    office: Path, tmp_path: Path, damage: str
) -> None:
    url = f"sqlite:///{office}"
    backup = office.parent / "backups" / "office-daily-2026-12-01.db"
    assert run("backup", "--out", str(backup), "--db", url).returncode == 0
    if damage == "page overwritten":
        _overwrite_a_page(office)
    elif damage == "truncated":
        data = office.read_bytes()
        office.write_bytes(data[: len(data) // 2 + 100])
    else:
        office.write_text("Minutes of the meeting\n" * 2000)
    before = digest(office)

    for args in (
        ("cases", "list"),
        ("audit", "verify"),
        ("init",),
        ("import", str(MAIL / "utf8.eml")),
    ):
        done = run(*args, "--db", url)
        assert done.returncode == 1, (args, done.stdout)
        assert "Traceback" not in done.stderr, done.stderr
        assert f"The database file {office}" in done.stderr, done.stderr
        assert f"The newest backup is {backup}" in done.stderr
        assert f"correspondence restore {backup}" in done.stderr
    assert digest(office) == before  # never written to
    assert not office.with_name("office.db-wal").exists()

    # Taking up the offer: the damaged file is put aside as it was, the backup is in place.
    back = run("restore", str(backup), "--db", url, "--json")
    assert back.returncode == 0, back.stderr
    aside = Path(json.loads(back.stdout)["previous_file"])
    assert digest(aside) == before
    assert run("cases", "list", "--db", url).returncode == 0
    assert run("audit", "verify", "--db", url).returncode == 0


@pytest.mark.postgres
def test_backup_on_postgresql_runs_pg_dump(pg_database: str, tmp_path: Path) -> None:
    out = tmp_path / "desk.dump"
    done = run("backup", "--out", str(out), "--db", pg_database)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert "pg_restore reads it" in done.stdout


def test_a_database_on_a_read_only_disk_says_so_at_start(tmp_path: Path) -> None:
    from tests import small_disk

    disk = tmp_path / "disk"
    try:
        mount = small_disk.mounted(disk, size_kb=4096)
        mount.__enter__()
    except PermissionError as exc:
        pytest.skip(f"needs a tmpfs mounted by the test: {exc}")
    try:
        url = f"sqlite:///{disk / 'office.db'}"
        assert run("init", "--db", url).returncode == 0
        small_disk.remount_read_only(disk)
        done = run("cases", "list", "--db", url)
        assert done.returncode == 1
        assert f"The database file {disk / 'office.db'} cannot be written (read-only)" in (
            done.stderr
        )
        assert "Traceback" not in done.stderr
    finally:
        mount.__exit__(None, None, None)
