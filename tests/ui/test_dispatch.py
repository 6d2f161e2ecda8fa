"""Recording dispatch: a morning's post from the list at once, or from the editor after
sign-off; and a plain word when nothing is selected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from correspondence.database import Database
from correspondence.domain.states import CaseStatus
from correspondence.services.desk import Desk
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.dialogs.choice import ChoiceDialog
from correspondence.ui.draft_editor.loading import read_draft
from correspondence.ui.draft_editor.window import DraftEditor
from correspondence.ui.main_window import MainWindow
from tests.conftest import DEMO_TODAY
from tests.factories import draft_from_lines, mp, triaged_case
from tests.ui.prompts import ScriptedPrompts

pytestmark = pytest.mark.gui
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def window(qtbot: QtBot, demo_desk: Desk, settings: QSettings) -> MainWindow:
    w = MainWindow(demo_desk, settings, db_label="demo.db")
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w


def when_modal(qtbot: QtBot, act: Callable[[QWidget], None]) -> None:
    def poll() -> None:
        dlg = QApplication.activeModalWidget()
        if dlg is None or not dlg.isVisible():
            QTimer.singleShot(20, poll)
            return
        act(dlg)
        QTimer.singleShot(3000, dlg, dlg.reject)  # type: ignore[attr-defined]

    QTimer.singleShot(0, poll)


def test_dispatch_with_nothing_selected_says_so(window: MainWindow, qtbot: QtBot) -> None:
    window.table.clearSelection()
    said: list[str] = []

    def read(dlg: QWidget) -> None:
        assert isinstance(dlg, QMessageBox)
        said.append(dlg.text())
        dlg.accept()

    when_modal(qtbot, read)
    qtbot.keyClick(window, Qt.Key.Key_D, CTRL_SHIFT)
    qtbot.waitUntil(lambda: bool(said))
    assert said[0].startswith("Select the signed-off cases")
    assert "Select the signed-off cases" in window.statusBar().currentMessage()


def test_a_mornings_post_is_recorded_on_a_selection(
    window: MainWindow, qtbot: QtBot, demo_desk: Desk, screenshot_dir: Path
) -> None:
    status = window.filters.status
    status.setCurrentIndex(status.findData("signed_off"))
    qtbot.waitUntil(lambda: not window.loading)  # the list and details read in the background
    assert window.model.rowCount() >= 3
    ids = [window.model.row_at(r).id for r in range(3)]
    view = window.table
    for r in range(3):
        rect = view.visualRect(window.model.index(r, 0))
        mods = Qt.KeyboardModifier.ControlModifier if r else Qt.KeyboardModifier.NoModifier
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, mods, rect.center())
    assert len(view.selectionModel().selectedRows()) == 3

    def choose_email(dlg: QWidget) -> None:
        assert isinstance(dlg, ChoiceDialog)
        assert (
            "How were the 3 signed-off replies sent?"
            in dlg.findChild(type(window.counts_label)).text()
        )
        dlg.grab().save(str(screenshot_dir / "dispatch_choice.png"))
        dlg.buttons[1].click()  # By email
        qtbot.keyClick(dlg, Qt.Key.Key_Return)

    when_modal(qtbot, choose_email)
    qtbot.keyClick(window, Qt.Key.Key_D, CTRL_SHIFT)
    qtbot.waitUntil(lambda: "Recorded 3 replies" in window.statusBar().currentMessage())
    for case_id in ids:
        detail = demo_desk.detail(case_id)
        assert detail.status is CaseStatus.DISPATCHED


def test_the_editor_offers_dispatch_once_signed_off(
    qtbot: QtBot, demo_db: Database, screenshot_dir: Path
) -> None:
    case_id = triaged_case(
        demo_db,
        "a.okoro",
        today=DEMO_TODAY,
        correspondent=mp("Gwen", "Arkwright"),
        summary="Serious case reviews",
        theme_codes=("SCR", "LAMING"),
        signatory_key="sos",
        team_code="SPU",
    )
    draft_id = draft_from_lines(demo_db, "p.mehta", case_id, ["babyp-tragedy"], today=DEMO_TODAY)
    drafting = Drafting(acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY)
    drafting.submit(draft_id)
    Drafting(
        acting_as(demo_db.session_factory, "policy.lead.safeguarding"), clock=lambda: DEMO_TODAY
    ).approve(draft_id)
    Drafting(acting_as(demo_db.session_factory, "ps.sos"), clock=lambda: DEMO_TODAY).sign_off(
        draft_id, "wet"
    )
    drafting = Drafting(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    demo_desk = Desk(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    prompts = ScriptedPrompts(choice="By post")
    editor = DraftEditor(drafting, read_draft(drafting, draft_id), prompts=prompts)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    assert (
        editor.approval.dispatch_button.isVisible() and editor.approval.dispatch_button.isEnabled()
    )
    editor.grab().save(str(screenshot_dir / "draft_editor_signed_off.png"))
    with qtbot.waitSignal(editor.changed):
        qtbot.mouseClick(editor.approval.dispatch_button, Qt.MouseButton.LeftButton)
    assert demo_desk.detail(case_id).status is CaseStatus.DISPATCHED
    assert (
        not editor.approval.dispatch_button.isEnabled()
        and editor.approval.dispatch_button.text() == "Dispatched"
    )
    assert not prompts.warnings
