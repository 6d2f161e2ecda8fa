"""Copies of the database: made while the app runs, checked before they are trusted, and put
back without losing the file they replace.

- A SQLite copy is made with SQLite's online backup API (a consistent snapshot while others
  keep working), written under a hidden temporary name and renamed into place only once it
  has passed `PRAGMA integrity_check` and the event log's hash chain; a half-written copy
  never carries a backup's name.
- The automatic copy (at most one a day, on start) rotates 7 daily and 4 weekly copies in
  `backups/` beside the file; a weekly copy is a hard link to that day's copy (no extra disk).
- A restore checks the backup first, brings an older one up through the migrations, records
  the restore in the restored file's event log, and only then swaps it in with one rename.
  The file it replaces is hard-linked aside first, so it is never deleted and there is never
  a moment without a database at the path.
- On PostgreSQL, `pg_dump -Fc` when it is installed; otherwise the command to run is given.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from correspondence.db import health, migrate
from correspondence.db.session import normalise_url, sqlite_path
from correspondence.paths import backups_dir_for
from correspondence.services.errors import ServiceError

Progress = Callable[[int, int, str], None]  # (done, total, what is happening)

DAILY_KEPT = 7
WEEKLY_KEPT = 4
PARTIAL = ".partial"
RESTORING_DIR = ".restoring"


class BackupProblem(ServiceError):
    """A backup could not be made, checked or restored; the message says why and what to do."""


# --- checking a copy --------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupCheck:
    path: str
    integrity: str  # "ok", or what SQLite found wrong
    revision: str | None  # the copy's schema revision
    events: int  # events in the copy's log
    head: str  # hash of the newest event ("" when none)
    audit: str  # "ok", "not checked (schema REV)", or the first broken link

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and not self.audit.startswith("broken")


# The administrator's command (pg_restore's own options) for a PostgreSQL dump.
PG_RESTORE = ("pg_restore", "--clean", "--if-exists", "--dbname")


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def check_copy(path: Path, *, thorough: bool = True, audit: bool = True) -> BackupCheck:
    """Check a SQLite copy without writing to it: whole file, schema, event chain."""
    problem = health.file_problem(path, thorough=False)
    if problem is not None:
        return BackupCheck(str(path), f"the file {problem}", None, 0, "", "not checked")
    conn = _read_only(path)
    try:
        pragma = "integrity_check" if thorough else "quick_check"
        try:
            rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}(5)")]
        except sqlite3.DatabaseError as exc:
            rows = [str(exc)]
        integrity = "ok" if rows == ["ok"] else "; ".join(rows[:3])
        if integrity != "ok":
            return BackupCheck(str(path), integrity, None, 0, "", "not checked")
        try:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
            head = conn.execute("SELECT hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
        except sqlite3.DatabaseError:
            return BackupCheck(
                str(path), "it is not a Correspondence Desk database", None, 0, "", "not checked"
            )
    finally:
        conn.close()
    rev = revision[0] if revision else None
    head_hash = head[0] if head else ""
    if not audit:
        verdict = "not checked"
    elif rev != migrate.HEAD:
        verdict = f"not checked (schema {rev}: checked after the upgrade on restore)"
    else:
        verdict = _audit(path)
    return BackupCheck(str(path), integrity, rev, events, head_hash, verdict)


def _audit(path: Path) -> str:
    """`audit verify` on a file, read-only (no app pragmas: they would write)."""
    engine = create_engine("sqlite://", creator=lambda: _read_only(path))
    try:
        return audit_engine(engine)
    finally:
        engine.dispose()


def audit_engine(engine: Engine) -> str:
    """ "ok", or where the event chain breaks.

    The chain is walked over plain rows with the event log's own digest (the ORM walk of
    `verify_audit` takes ~45 s over 300,000 events, this ~9 s); a break is then described
    by `verify_audit` itself.
    """
    from sqlalchemy import select

    from correspondence.db.models import Event
    from correspondence.services import events
    from correspondence.services.cases.history import verify_audit

    with Session(engine) as s:
        old_until = events.v2_after(s)
    with engine.connect() as conn:
        prev = ""
        rows = conn.execution_options(yield_per=5000).execute(
            select(Event.__table__).order_by(Event.id)
        )
        for row in rows:
            if row.prev_hash != prev or row.hash != events.expected_hash(row, prev, old_until):
                break
            prev = row.hash
        else:
            return "ok"
    with Session(engine) as s:
        result = verify_audit(s)
    if result.intact:
        return "ok"
    return f"broken at event #{result.broken_at}: {result.problem}"


# --- making a copy ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: str
    bytes: int
    seconds: float
    check: BackupCheck | None  # None for a PostgreSQL dump (see `dump_check`)
    dump_check: str = ""


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def copy_sqlite(
    src: Path,
    dest: Path,
    *,
    progress: Progress | None = None,
    thorough: bool = True,
    audit: bool = True,
) -> BackupResult:
    """Copy the SQLite file `src` to `dest` while it is in use, and check the copy.

    Nothing carries `dest`'s name until the copy is whole and has passed its checks.
    """
    started = time.perf_counter()
    problem = health.file_problem(src, thorough=False)
    if problem is not None:
        raise BackupProblem(f"The database file {src} {problem}: it cannot be backed up.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}{PARTIAL}")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(src)
    try:
        target = sqlite3.connect(partial)
        try:
            total = source.execute("PRAGMA page_count").fetchone()[0] or 1
            step = max(256, total // 50)

            def report(_status: int, remaining: int, pages: int) -> None:
                if progress is not None:
                    progress(pages - remaining, pages, "copying")

            if progress is not None:
                progress(0, total, "copying")
            # In steps only when someone watches: one step is one consistent read that a
            # writer elsewhere never restarts, and is the quickest.
            source.backup(target, pages=step if progress else -1, progress=report)
            # One self-contained file at rest, whatever mode the original runs in.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        words = health.storage_problem(exc) or str(exc)
        raise BackupProblem(f"The backup to {dest} could not be written: {words}.") from exc
    finally:
        source.close()
    with partial.open("rb+") as f:
        os.fsync(f.fileno())
    if progress is not None:
        progress(total, total, "checking the copy")
    check = check_copy(partial, thorough=thorough, audit=audit)
    if not check.ok:
        partial.unlink(missing_ok=True)
        raise BackupProblem(
            f"The copy of {src} failed its check ({check.integrity}; event log: {check.audit}); "
            "no backup was kept."
        )
    os.replace(partial, dest)
    _fsync_dir(dest.parent)
    final = BackupCheck(str(dest), check.integrity, check.revision, check.events, check.head,
                        check.audit)  # fmt: skip
    return BackupResult(str(dest), dest.stat().st_size, time.perf_counter() - started, final)


def backup(url: str, out: Path, *, progress: Progress | None = None) -> BackupResult:
    """`correspondence backup --out FILE`: a checked copy of the database at `url`."""
    path = sqlite_path(url)
    out = out.expanduser().resolve()
    if path is not None:
        if out == path.resolve():
            raise BackupProblem(
                "The backup cannot overwrite the database itself: choose another file."
            )
        return copy_sqlite(path, out, progress=progress)
    if make_url(normalise_url(url)).get_backend_name() == "postgresql":
        return dump_postgresql(url, out)
    raise BackupProblem(
        f"Backing up {make_url(url).get_backend_name()} databases is not supported."
    )


# --- PostgreSQL -------------------------------------------------------------------------------


def _libpq_url(url: str) -> str:
    return normalise_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


def find_pg_tool(name: str) -> str | None:
    """The newest installed PostgreSQL client tool: on PATH, else Debian's versioned folders."""
    found = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return str(found[-1])
    return shutil.which(name)


