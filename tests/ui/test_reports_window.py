"""The reports window, the retention dialog and the History tab, used as a person would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from correspondence.database import Database
from correspondence.services.actors import actor_for
from correspondence.services.desk import Desk
from correspondence.services.people.retention import Retention
from correspondence.services.reports.reports import Reports
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.dialogs.retention import RetentionDialog
from correspondence.ui.main_window import MainWindow
from correspondence.ui.reports_actions import ReportsFeature
from correspondence.ui.reports_window import ReportsWindow
from tests.conftest import DEMO_TODAY
from tests.report_cases import TODAY, build_cases

pytestmark = pytest.mark.gui


def _open(qtbot: QtBot, reports: Reports, saved: list[str] | None = None) -> ReportsWindow:
    def ask(_parent: object, _title: str, name: str, _filter: str) -> str:
        assert saved is not None
        return saved.pop(0) if saved else ""

    w = ReportsWindow(reports, ask_save_path=ask)
    qtbot.addWidget(w)
    with qtbot.waitExposed(w):
        w.show()
    _settle(qtbot, w)
    return w


def _settle(qtbot: QtBot, w: ReportsWindow) -> None:
    qtbot.waitUntil(lambda: not w.busy and w.report is not None, timeout=20000)


def _cells(w: ReportsWindow, key: str) -> list[list[str]]:
    m = w.panes[key].model
    return [[m.index(r, c).data() for c in range(m.columnCount())] for r in range(m.rowCount())]


@pytest.fixture
def hand_built(db: Database) -> Reports:
    with db.session_factory.begin() as s:
        actor_for(s, "keeper")
        build_cases(s)
    return Reports(acting_as(db.session_factory, "keeper"), clock=lambda: TODAY)


def test_presets_filters_and_the_figures_shown(
    qtbot: QtBot, hand_built: Reports, tmp_path: Path
) -> None:
    saved = [str(tmp_path / "figures"), str(tmp_path / "figures.csv")]
    w = _open(qtbot, hand_built, saved)
    assert w.params().start == dt.date(2026, 3, 30)  # last 4 weeks, the default
    qtbot.mouseClick(w.preset_buttons["this_year"], Qt.MouseButton.LeftButton)
    _settle(qtbot, w)
    # This year (1 Jan – 20 Apr 2026), by month: C D E F G H I J K L of the hand-built letters.
    assert w.period.currentText() == "By month"
    assert "10</b> received" in w.summary.text()
    assert _cells(w, "volumes")[1] == ["Feb 2026", "3", "3", "2", "2", "1", "66.7%"]
    assert w.panes["volumes"].chart.series_names() == ["Received", "Answered", "Within target"]

    w.date_from.setDate(QDate(2025, 11, 1))  # A–L: the range of test_reports
    _settle(qtbot, w)
    assert "12</b> received" in w.summary.text() and "55.6%" in w.summary.text()
    team = _cells(w, "team")
    assert team[0][:2] == ["Alpha Team", "7"] and team[0][6] == "66.7%"
    assert w.panes["team"].chart.series_names() == ["% within target"]

    w.scope.setFocus()
    qtbot.keyClick(w.scope, Qt.Key.Key_Down)  # MPs and peers only
    _settle(qtbot, w)
    assert "Letters from MPs and peers" in w.summary.text() and "75.0%" in w.summary.text()

    qtbot.mouseClick(w.export_xlsx_button, Qt.MouseButton.LeftButton)
    wb = load_workbook(tmp_path / "figures.xlsx")  # the suffix is added
    assert wb["By team"]["A1"].value == "Team"
    qtbot.mouseClick(w.export_csv_button, Qt.MouseButton.LeftButton)
    assert "By reply type" in (tmp_path / "figures.csv").read_text("utf-8-sig")
    qtbot.mouseClick(w.export_csv_button, Qt.MouseButton.LeftButton)  # cancelled: nothing


def test_the_window_over_the_demo_data(
    qtbot: QtBot, demo_db: Database, screenshot_dir: Path
) -> None:
    w = _open(
        qtbot, Reports(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    )
    w.resize(1400, 820)
    qtbot.mouseClick(w.preset_buttons["this_year"], Qt.MouseButton.LeftButton)
    _settle(qtbot, w)
    assert w.report.summary.received > 200
    for key, name in (
        ("volumes", "reports-volumes"),
        ("team", "reports-by-team"),
        ("overdue_by_holder", "reports-overdue"),
        ("campaigns", "reports-campaigns"),
    ):
        w.tabs.setCurrentWidget(w.panes[key])
        qtbot.wait(50)
        assert w.panes[key].model.rowCount() > 0
        w.grab().save(str(screenshot_dir / f"{name}.png"))
    assert w.panes["campaigns"].chart.series_names()[0].startswith("NSPCC")


def test_tools_menu_opens_reports_and_history_reads_as_sentences(
    qtbot: QtBot, demo_desk: Desk, settings: QSettings, screenshot_dir: Path
) -> None:
    window = MainWindow(demo_desk, settings)
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    assert window.action("openReports").shortcut().toString() == "Ctrl+Shift+R"
    assert not window.action("applyRetention").isEnabled()  # a.okoro is an officer, not an admin
    qtbot.keyClick(
        window,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: window.feature(ReportsFeature).reports_window is not None)
    _settle(qtbot, window.feature(ReportsFeature).reports_window)
    window.feature(ReportsFeature).reports_window.close()

    case_id = demo_desk.find_reference("2009/0007948POSoS")
    window.filters.clear()  # the seed case is closed and old: find it by its reference
    qtbot.keyClicks(window.filters.search, "0007948")
    window.apply_filter(window.filters.current())
    assert window.select_case(case_id)
    qtbot.waitUntil(lambda: not window.loading)  # the list and details read in the background
    history = window.detail.history
    rows = [tuple(history.item(r, c).text() for c in range(4)) for r in range(history.rowCount())]
    assert ("Mark Ellery", "signed off the reply") in {(r[1], r[2]) for r in rows}
    assert rows[-1][2].startswith("logged the letter as 2009/0007948POSoS")
    window.detail.tabs.setCurrentWidget(history)
    window.grab().save(str(screenshot_dir / "history-tab.png"))


def test_the_retention_dialog_previews_then_anonymises(
    qtbot: QtBot, demo_db: Database, screenshot_dir: Path
) -> None:
    day = dt.date(2028, 12, 1)
    asked: list[int] = []

    def confirm(_parent: object, count: int) -> bool:
        asked.append(count)
        return True

    dialog = RetentionDialog(
        Retention(acting_as(demo_db.session_factory, "admin"), clock=lambda: day), confirm=confirm
    )
    qtbot.addWidget(dialog)
    with qtbot.waitExposed(dialog):
        dialog.show()
    rows = dialog.table.rowCount()
    assert rows > 50 and dialog.years.value() == 2
    refs = {dialog.table.item(r, 0).text() for r in range(rows)}
    assert "2009/0007948POSoS" in refs
    assert "01 December 2026" in dialog.explain.text()
    dialog.grab().save(str(screenshot_dir / "retention-dialog.png"))

    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert asked == [rows]
    assert dialog.status.text().startswith(f"Anonymised {rows} case(s)")
    assert dialog.table.rowCount() == 0 and not dialog.apply_button.isEnabled()

    officer = RetentionDialog(
        Retention(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: day)
    )
    qtbot.addWidget(officer)
    assert "admin" in officer.explain.text() and not officer.apply_button.isEnabled()
    assert isinstance(officer.save_years, QPushButton) and not officer.save_years.isEnabled()
