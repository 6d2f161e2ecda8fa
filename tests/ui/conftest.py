"""UI fixtures: settings kept in a temp folder, never the person's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from correspondence.database import Database, open_database
from tests.conftest import DemoTemplate, open_demo_copy


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[QSettings]:
    s = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    yield s
    s.sync()


# Windows stay on SQLite: the services under them run on both backends in tests/db, and
# a window or worker that outlives its test would otherwise hold a PostgreSQL connection
# that is garbage-collected (a ResourceWarning, so an error) in whichever test runs next.
@pytest.fixture
def demo_db(
    request: pytest.FixtureRequest, sqlite_demo_template: DemoTemplate, tmp_path: Path
) -> Iterator[Database]:
    yield from open_demo_copy(request, sqlite_demo_template, tmp_path)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'test.db'}"
    open_database(url).close()
    return url
