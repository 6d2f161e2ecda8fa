"""The main window on the demo data, driven with the keyboard and mouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from pytestqt.qtbot import QtBot

from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.collab_actions import CollabFeature
from correspondence.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot: QtBot, demo_desk: Desk, settings: QSettings) -> MainWindow:
    w = MainWindow(demo_desk, settings, db_label="demo.db")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _settled(qtbot: QtBot, w: MainWindow) -> None:
    """Wait for what the last click read in the background (the window stays responsive)."""
    qtbot.waitUntil(lambda: not w.loading)


def _references(w: MainWindow) -> list[str]:
    m = w.model
    return [m.index(r, 0).data() for r in range(m.rowCount())]


def test_opens_on_the_demo_data_with_counts(
    window: MainWindow, qtbot: QtBot, screenshot_dir: Path
) -> None:
    assert window.model.rowCount() > 100
    text = window.counts_label.text()
    assert "Showing" in text and "Overdue" in text
    window.table.selectRow(0)
    _settled(qtbot, window)
    assert window.detail.heading.text().startswith(window.model.index(0, 0).data())
    window.grab().save(str(screenshot_dir / "main_window.png"))


def test_typing_a_search_narrows_the_list(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filters.search.hasFocus()
    qtbot.keyClicks(window.filters.search, "Tessa Jowell")
    qtbot.keyClick(window.filters.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _references(window) == ["2009/0007948POSoS"])
    window.table.selectRow(0)
    _settled(qtbot, window)
    summary = window.detail.summary.toPlainText()
    assert "Tessa Jowell" in summary and "Mrs Joan Abbott" in summary
    assert "NSPCC" in summary


def test_filters_by_status_and_theme(window: MainWindow, qtbot: QtBot) -> None:
    status = window.filters.status
    status.setCurrentIndex(status.findData("dispatched"))
    _settled(qtbot, window)
    assert all(
        window.model.index(r, 7).data() == "Dispatched" for r in range(window.model.rowCount())
    )
    theme = window.filters.theme
    theme.setCurrentIndex(theme.findData("SMACK"))
    _settled(qtbot, window)
    rows = window.model.rowCount()
    assert rows > 0
    assert all("SMACK" in window.model.index(r, 6).data() for r in range(rows))


def test_overdue_shortcut_shows_only_overdue_cases(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    _settled(qtbot, window)
    rows = window.model.rowCount()
    assert rows > 0
    assert all(int(window.model.index(r, 3).data()) < 0 for r in range(rows))
    bg = window.model.index(0, 3).data(Qt.ItemDataRole.BackgroundRole)
    assert bg is not None  # overdue cells are highlighted


def test_clicking_a_header_sorts_in_the_database(window: MainWindow, qtbot: QtBot) -> None:
    header = window.table.horizontalHeader()
    x = header.sectionViewportPosition(0) + 10
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    _settled(qtbot, window)
    refs = _references(window)
    assert refs == sorted(refs) or refs == sorted(refs, reverse=True)


def test_scrolling_fetches_further_pages(window: MainWindow, qtbot: QtBot) -> None:
    window.model.PAGE_SIZE = 50
    window.model.reload()
    assert window.model.rowCount() == 50
    window.table.scrollToBottom()
    qtbot.waitUntil(lambda: window.model.rowCount() > 50)


def test_layout_and_filters_persist(
    qtbot: QtBot, demo_desk: Desk, settings: QSettings, window: MainWindow
) -> None:
    window.filters.theme.setCurrentIndex(window.filters.theme.findData("CARE"))
    window.filters.search.setText("court")
    window.splitter.setSizes([700, 700])
    window.close()
    again = MainWindow(demo_desk, settings)
    qtbot.addWidget(again)
    assert again.filters.theme.currentData() == "CARE"
    assert again.filters.search.text() == "court"
    assert again.model.case_filter.theme == "CARE"


def test_first_run_lists_the_most_urgent_first(window: MainWindow) -> None:
    rows = [window.model.row_at(r) for r in range(window.model.rowCount())]
    left = [r.days_left for r in rows if r.days_left is not None]
    assert left and left == sorted(left) and left[0] < 0  # the most overdue at the top
    # Closed cases (no days left) come after every open one.
    first_closed = next(i for i, r in enumerate(rows) if r.days_left is None)
    assert all(r.days_left is None for r in rows[first_closed:])
    assert window.table.horizontalHeader().sortIndicatorSection() == 3


def test_sort_order_persists(
    qtbot: QtBot, demo_desk: Desk, settings: QSettings, window: MainWindow
) -> None:
    window.table.horizontalHeader().setSortIndicator(2, Qt.SortOrder.AscendingOrder)
    _settled(qtbot, window)
    due = [window.model.row_at(r).due_on for r in range(20)]
    assert due == sorted(due)
    window.close()
    again = MainWindow(demo_desk, settings)
    qtbot.addWidget(again)
    assert again.model.sort_column() == 2 and not again.model.descending


def test_each_person_keeps_their_own_sort(
    qtbot: QtBot, demo_desk: Desk, settings: QSettings, window: MainWindow
) -> None:
    header = window.table.horizontalHeader()
    x = header.sectionViewportPosition(1) + 10  # Received
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert window.model.sort_column() == 1
    window.close()
    # Someone else at the same desk starts most urgent first; the first person keeps theirs.
    other = Desk(acting_as(demo_desk.uow.session_factory, "p.mehta"), clock=demo_desk.clock)
    theirs = MainWindow(other, settings)
    qtbot.addWidget(theirs)
    assert theirs.model.sort_column() == 3 and not theirs.model.descending
    theirs.close()
    again = MainWindow(demo_desk, settings)
    qtbot.addWidget(again)
    assert again.model.sort_column() == 1


def test_the_details_always_show_the_selected_case_or_nothing(
    window: MainWindow, qtbot: QtBot
) -> None:
    rect = window.table.visualRect(window.model.index(0, 0))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    chosen = window.model.index(0, 0).data()
    assert window.detail.heading.text() == f"{chosen} — loading…"
    _settled(qtbot, window)
    assert window.detail.heading.text().startswith(chosen)
    # A filter that leaves the case out: the details no longer show it.
    status = window.filters.status
    status.setCurrentIndex(status.findData("dispatched"))
    _settled(qtbot, window)
    assert chosen not in [window.model.index(r, 0).data() for r in range(window.model.rowCount())]
    assert not window.table.selectionModel().selectedRows()
    assert window.detail.heading.text() == "Select a case to see its details."


def test_status_is_in_view_at_1366_and_the_marks_are_explained(
    window: MainWindow, screenshot_dir: Path
) -> None:
    window.resize(1366, 708)
    window.table.selectRow(0)
    header = window.table.horizontalHeader()
    for column in (7, 8, 9):  # Status, Team, Campaign
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        assert 0 <= header.sectionViewportPosition(column), column
        assert right <= header.viewport().width(), (column, right, header.viewport().width())
    assert window.table.horizontalScrollBar().value() == 0
    model = window.model
    assert "Bold" in model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "“—”" in model.headerData(3, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    legend = window.legend.text()
    assert "Bold" in legend and "—" in legend and window.legend.isVisible()
    window.grab().save(str(screenshot_dir / "main_window_1366.png"))


def test_one_case_is_one_case(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.filters.search, "Tessa Jowell")
    qtbot.keyClick(window.filters.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    _settled(qtbot, window)
    assert window.counts_label.text().startswith("Showing 1 case (1 loaded)")


def test_f1_lists_every_command_that_has_a_shortcut(
    window: MainWindow, qtbot: QtBot, screenshot_dir: Path
) -> None:
    from PySide6.QtGui import QAction, QKeySequence

    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.shortcuts_dialog
    assert dialog is not None and dialog.isVisible()
    listed = dialog.text.toPlainText()
    native = QKeySequence.SequenceFormat.NativeText
    with_keys = [a for a in window.findChildren(QAction) if a.shortcuts()]
    assert len(with_keys) >= 15
    for action in with_keys:
        for keys in action.shortcuts():
            assert keys.toString(native) in listed, action.text()
        assert action.text().replace("&", "").rstrip("…") in listed
    for keys in ("Ctrl+N", "Ctrl+I", "Ctrl+T", "Ctrl+R", "Ctrl+M", "F2", "Ctrl+Shift+T"):
        assert keys in listed
    dialog.grab().save(str(screenshot_dir / "shortcuts_dialog.png"))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_the_subject_phrase_is_changed_in_edit_details(
    window: MainWindow, qtbot: QtBot, demo_desk: Desk
) -> None:
    rect = window.table.visualRect(window.model.index(0, 0))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    case_id = window.current_case_id()
    assert case_id is not None
    qtbot.keyClick(window.table, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: window.feature(CollabFeature).edit_case_dialog is not None)
    dialog = window.feature(CollabFeature).edit_case_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    # Proposed from the summary until someone sets it; Alt+B reaches it.
    assert dialog.subject_phrase.placeholderText()
    qtbot.keyClick(dialog, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
    assert dialog.subject_phrase.hasFocus()
    qtbot.keyClicks(dialog.subject_phrase, "the cost of court fees in care cases")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    from correspondence.services.cases.case_edit import CaseEditing

    saved = CaseEditing(acting_as(demo_desk.uow.session_factory, "a.okoro")).load(case_id)
    assert saved.subject_phrase == "the cost of court fees in care cases"
