"""Shared fixtures: a fresh database per test, built by the production migration code.

Database fixtures run each test twice: on SQLite and on a throwaway PostgreSQL
server (tests/pg.py). Where the machine has no PostgreSQL binaries the
PostgreSQL runs are skipped with the reason shown; under CI=true they fail.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

# Before any QApplication exists: no display in CI.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CORRESPONDENCE_USER", "tester")
# The real seed letters, copied into the repository so the proof never skips.
os.environ.setdefault("CORRESPONDENCE_SEEDS", str(Path(__file__).parent / "fixtures" / "seeds"))

import pytest  # noqa: E402

from correspondence.database import Database, open_database  # noqa: E402
from correspondence.latency_proxy import LatencyProxy  # noqa: E402
from correspondence.services.desk import Desk  # noqa: E402
from correspondence.services.unit_of_work import acting_as
from tests import pg  # noqa: E402

# Demo data is generated relative to "today"; a fixed day keeps tests repeatable.
DEMO_TODAY = dt.date(2026, 11, 23)
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).parent.parent / "screenshots"))

# Fixture params for "every database test runs on both backends".
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


# --- the PostgreSQL server -----------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pg.PgServer]:
    """One throwaway cluster per run; skipped (failed under CI=true) without binaries."""
    try:
        server = pg.start_server()
    except LookupError as exc:
        reason = str(exc)
    else:
        yield server
        server.stop()
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}; CI must install it (.ci/run does)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_migrated(pg_server: pg.PgServer) -> str:
    """A database at the head schema with reference data: the template of every `db`."""
    name = pg_server.create_database("tpl_migrated")
    open_database(pg_server.url(name)).close()
    return name


@pytest.fixture
def pg_database(pg_server: pg.PgServer, pg_migrated: str) -> Iterator[str]:
    """The URL of a fresh PostgreSQL database at head, dropped after the test."""
    name = pg_server.create_database(pg_server.new_name(), template=pg_migrated)
    yield pg_server.url(name)
    pg_server.release(name)


def _fresh_url(
    request: pytest.FixtureRequest, backend: str, sqlite_path: Path, template: str
) -> str:
    """A new SQLite path, or a new PostgreSQL database copied from `template` (dropped after)."""
    if backend == "sqlite":
        return f"sqlite:///{sqlite_path}"
    server: pg.PgServer = request.getfixturevalue("pg_server")
    name = server.create_database(server.new_name(), template=template)
    request.addfinalizer(lambda: server.release(name))
    return server.url(name)


@dataclass(frozen=True)
class DemoTemplate:
    backend: str  # "sqlite" or "postgresql"
    source: str  # the SQLite file, or the PostgreSQL database to copy


# --- databases for tests ---------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh database at head on each backend (schema built by migrations)."""
    if request.param == "sqlite":
        url = _fresh_url(request, "sqlite", tmp_path / "test.db", "")
        open_database(url).close()
        return url
    return _fresh_url(request, "postgresql", tmp_path, request.getfixturevalue("pg_migrated"))


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.close()


@pytest.fixture(scope="session")
def sqlite_demo_template(tmp_path_factory: pytest.TempPathFactory) -> DemoTemplate:
    """The demo database on SQLite only: for tests/ui, which stay off PostgreSQL (see there)."""
    from correspondence.services.demo.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    database = open_database(f"sqlite:///{path}")
    load_demo(database.session_factory, today=DEMO_TODAY)
    with database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    return DemoTemplate("sqlite", str(path))


@pytest.fixture(scope="session", params=BACKENDS)
def demo_template(request: pytest.FixtureRequest) -> DemoTemplate:
    """One demo database per run and backend; each test gets its own copy."""
    from correspondence.services.demo.demo import load_demo

    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_demo_template")
    server: pg.PgServer = request.getfixturevalue("pg_server")
    name = server.create_database("tpl_demo")
    database = open_database(server.url(name))
    load_demo(database.session_factory, today=DEMO_TODAY)
    database.close()  # a template must have no connections when it is copied
    return DemoTemplate("postgresql", name)


def open_demo_copy(
    request: pytest.FixtureRequest, template: DemoTemplate, tmp_path: Path
) -> Iterator[Database]:
    """A test's own copy of the demo database (generator for a fixture to `yield from`)."""
    url = _fresh_url(request, template.backend, tmp_path / "demo.db", template.source)
    if template.backend == "sqlite":
        shutil.copy(template.source, tmp_path / "demo.db")
    database = open_database(url)
    yield database
    _wait_for_window_reads()
    database.close()


def _wait_for_window_reads() -> None:
    """A window's reads behind a click may still be on their way (tests/ui): let them end
    before the database goes, so none leaves a connection open behind it."""
    background = sys.modules.get("correspondence.ui.background")
    if background is not None:
        background.read_pool().waitForDone(10_000)


@pytest.fixture
def demo_db(
    request: pytest.FixtureRequest, demo_template: DemoTemplate, tmp_path: Path
) -> Iterator[Database]:
    yield from open_demo_copy(request, demo_template, tmp_path)


@pytest.fixture
def demo_desk(demo_db: Database) -> Desk:
    return Desk(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# --- a distant office: round trips counted ------------------------------------------------


@pytest.fixture
def remote(
    pg_server: pg.PgServer, demo_template: DemoTemplate
) -> Iterator[tuple[Database, LatencyProxy]]:
    """A copy of the demo office, reached through the loopback proxy that counts messages."""
    name = pg_server.create_database(pg_server.new_name(), template=demo_template.source)
    proxy = LatencyProxy("127.0.0.1", pg_server.port, delay_s=0.002).start()
    db = open_database(f"postgresql://{pg.SUPERUSER}@127.0.0.1:{proxy.port}/{name}")
    yield db, proxy
    db.close()
    proxy.close()
    pg_server.release(name)


def trips(proxy: LatencyProxy, click: Callable[[], object]) -> int:
    """The messages the click sent to the server: each waits for its answer. The collector
    waits meanwhile, so the count is the code's, not the moment's (a collection in mid-click
    can drop a row the session holds weakly, which is then asked for again)."""
    gc.collect()
    gc.disable()
    try:
        before = proxy.round_trips
        click()
        return proxy.round_trips - before
    finally:
        gc.enable()