def pg_dump_command(url: str, out: Path) -> list[str]:
    return ["pg_dump", "-Fc", "-f", str(out), "--dbname", _libpq_url(url)]


def dump_postgresql(url: str, out: Path) -> BackupResult:
    shown = make_url(_libpq_url(url)).render_as_string(hide_password=True)
    advice = " ".join(pg_dump_command(shown, out)[:-1]) + f" '{shown}'"
    tool = find_pg_tool("pg_dump")
    if tool is None:
        raise BackupProblem(
            "pg_dump (PostgreSQL's client tools) is not installed here, so this desk cannot "
            f"back up the server. The administrator should run, where it is installed:\n  {advice}"
        )
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}{PARTIAL}")
    cmd = [tool, *pg_dump_command(url, partial)[1:]]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=6 * 3600)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupProblem(
            f"pg_dump failed: {done.stderr.strip() or done.returncode}. The administrator can "
            f"run it by hand:\n  {advice}"
        )
    listed = subprocess.run(
        [find_pg_tool("pg_restore") or "pg_restore", "--list", str(partial)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if listed.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupProblem(f"The dump could not be read back: {listed.stderr.strip()}")
    tables = sum(1 for line in listed.stdout.splitlines() if " TABLE DATA " in line)
    os.replace(partial, out)
    return BackupResult(
        str(out),
        out.stat().st_size,
        time.perf_counter() - started,
        None,
        dump_check=f"pg_restore reads it: {tables} tables of data",
    )


# --- the automatic daily copy -----------------------------------------------------------------


def daily_name(db: Path, day: dt.date) -> str:
    return f"{db.stem}-daily-{day:%Y-%m-%d}{db.suffix or '.db'}"


def weekly_name(db: Path, day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{db.stem}-weekly-{year}-W{week:02d}{db.suffix or '.db'}"


def daily_backup(
    url: str, *, today: dt.date | None = None, folder: Path | None = None
) -> BackupResult | None:
    """The automatic copy: at most one a day, 7 daily and 4 weekly kept. None when today's
    copy already exists (or the database is not a SQLite file)."""
    db = sqlite_path(url)
    if db is None or not db.exists():
        return None
    today = today or dt.date.today()
    folder = folder or backups_dir_for(db)
    daily = folder / daily_name(db, today)
    if daily.exists():
        return None
    # quick_check, not the full integrity check: every page is still read, at a third of
    # the cost; the event chain is checked by `backup --out` and on restore.
    result = copy_sqlite(db, daily, thorough=False, audit=False)
    weekly = folder / weekly_name(db, today)
    if not weekly.exists():
        try:
            os.link(daily, weekly)
        except OSError:
            shutil.copy2(daily, weekly)
    rotate(db, folder)
    return result


def rotate(db: Path, folder: Path) -> list[Path]:
    """Delete daily copies beyond the newest 7 and weekly copies beyond the newest 4, and
    what a copy cut short by a crash left under its hidden temporary name."""
    removed: list[Path] = []
    for stale in folder.glob(f".{db.stem}-*{PARTIAL}"):
        stale.unlink(missing_ok=True)
        removed.append(stale)
    for kind, keep in (("daily", DAILY_KEPT), ("weekly", WEEKLY_KEPT)):
        copies = sorted(folder.glob(f"{db.stem}-{kind}-*{db.suffix or '.db'}"), reverse=True)
        for old in copies[keep:]:
            old.unlink(missing_ok=True)
            removed.append(old)
    return removed


# --- restore ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    backup: str
    database: str
    previous_file: str | None  # where the file it replaced was put aside
    upgraded_from: str | None  # the backup's schema, when it was older
    events: int  # events in the backup
    head: str  # hash of the backup's newest event
    cases: int


def aside_name(db: Path, stamp: str) -> Path:
    return db.with_name(f"{db.stem}-before-restore-{stamp}{db.suffix}")


def restore(
    backup_file: Path,
    url: str,
    username: str,
    *,
    reason: str = "",
    progress: Progress | None = None,
    release: Callable[[], None] | None = None,
) -> RestoreResult:
    """Put `backup_file` in place of the SQLite database at `url`.

    `release` is called just before and after the swap, for a running window to close its
    connections to the old file. The restore is recorded in the restored file's event log.
    """
    from correspondence.database import open_database
    from correspondence.services import events
    from correspondence.services.actors import actor_for

    def say(done: int, stage: str) -> None:
        if progress is not None:
            progress(done, 5, stage)

    target = sqlite_path(url)
    if target is None:
        shown = make_url(_libpq_url(url)).render_as_string(hide_password=True)
        raise BackupProblem(
            "A PostgreSQL database is restored by its administrator with pg_restore, e.g.\n"
            f"  {' '.join(PG_RESTORE)} '{shown}' {backup_file}"
        )
    backup_file = backup_file.expanduser().resolve()
    if not backup_file.is_file():
        raise BackupProblem(f"There is no backup file at {backup_file}.")
    if backup_file == target.resolve():
        raise BackupProblem("That is the database itself, not a backup of it.")
    say(0, "checking the backup")
    found = check_copy(backup_file, audit=False)
    if found.integrity != "ok":
        raise BackupProblem(
            f"The backup {backup_file} cannot be restored: {found.integrity}. Nothing was changed."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    work = target.parent / RESTORING_DIR
    shutil.rmtree(work, ignore_errors=True)  # what a restore cut short left behind
    work.mkdir()
    temp = work / target.name
    try:
        say(1, "copying the backup")
        src, dst = _read_only(backup_file), sqlite3.connect(temp)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        say(2, "upgrading it" if found.revision != migrate.HEAD else "checking its event log")
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = aside_name(target, stamp) if target.exists() else None
        restored = open_database(f"sqlite:///{temp}", create=False)
        try:
            audit = audit_engine(restored.engine)
            if audit != "ok":
                raise BackupProblem(
                    f"The backup {backup_file} has a broken event log ({audit}). "
                    "Nothing was changed."
                )
            from sqlalchemy import func, select

            from correspondence.db.models import Case, Event

            say(3, "recording the restore")
            with restored.session_factory.begin() as s:
                cases = s.scalar(select(func.count(Case.id))) or 0
                n_events = s.scalar(select(func.count(Event.id))) or 0
                head = s.scalar(select(Event.hash).order_by(Event.id.desc()).limit(1)) or ""
                events.record(
                    s,
                    actor_for(s, username),
                    "database",
                    None,
                    "restored",
                    new=json.dumps(
                        {
                            "backup": backup_file.name,
                            "backup_events": n_events,
                            "backup_head": head,
                            "previous_file": str(aside) if aside else None,
                        }
                    ),
                    reason=reason or f"restored from {backup_file}",
                )
            with restored.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            restored.close()
        say(4, "putting it in place")
        if release is not None:
            release()
        _swap(temp, target, aside)
        if release is not None:
            release()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say(5, "done")
    return RestoreResult(
        str(backup_file),
        str(target),
        str(aside) if aside else None,
        found.revision if found.revision != migrate.HEAD else None,
        n_events,
        head,
        cases,
    )


def _swap(new: Path, target: Path, aside: Path | None) -> None:
    """Replace `target` by `new` in one rename, with the old file linked aside first."""
    for side in ("-wal", "-shm"):
        stray = new.with_name(new.name + side)
        if stray.exists():  # the restored copy must be whole in one file
            conn = sqlite3.connect(new)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
            stray.unlink(missing_ok=True)
    if aside is not None and target.exists():
        if health.file_problem(target, thorough=False) is None:
            # Fold a healthy file's journal into it, so the copy aside is whole on its own.
            # (A damaged file is never written to: its journal is moved aside with it.)
            try:
                conn = sqlite3.connect(target)
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.close()
            except sqlite3.Error:
                pass
        _link_or_copy(target, aside)
        for side in ("-wal", "-shm"):
            journal = target.with_name(target.name + side)
            if journal.exists():
                _link_or_copy(journal, aside.with_name(aside.name + side))
                journal.unlink()
    os.replace(new, target)
    _fsync_dir(target.parent)


def _link_or_copy(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)
