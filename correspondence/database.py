"""Opening a database: engine, schema upgrade, reference data, session factory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from correspondence.db import migrate
from correspondence.db.models import Case
from correspondence.db.session import default_url, make_engine, make_session_factory, normalise_url
from correspondence.services.defaults import ensure_defaults


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
        self.engine.dispose()


def open_database(url: str | None = None, *, upgrade: bool = True) -> Database:
    """Open (and by default upgrade) the database at `url`, creating it if needed."""
    url = normalise_url(url or default_url())
    engine = make_engine(url)
    backup = None
    if upgrade:
        backup = migrate.upgrade(engine)
    elif not migrate.is_at_head(engine):
        raise RuntimeError(
            f"The database at {engine.url.render_as_string(hide_password=True)} is at schema "
            f"{migrate.current_revision(engine)}, not {migrate.head_revision()}: upgrade it first."
        )
    sf = make_session_factory(engine)
    with sf.begin() as s:
        ensure_defaults(s)
    return Database(url, engine, sf, backup)
