"""File → Switch user…: the window announces the new user (MainWindow.user_changed) and each
feature follows: My work shows the new person's work, and what they log or import is theirs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Event
from correspondence.services.desk import Desk
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.collab_actions import CollabFeature
from correspondence.ui.dialogs.log_letter import LogLetterDialog
from correspondence.ui.drafting_actions import DraftingFeature
from correspondence.ui.intake_actions import IntakeController
from correspondence.ui.main_window import MainWindow
from correspondence.ui.my_work import MyWorkPanel
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.gui

MAIL = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
DRAFTER = "p.mehta"  # cases of her own fall due soon; she may not log letters
OFFICER = "j.whitfield"  # logs and imports; has signed-off replies to dispatch


def _window(qtbot: QtBot, db: Database, user: str, settings: QSettings) -> MainWindow:
    w = MainWindow(
        Desk(acting_as(db.session_factory, user), lambda: DEMO_TODAY), settings, "demo.db"
    )
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()  # shortcuts fire in the active window only
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    return w


def _switch(qtbot: QtBot, w: MainWindow, username: str) -> None:
    action = next(a for a in w.file_menu.actions() if a.objectName() == "switchUser")
    with qtbot.waitSignal(w.user_changed, timeout=5000) as announced:
        action.trigger()
        dialog = w.feature(CollabFeature).switch_user_dialog
        qtbot.waitExposed(dialog)
        assert dialog.choose(username)
        qtbot.keyClick(dialog.users, Qt.Key.Key_Return)
    assert announced.args == [username]
    assert w.desk.username == username


def _references(panel: MyWorkPanel, tree_name: str) -> list[str]:
    tree = getattr(panel, tree_name)
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]


def _events_of_case(db: Database, case_id: int) -> list[tuple[str, str]]:
    with db.session_factory() as s:
        rows = s.execute(
            select(Event.action, Event.username).where(Event.case_id == case_id).order_by(Event.id)
        ).all()
    return [(action, username) for action, username in rows]


def _drop(w: MainWindow, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(w.rect().center())
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    enter = QDragEnterEvent(pos, *args)
    QApplication.sendEvent(w, enter)
    drop = QDropEvent(pos, *args)
    QApplication.sendEvent(w, drop)
    assert enter.isAccepted() and drop.isAccepted()


def test_my_work_shows_the_new_users_work_after_a_switch(
    qtbot: QtBot, demo_db: Database, settings: QSettings, screenshot_dir: Path
) -> None:
    def expected(username: str) -> tuple[list[str], list[str]]:
        work = Drafting(acting_as(demo_db.session_factory, username), lambda: DEMO_TODAY).my_work()
        return [c.reference for c in work.due_cases], [c.reference for c in work.to_dispatch]

    drafter_cases, _ = expected(DRAFTER)
    officer_cases, officer_dispatch = expected(OFFICER)
    assert drafter_cases and officer_dispatch and drafter_cases != officer_cases  # the demo

    w = _window(qtbot, demo_db, DRAFTER, settings)
    qtbot.keyClick(w.table, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    panel: MyWorkPanel = w.feature(DraftingFeature).my_work
    qtbot.waitUntil(panel.isVisible)
    qtbot.waitUntil(lambda: not panel.loading)  # read in the background
    assert DRAFTER in panel.summary.text()
    assert _references(panel, "cases") == drafter_cases
    assert not panel.dispatch.isVisible()

    _switch(qtbot, w, OFFICER)

    # Without touching the panel: it follows the window's user by itself.
    qtbot.waitUntil(lambda: OFFICER in panel.summary.text())
    assert OFFICER in panel.summary.text() and DRAFTER not in panel.summary.text()
    assert _references(panel, "cases") == officer_cases
    assert _references(panel, "dispatch") == officer_dispatch
    assert panel.dispatch.isVisible()
    w.grab().save(str(screenshot_dir / "my_work_after_switch.png"))


def test_letters_logged_and_imported_after_a_switch_are_the_new_users(
    qtbot: QtBot, demo_db: Database, settings: QSettings
) -> None:
    w = _window(qtbot, demo_db, DRAFTER, settings)
    controller = w.feature(IntakeController)
    assert controller.intake.uow.username == DRAFTER  # made for the drafter before the switch

    _switch(qtbot, w, OFFICER)

    # Logging by hand (Ctrl+N).
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(w.findChildren(LogLetterDialog)))
    d = w.findChildren(LogLetterDialog)[0]
    qtbot.waitUntil(d.isVisible)
    d.search.setFocus()
    qtbot.keyClicks(d.search, "Jowell")
    qtbot.waitUntil(
        lambda: (
            d.results.count() > 0 and d.results.item(0).data(Qt.ItemDataRole.UserRole) is not None
        )
    )
    qtbot.keyClick(d.search, Qt.Key.Key_Return)
    qtbot.keyClicks(d.summary, "Asks what Lord Laming's progress report will cover")
    qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    assert d.logged is not None
    logged = _events_of_case(demo_db, d.logged.id)
    assert logged and {user for _action, user in logged} == {OFFICER}

    # Importing a dropped file, on the worker thread.
    _drop(w, MAIL / "utf8.eml")
    qtbot.waitUntil(lambda: controller.last_result is not None, timeout=20000)
    result = controller.last_result
    assert [i.reference for i in result.imported], result.failed
    events = _events_of_case(demo_db, result.imported[0].case_id)
    assert events and {user for _action, user in events} == {OFFICER}
    controller.result_dialog.close()
