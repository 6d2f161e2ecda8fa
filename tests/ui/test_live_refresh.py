"""Other users' changes appear in an open window within 2 seconds, keeping the selection,
on SQLite (data_version polling) and PostgreSQL (LISTEN/NOTIFY)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from correspondence.database import Database, open_database
from correspondence.domain.salutations import CorrespondentKind
from correspondence.services.cases.case_edit import CaseEditing
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.background import read_pool
from correspondence.ui.live_refresh import LiveRefresh
from correspondence.ui.main_window import MainWindow
from tests.conftest import DEMO_TODAY, DemoTemplate, open_demo_copy

pytestmark = pytest.mark.gui


@pytest.fixture
def shared_db(
    request: pytest.FixtureRequest, demo_template: DemoTemplate, tmp_path: Path
) -> Iterator[Database]:
    """The demo database on each backend (tests/ui otherwise stays on SQLite)."""
    yield from open_demo_copy(request, demo_template, tmp_path)


@pytest.fixture
def other(shared_db: Database) -> Iterator[Database]:
    """A second app instance: its own engine and pool on the same database."""
    database = open_database(shared_db.url)
    yield database
    database.close()


@pytest.fixture
def window(
    qtbot: QtBot, shared_db: Database, other: Database, settings: QSettings
) -> Iterator[MainWindow]:
    w = MainWindow(
        Desk(acting_as(shared_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY), settings
    )
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    live: LiveRefresh = w.feature(LiveRefresh)
    assert live.feed.running
    yield w
    w.close()  # stops the feed before the databases go
    assert not live.feed.running
    read_pool().waitForDone(10_000)  # and no read behind a click is still on its way
    QApplication.processEvents()


def _log_case(database: Database, summary: str) -> str:
    return Desk(
        acting_as(database.session_factory, "j.whitfield"), clock=lambda: DEMO_TODAY
    ).log_case(
        NewCase(
            received_on=DEMO_TODAY,
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.PUBLIC, title="Mr", first_name="Idris", last_name="Penhale"
            ),
            summary=summary,
        )
    )


def _pick(qtbot: QtBot, w: MainWindow, row: int) -> None:
    """Click a row as a person would (which also sets the keyboard modifiers to none)."""
    index = w.model.index(row, 1)
    w.table.scrollTo(index)
    qtbot.mouseClick(
        w.table.viewport(), Qt.MouseButton.LeftButton, pos=w.table.visualRect(index).center()
    )
    assert [i.row() for i in w.table.selectionModel().selectedRows()] == [row]


def _references(w: MainWindow) -> list[str]:
    return [w.model.index(r, 0).data() for r in range(w.model.rowCount())]


def test_a_case_logged_elsewhere_appears_within_two_seconds(
    qtbot: QtBot, window: MainWindow, other: Database
) -> None:
    _pick(qtbot, window, 3)
    chosen = window.current_case_id()
    reference = _log_case(other, "Asks about the Laming report")
    started = time.monotonic()  # from the other instance's commit
    qtbot.waitUntil(lambda: reference in _references(window), timeout=2000)
    assert time.monotonic() - started < 2.0
    assert window.current_case_id() == chosen  # the selection stayed on the same case
    assert [i.row() for i in window.table.selectionModel().selectedRows()] == [
        window.model.row_of_case(chosen)
    ]


def test_the_detail_pane_follows_a_change_to_the_selected_case(
    qtbot: QtBot, window: MainWindow, other: Database
) -> None:
    _pick(qtbot, window, 0)
    case_id = window.current_case_id()
    assert case_id is not None
    editing = CaseEditing(acting_as(other.session_factory, "j.whitfield"))
    editing.save(case_id, editing.load(case_id).version, {"summary": "Changed by Jo elsewhere"})
    qtbot.waitUntil(
        lambda: "Changed by Jo elsewhere" in window.detail.summary.toPlainText(), timeout=2000
    )
    assert window.current_case_id() == case_id


def test_scrolled_pages_and_position_are_kept(
    qtbot: QtBot, window: MainWindow, other: Database
) -> None:
    model = window.model
    model.fetchMore()  # read in the background, as when the person scrolls to the end
    qtbot.waitUntil(lambda: model.rowCount() > model.PAGE_SIZE)
    loaded = model.rowCount()
    _pick(qtbot, window, loaded - 5)
    window.table.scrollToBottom()
    chosen = window.current_case_id()
    scroll = window.table.verticalScrollBar().value()
    live: LiveRefresh = window.feature(LiveRefresh)
    before = live.refreshes
    _log_case(other, "Another letter")
    qtbot.waitUntil(lambda: live.refreshes > before, timeout=2000)
    assert model.rowCount() >= loaded
    assert window.current_case_id() == chosen
    assert abs(window.table.verticalScrollBar().value() - scroll) <= 1


def test_a_flood_of_changes_refreshes_about_once_a_second(qtbot: QtBot, window: MainWindow) -> None:
    live: LiveRefresh = window.feature(LiveRefresh)
    live.feed.stop()  # only the notifications sent here
    start = live.refreshes
    sent = 0
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        live._bridge.changed.emit("cases")
        sent += 1
        qtbot.wait(20)
    qtbot.wait(1100)  # the last one is still refreshed
    done = live.refreshes - start
    assert live.notifications >= sent >= 20
    # One refresh per second of flood plus the trailing one; a busy machine may add one.
    assert 2 <= done <= 4, f"{done} refreshes for {sent} notifications"
