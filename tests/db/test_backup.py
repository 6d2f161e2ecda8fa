"""Backups of a SQLite desk: the daily copy and its rotation, retention, and the checks."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from correspondence.database import DatabaseUnavailable, open_database
from correspondence.services.office import backup
from correspondence.services.people.retention import Retention
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DemoTemplate


@pytest.fixture
def office(sqlite_demo_template: DemoTemplate, tmp_path: Path) -> Path:
    path = tmp_path / "office.db"
    shutil.copy(sqlite_demo_template.source, path)
    return path


def test_the_daily_copy_is_made_once_a_day_and_keeps_7_daily_and_4_weekly(office: Path) -> None:
    url = f"sqlite:///{office}"
    start = dt.date(2026, 11, 2)  # a Monday
    (office.parent / "backups").mkdir()
    cut_short = office.parent / "backups" / ".office-daily-2026-10-30.db.partial"
    cut_short.write_bytes(b"SQLite format 3\x00")  # a copy a crash interrupted
    first = backup.daily_backup(url, today=start)
    assert first is not None and Path(first.path).name == "office-daily-2026-11-02.db"
    assert backup.daily_backup(url, today=start) is None  # not twice in a day
    for n in range(1, 30):
        backup.daily_backup(url, today=start + dt.timedelta(days=n))
    folder = office.parent / "backups"
    names = sorted(p.name for p in folder.iterdir())
    last = start + dt.timedelta(days=29)
    assert [n for n in names if "-daily-" in n] == [
        f"office-daily-{last - dt.timedelta(days=d):%Y-%m-%d}.db" for d in range(6, -1, -1)
    ]
    assert [n for n in names if "-weekly-" in n] == [
        "office-weekly-2026-W46.db",
        "office-weekly-2026-W47.db",
        "office-weekly-2026-W48.db",
        "office-weekly-2026-W49.db",
    ]
    assert not [n for n in names if n.startswith(".")]  # no partial copies left
    assert not cut_short.exists()
    newest = folder / f"office-daily-{last:%Y-%m-%d}.db"
    check = backup.check_copy(newest)
    assert (check.integrity, check.audit) == ("ok", "ok")
    conn = sqlite3.connect(newest)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file at rest
    conn.close()


def test_retention_deletes_backups_older_than_the_retention_period(
    office: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{office}"
    today = dt.date(2026, 11, 23)
    old = backup.daily_backup(url, today=dt.date(2024, 3, 1))
    recent = backup.daily_backup(url, today=dt.date(2026, 11, 20))
    assert old is not None and recent is not None
    long_ago = dt.datetime(2024, 3, 1, 9, 0).timestamp()
    for name in ("office-daily-2024-03-01.db", "office-weekly-2024-W09.db"):
        os.utime(office.parent / "backups" / name, (long_ago, long_ago))
    db = open_database(url)
    try:
        retention = Retention(acting_as(db.session_factory, "admin"), clock=lambda: today)
        plan = retention.plan()
        assert sorted(Path(p).name for p in plan.backups) == [
            "office-daily-2024-03-01.db",
            "office-weekly-2024-W09.db",
        ]
        result = retention.apply()
    finally:
        db.close()
    assert result.backups_deleted == 2
    assert sorted(p.name for p in (office.parent / "backups").iterdir()) == [
        "office-daily-2026-11-20.db",
        "office-weekly-2026-W47.db",
    ]


def test_a_copy_is_checked_and_a_damaged_one_is_not_trusted(office: Path, tmp_path: Path) -> None:
    made = backup.copy_sqlite(office, tmp_path / "copy.db")
    assert made.check is not None and made.check.ok and made.check.events > 0
    # An event changed after it was written: the copy's chain no longer holds.
    conn = sqlite3.connect(tmp_path / "copy.db")
    triggers = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for (name,) in triggers:  # someone with the file in hand can drop the guard
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute("UPDATE events SET reason = 'edited' WHERE id = 5")
    conn.commit()
    conn.close()
    check = backup.check_copy(tmp_path / "copy.db")
    assert check.integrity == "ok" and check.audit.startswith("broken at event #5")
    assert not check.ok


def test_backing_up_a_damaged_file_is_refused(office: Path, tmp_path: Path) -> None:
    data = office.read_bytes()
    office.write_bytes(data[:4096] + b"\0" * 100)
    with pytest.raises(backup.BackupProblem, match="cut short"):
        backup.copy_sqlite(office, tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()
    with pytest.raises(DatabaseUnavailable, match="cut short"):
        open_database(f"sqlite:///{office}")


def test_without_pg_dump_the_command_for_the_administrator_is_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Only the lookup of the installed tool is replaced: this machine has pg_dump.
    monkeypatch.setattr(backup, "find_pg_tool", lambda _name: None)
    out = tmp_path / "desk.dump"
    with pytest.raises(backup.BackupProblem) as told:
        backup.backup("postgresql://alice:secret@dbserver:5432/desk", out)
    text = str(told.value)
    assert "pg_dump (PostgreSQL's client tools) is not installed here" in text
    assert f"pg_dump -Fc -f {out} --dbname 'postgresql://alice:***@dbserver:5432/desk'" in text
    assert "secret" not in text and not out.exists()
