"""The status bar's count of a search on PostgreSQL: an estimate in a large office, said to
be one ("about"), and exact once every matching case is loaded into the list.

A large office is made of the demo office by sampling 5 ids in every window (pg_sample)
and by never counting exactly: then every search's count is an estimate, as a common word's
is at a million cases. The list's pages are made small so that scrolling loads the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from correspondence.database import Database, open_database
from correspondence.services.cases import case_list, pg_sample
from correspondence.services.demo.demo import load_demo
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.background import read_pool
from correspondence.ui.main_window import MainWindow
from correspondence.ui.models.case_table_model import CaseTableModel
from tests import pg
from tests.conftest import DEMO_TODAY


@pytest.fixture
def large_office(
    request: pytest.FixtureRequest, pg_server: pg.PgServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    name = pg_server.create_database(pg_server.new_name())
    request.addfinalizer(lambda: pg_server.release(name))
    database = open_database(pg_server.url(name))
    load_demo(database.session_factory, today=DEMO_TODAY)
    monkeypatch.setattr(pg_sample, "SAMPLE_SPAN", 5)  # the sample leaves most cases out
    monkeypatch.setattr(case_list, "PG_EXACT_READS", -1)  # no count is cheap enough
    monkeypatch.setattr(case_list, "PG_PROBE_AT_MOST", -1)
    monkeypatch.setattr(CaseTableModel, "PAGE_SIZE", 40)
    try:
        yield database
        read_pool().waitForDone(10_000)  # no read may outlive the database it reads
    finally:
        database.close()


@pytest.mark.postgres
def test_an_estimated_count_becomes_exact_when_every_match_is_loaded(
    qtbot: QtBot, large_office: Database, settings: QSettings, screenshot_dir: Path
) -> None:
    desk = Desk(acting_as(large_office.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    window = MainWindow(desk, settings, db_label="office server")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: not window.loading, timeout=30_000)

    qtbot.keyClicks(window.filters.search, "children")
    qtbot.keyClick(window.filters.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.loading, timeout=30_000)
    matches = len(desk.list_page(window.model.case_filter, limit=10_000).rows)
    assert matches > 2 * CaseTableModel.PAGE_SIZE
    label = window.counts_label.text()
    assert label.startswith("Showing about "), label
    assert f"({CaseTableModel.PAGE_SIZE}+ loaded)" in label
    window.grab().save(str(screenshot_dir / "counts-estimated.png"))

    # Scrolling to the end loads the rest, page by page: the count follows, then is exact.
    window.table.setFocus()
    while window.model.canFetchMore():
        loaded = window.model.rowCount()
        qtbot.keyClick(window.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda n=loaded: window.model.rowCount() > n, timeout=30_000)  # type: ignore[misc]
        qtbot.waitUntil(lambda: not window.loading, timeout=30_000)
        if window.model.canFetchMore():
            assert f"({window.model.rowCount():,}+ loaded)" in window.counts_label.text()
    assert window.model.rowCount() == matches
    assert window.counts_label.text().startswith(f"Showing {matches:,} cases ({matches:,} loaded)")
    window.grab().save(str(screenshot_dir / "counts-exact-when-all-loaded.png"))
