"""Reports → Cabinet Office return, used as a correspondence officer would at quarter end."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from correspondence.database import Database
from correspondence.services.drafting.forecast import BreachForecast
from correspondence.services.reports.cabinet_office_return import CabinetOfficeReturns
from correspondence.services.reports.reports import Reports
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.reports_window import ReportsWindow
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.gui


def _rows(pane: object) -> list[list[str]]:
    m = pane.model  # type: ignore[attr-defined]
    return [[m.index(r, c).data() for c in range(m.columnCount())] for r in range(m.rowCount())]


def test_the_return_in_one_click_then_another_quarter_and_export(
    qtbot: QtBot, demo_db: Database, tmp_path: Path, screenshot_dir: Path
) -> None:
    saved = [str(tmp_path / "co-return")]
    reports = Reports(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    w = ReportsWindow(reports, ask_save_path=lambda *_a: saved.pop(0))
    qtbot.addWidget(w)
    _drive(qtbot, w, demo_db, tmp_path, screenshot_dir)
    # Collect the window here, on the GUI thread: a later worker thread's garbage collection
    # must never be the one that destroys Qt objects.
    w.close()
    del w
    gc.collect()


def _drive(
    qtbot: QtBot, w: ReportsWindow, demo_db: Database, tmp_path: Path, screenshot_dir: Path
) -> None:
    with qtbot.waitExposed(w):
        w.show()
    qtbot.waitUntil(lambda: not w.busy and w.report is not None, timeout=20000)

    qtbot.keyClick(
        w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    pane = w.co_return
    assert w.tabs.currentWidget() is pane
    qtbot.waitUntil(lambda: pane.result is not None and not pane.busy, timeout=20000)
    assert str(pane.chosen()) == "2026-Q3"  # the last complete quarter, as published

    # Choose the quarter in progress from the list, by keyboard.
    pane.quarter.setFocus()
    qtbot.keyClick(pane.quarter, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: pane.result is not None and str(pane.result.quarter) == "2026-Q4",
                    timeout=20000)  # fmt: skip
    expected = CabinetOfficeReturns(
        acting_as(demo_db.session_factory, "a.okoro"), lambda: DEMO_TODAY
    ).build("2026-Q4")
    total = _rows(pane.figures)[-1]
    assert total[0] == "All offices"
    assert total[1] == f"{expected.total['received']:,}"
    assert total[7] == f"{expected.total['pct_within_20']:.1%}"
    assert "within 20 working days" in pane.summary.text()
    assert "still open and not yet due" in pane.summary.text()
    how = {r[0]: r[1] for r in _rows(pane.how)}
    assert "holding reply is not an answer" in how["Answered"]
    assert len(_rows(pane.items)) == expected.total["received"]
    w.grab().save(str(screenshot_dir / "reports_cabinet_office_return.png"))

    qtbot.mouseClick(pane.export_button, Qt.MouseButton.LeftButton)
    book = load_workbook(tmp_path / "co-return.xlsx")
    assert "Cabinet Office return 2026-Q4" in book.sheetnames
    assert "Saved" in pane.summary.text()


def test_reports_breach_forecast_lists_the_at_risk_cases_with_why(
    qtbot: QtBot, demo_db: Database, screenshot_dir: Path
) -> None:
    reports = Reports(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    w = ReportsWindow(reports, ask_save_path=lambda *_a: "")
    qtbot.addWidget(w)
    _drive_forecast(qtbot, w, demo_db, screenshot_dir)
    w.close()
    del w
    gc.collect()


def _drive_forecast(
    qtbot: QtBot, w: ReportsWindow, demo_db: Database, screenshot_dir: Path
) -> None:
    with qtbot.waitExposed(w):
        w.show()
    qtbot.waitUntil(lambda: not w.busy and w.report is not None, timeout=20000)
    menu = w.menuBar().actions()[0].menu()
    assert w.forecast_action in menu.actions()  # type: ignore[union-attr]
    w.forecast_action.trigger()
    assert w.tabs.currentWidget() is w.forecast_pane
    qtbot.waitUntil(lambda: w.forecast is not None, timeout=20000)
    expected = BreachForecast(
        acting_as(demo_db.session_factory, "a.okoro"), lambda: DEMO_TODAY
    ).everything()
    rows = _rows(w.forecast_pane)
    assert [r[0] for r in rows] == [r.reference for r in expected.at_risk]
    assert rows[0][-1] == expected.at_risk[0].explanation
    assert f"{len(expected.at_risk)} of {expected.examined} open cases" in (
        w.forecast_pane.note.text()
    )
    w.grab().save(str(screenshot_dir / "reports_breach_forecast.png"))
