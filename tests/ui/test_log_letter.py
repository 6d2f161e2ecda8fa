"""The log-letter dialog, driven with the keyboard and mouse like an officer would."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Correspondent
from correspondence.services.desk import Desk
from correspondence.services.intake.intake import Intake
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.dialogs.log_letter import LogLetterDialog
from correspondence.ui.main_window import MainWindow
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.gui

NSPCC_TEXT = (
    "Dear Ed\n\nI enclose letters from constituents who support the NSPCC's proposals after "
    "the death of Baby P in Haringey. They ask for independent Serious Case Reviews and for "
    "social workers with manageable caseloads.\n\nYours ever\n\nTessa"
)


@pytest.fixture
def intake(demo_db: Database) -> Intake:
    return Intake(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)


@pytest.fixture
def dialog(qtbot: QtBot, intake: Intake) -> LogLetterDialog:
    d = LogLetterDialog(intake)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def _pick(qtbot: QtBot, d: LogLetterDialog, text: str) -> None:
    d.search.setFocus()
    qtbot.keyClicks(d.search, text)
    qtbot.waitUntil(
        lambda: (
            d.results.count() > 0 and d.results.item(0).data(Qt.ItemDataRole.UserRole) is not None
        )
    )
    qtbot.keyClick(d.search, Qt.Key.Key_Return)
    assert d.chosen is not None


def test_validation_names_the_field_and_puts_the_cursor_there(
    qtbot: QtBot, dialog: LogLetterDialog
) -> None:
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error_text("Correspondent").startswith("Correspondent: choose who wrote")
    assert QApplication.focusWidget() is dialog.search
    assert dialog.isVisible() and dialog.logged is None

    _pick(qtbot, dialog, "Jowell")
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.error_text("Correspondent") == ""
    assert dialog.error_text("Summary") == "Summary: say in a line what the letter is about"
    assert QApplication.focusWidget() is dialog.summary


def test_a_new_mp_needs_a_constituency(qtbot: QtBot, dialog: LogLetterDialog) -> None:
    qtbot.mouseClick(dialog.add_new, Qt.MouseButton.LeftButton)
    dialog.new_kind.setCurrentIndex(dialog.new_kind.findData("mp"))
    qtbot.keyClicks(dialog.new_first, "Alan")
    qtbot.keyClicks(dialog.new_last, "Pardew")
    qtbot.keyClicks(dialog.summary, "Court fees for care proceedings")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error_text("Constituency") == "Constituency: an MP's constituency is needed"
    assert QApplication.focusWidget() is dialog.new_constituency


def test_logging_an_mp_letter_with_constituents_and_suggested_themes(
    qtbot: QtBot, dialog: LogLetterDialog, intake: Intake, screenshot_dir: Path
) -> None:
    _pick(qtbot, dialog, "Jowell")
    assert "Jowell" in dialog.chosen_label.text() and not dialog.stop_banner.isVisible()
    dialog.received.setDate(dialog.received.date().addDays(-3))
    qtbot.keyClicks(dialog.summary, "Constituents back the NSPCC proposals after Baby P")
    dialog.letter_text.setPlainText(NSPCC_TEXT)
    qtbot.waitUntil(lambda: bool(dialog.suggested_codes()), timeout=3000)
    first = dialog.themes.item(0)
    # A plain name, and the words of the letter that led to it (no score).
    assert first.text().startswith("★ ") and "suggested by “" in first.text().lower()
    assert "0." not in first.text()
    assert dialog.checked_themes(), "likely themes are pre-ticked"
    qtbot.mouseClick(dialog.add_constituent, Qt.MouseButton.LeftButton)
    dialog.set_constituent(0, "Mrs", "Joan", "Abbott", "SE21 7AA")
    qtbot.mouseClick(dialog.add_constituent, Qt.MouseButton.LeftButton)
    dialog.set_constituent(1, "Mr", "Ken", "Lowe", "")
    dialog.grab().save(str(screenshot_dir / "log_letter_dialog.png"))

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.logged is not None, dialog.general_error.text()
    assert dialog.result() == dialog.DialogCode.Accepted
    desk = Desk(acting_as(intake.uow.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    detail = desk.detail(dialog.logged.id)
    assert detail.constituents == ("Mrs Joan Abbott", "Mr Ken Lowe")
    assert detail.summary == "Constituents back the NSPCC proposals after Baby P"
    assert {code for code, _ in detail.themes} == set(dialog.checked_themes())


def test_a_stop_listed_correspondent_is_flagged(
    qtbot: QtBot, dialog: LogLetterDialog, demo_db: Database, screenshot_dir: Path
) -> None:
    with demo_db.session_factory() as s:
        name = s.scalar(
            select(Correspondent.display_name).where(Correspondent.on_stop_list.is_(True))
        )
    assert name
    _pick(qtbot, dialog, name.split()[0])
    row = next(
        i
        for i in range(dialog.results.count())
        if dialog.results.item(i).data(Qt.ItemDataRole.UserRole).on_stop_list
    )
    dialog.results.setCurrentRow(row)
    assert dialog.stop_banner.isVisible()
    assert (
        "STOP LIST" in dialog.stop_banner.text() and "acknowledgement" in dialog.stop_banner.text()
    )
    dialog.grab().save(str(screenshot_dir / "log_letter_stop_list.png"))


def test_ctrl_n_in_the_main_window_logs_and_selects_the_new_case(
    qtbot: QtBot, demo_desk: Desk, settings
) -> None:  # noqa: ANN001
    window = MainWindow(demo_desk, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()  # shortcuts fire in the active window only
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(window.findChildren(LogLetterDialog)))
    d = window.findChildren(LogLetterDialog)[0]
    qtbot.waitUntil(d.isVisible)
    _pick(qtbot, d, "Jowell")
    qtbot.keyClicks(d.summary, "Follow-up on Serious Case Reviews")
    qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    assert d.logged is not None
    qtbot.waitUntil(lambda: d.logged.reference in window.statusBar().currentMessage())
    assert window.current_case_id() == d.logged.id
    qtbot.waitUntil(lambda: window.detail.heading.text().startswith(d.logged.reference))
