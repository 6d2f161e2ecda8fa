"""Shared fixtures: a fresh database per test, built by the production migration code."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

# Before any QApplication exists: no display in CI.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CORRESPONDENCE_USER", "tester")
# The real seed letters, copied into the repository so the proof never skips.
os.environ.setdefault("CORRESPONDENCE_SEEDS", str(Path(__file__).parent / "fixtures" / "seeds"))

import pytest  # noqa: E402

from correspondence.database import Database, open_database  # noqa: E402
from correspondence.services.desk import Desk  # noqa: E402

# Demo data is generated relative to "today"; a fixed day keeps tests repeatable.
DEMO_TODAY = dt.date(2026, 11, 23)
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).parent.parent / "screenshots"))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'test.db'}")
    yield database
    database.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo database per run; each test gets its own copy of the file."""
    from correspondence.services.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    database = open_database(f"sqlite:///{path}")
    load_demo(database.session_factory, today=DEMO_TODAY)
    with database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
    database = open_database(f"sqlite:///{path}")
    yield database
    database.close()


@pytest.fixture
def demo_desk(demo_db: Database) -> Desk:
    return Desk(demo_db.session_factory, "a.okoro", clock=lambda: DEMO_TODAY)


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
