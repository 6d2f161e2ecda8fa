"""`serve-check`: is this database ready for the app? Schema revision, server version,
round-trip time. Above `database` (an upgrade opens the database as the app does)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from sqlalchemy import Engine, text

from correspondence.database import open_database
from correspondence.db import migrate
from correspondence.db.session import make_engine, normalise_url

LATENCY_PROBES = 20


@dataclass(frozen=True)
class ServerCheck:
    url: str  # password hidden
    backend: str  # "sqlite" or "postgresql"
    server_version: str
    login: str  # the database login (PostgreSQL), "" on SQLite
    revision_before: str | None  # schema revision found on arrival (None: empty database)
    revision: str | None  # schema revision now
    head: str
    upgraded: bool
    latency_ms: float  # median of LATENCY_PROBES `SELECT 1` round trips

    @property
    def at_head(self) -> bool:
        return self.revision == self.head


def check(url: str, *, upgrade: bool = False) -> ServerCheck:
    """Connect to `url`, optionally upgrade its schema to head, and measure it.

    Raises sqlalchemy's OperationalError when the server cannot be reached.
    """
    engine = make_engine(normalise_url(url))
    try:
        before = migrate.current_revision(engine)
        upgraded = False
        if upgrade and before != migrate.head_revision():
            # open_database also loads the reference data a new database needs.
            open_database(url).close()
            upgraded = True
        version, login = _server(engine)
        return ServerCheck(
            url=engine.url.render_as_string(hide_password=True),
            backend=engine.dialect.name,
            server_version=version,
            login=login,
            revision_before=before,
            revision=migrate.current_revision(engine),
            head=migrate.head_revision(),
            upgraded=upgraded,
            latency_ms=_latency_ms(engine),
        )
    finally:
        engine.dispose()


def _server(engine: Engine) -> tuple[str, str]:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            version = conn.execute(text("SHOW server_version")).scalar_one()
            login = conn.execute(text("SELECT current_user")).scalar_one()
            return f"PostgreSQL {version}", login
        if engine.dialect.name == "sqlite":
            return f"SQLite {conn.execute(text('SELECT sqlite_version()')).scalar_one()}", ""
        return f"{engine.dialect.name} {engine.dialect.server_version_info}", ""


def _latency_ms(engine: Engine) -> float:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # warm: the first query may prepare or authenticate
        times = []
        for _ in range(LATENCY_PROBES):
            start = time.perf_counter()
            conn.execute(text("SELECT 1")).scalar_one()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
