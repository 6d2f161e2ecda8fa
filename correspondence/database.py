"""Opening a database: engine, schema upgrade, reference data, session factory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from correspondence.db import health, migrate
from correspondence.db.models import Case
from correspondence.db.session import (
    default_url,
    make_engine,
    make_session_factory,
    normalise_url,
    sqlite_path,
)
from correspondence.services.office.defaults import ensure_defaults


@dataclass
class Database:
    url: str
    engine: Engine
    session_factory: sessionmaker[Session]
    backup: Path | None = None  # the copy taken before a schema upgrade

    def is_empty(self) -> bool:
        with self.session_factory() as s:
            return (s.scalar(select(func.count(Case.id))) or 0) == 0

    def close(self) -> None:
        # A job on another thread (the signed PDF after a sign-off) may hold a connection
        # now or take one after this: dispose() would leave it open in the pool, held on the
        # server until garbage collection. From now on each one handed back is closed.
        if not event.contains(self.engine, "checkin", _close_on_return):
            event.listen(self.engine, "checkin", _close_on_return)
        self.engine.dispose()


def _close_on_return(_dbapi_connection: object, record: ConnectionPoolEntry) -> None:
    record.invalidate()  # closes the DB-API connection; the pool forgets it


class DatabaseUnavailable(Exception):
    """The database file named cannot be used as it is; the message says which and why.

    `kind` is "missing", "damaged" or "read-only"; `backup` is the newest whole copy found
    (offered for a damaged file).
    """

    def __init__(
        self, path: Path, kind: str, message: str, backup: Path | None = None, problem: str = ""
    ) -> None:
        super().__init__(message)
        self.path, self.kind, self.backup = path, kind, backup
        self.problem = problem  # what is wrong, in words ("is damaged: it was cut short")


def missing(path: Path) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        path,
        "missing",
        f"There is no database at {path}. Check the path; to start a new office there, run "
        f"`correspondence init --db sqlite:///{path}`.",
    )


def damaged(path: Path, problem: str, *, untouched: bool = True) -> DatabaseUnavailable:
    """`untouched`: found before anything opened the file for writing (at start)."""
    backup = health.newest_backup(path)
    if backup is not None:
        offer = (
            f"The newest backup is {backup}: to go back to it, run "
            f"`correspondence restore {backup} --db sqlite:///{path}` (the damaged file is put "
            "aside, not deleted)."
        )
    else:
        offer = f"No backup of it was found in {path.parent / 'backups'}."
    return DatabaseUnavailable(
        path,
        "damaged",
        f"The database file {path} {problem}. "
        + ("Nothing was written to it. " if untouched else "The work stopped there. ")
        + offer,
        backup,
        problem,
    )


def check_sqlite_file(path: Path, *, create: bool, thorough: bool = False) -> None:
    """Refuse, before anything opens it for writing, a SQLite file that is missing (unless
    `create`), damaged, or cannot be written."""
    if not path.exists():
        if not create:
            raise missing(path)
        parent = next((p for p in path.parents if p.exists()), None)
        if parent is not None and (problem := health.not_writable(parent / "x")) is not None:
            raise DatabaseUnavailable(path, "read-only", problem)
        return
    if path.stat().st_size == 0 and create and not path.is_dir():
        return  # a new file SQLite made but never wrote to
    problem = health.file_problem(path, thorough=thorough)
    if problem is not None:
        raise damaged(path, problem)
    if (problem := health.not_writable(path)) is not None:
        raise DatabaseUnavailable(path, "read-only", problem)


def open_database(
    url: str | None = None, *, upgrade: bool = True, create: bool = True, thorough: bool = False
) -> Database:
    """Open (and by default upgrade) the database at `url`.

    A SQLite file that does not exist is created only when `create` (commands other than
    `init` and `restore` pass False, so a mistyped path is refused, not made into a new
    office). A damaged file is refused before anything writes to it (DatabaseUnavailable);
    `thorough` reads every page to look for damage, not only the header and length.
    """
    url = normalise_url(url or default_url())
    path = sqlite_path(url)
    if path is not None:
        check_sqlite_file(path, create=create, thorough=thorough)
    engine = make_engine(url)
    try:
        backup = None
        if upgrade:
            backup = migrate.upgrade(engine)
        elif not migrate.is_at_head(engine):
            raise RuntimeError(
                f"The database at {engine.url.render_as_string(hide_password=True)} is at "
                f"schema {migrate.current_revision(engine)}, not {migrate.head_revision()}: "
                "upgrade it first."
            )
        sf = make_session_factory(engine)
        with sf.begin() as s:
            ensure_defaults(s)
    except BaseException:
        engine.dispose()  # refused: keep no connection open to it
        raise
    return Database(url, engine, sf, backup)
