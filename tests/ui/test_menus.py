"""The menu bar as a person meets it: each menu opened from the keyboard, its commands in
their groups, and no key bound to two commands (an ambiguous key fires neither)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from correspondence.services.desk import Desk
from correspondence.ui import actions
from correspondence.ui.actions import Menu
from correspondence.ui.main_window import MainWindow

pytestmark = pytest.mark.gui

# The menus as they read, top to bottom ("—" is a dividing line).
EXPECTED = {
    (Menu.FILE, Qt.Key.Key_F): [
        "Import…",
        "—",
        "Back up now…",
        "Restore from a backup…",
        "—",
        "Switch user…",
        "—",
        "Quit",
    ],
    (Menu.VIEW, Qt.Key.Key_V): [
        "Refresh",
        "Find…",
        "—",
        "Open cases",
        "Overdue cases",
        "Due this week",
        "All cases",
    ],
    (Menu.CASE, Qt.Key.Key_C): [
        "Log a letter…",
        "—",
        "Triage…",
        "Bulk triage…",
        "Edit details…",
        "—",
        "Extend deadline…",
        "Record holding reply",
        "—",
        "Draft reply…",
        "Record dispatch…",
        "Send by email…",
        "Email the campaign's members…",
    ],
    (Menu.TOOLS, Qt.Key.Key_T): [
        "Standard lines…",
        "Campaigns…",
        "—",
        "Reports…",
        "Apply retention…",
        "Export a person's data…",
        "Verify the audit log",
        "—",
        "Administration…",
    ],
    (Menu.GO, Qt.Key.Key_G): ["List", "Details", "—", "My work"],
    (Menu.HELP, Qt.Key.Key_H): ["Keyboard shortcuts", "—", "About"],
}


@pytest.fixture
def window(qtbot: QtBot, demo_desk: Desk, settings: QSettings) -> MainWindow:
    w = MainWindow(demo_desk, settings, db_label="demo.db")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w


def _reads(menu: QMenu) -> list[str]:
    return ["—" if a.isSeparator() else a.text().replace("&", "") for a in menu.actions()]


def _with_menu(window: MainWindow, menu: QMenu) -> QPixmap:
    """The window with the open menu drawn where it hangs (offscreen, a menu is a window of
    its own, so a grab of the main window leaves it out)."""
    shot = window.grab()
    painter = QPainter(shot)
    painter.drawPixmap(window.mapFromGlobal(menu.mapToGlobal(QPoint(0, 0))), menu.grab())
    painter.end()
    return shot


def test_each_menu_opens_from_the_keyboard_with_its_commands_in_groups(
    window: MainWindow, qtbot: QtBot, screenshot_dir: Path
) -> None:
    menus = actions.menus(window)
    for (which, key), expected in EXPECTED.items():
        menu = menus[which]
        if which is Menu.HELP:  # Alt+H is also the details pane's History tab: click it
            bar = window.menuBar()
            where = bar.actionGeometry(menu.menuAction()).center()
            qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=where)
        else:
            qtbot.keyClick(window, key, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(menu.isVisible)
        assert _reads(menu) == expected
        name = which.name.lower()
        _with_menu(window, menu).save(str(screenshot_dir / f"main_window_menu_{name}.png"))
        qtbot.keyClick(menu, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda m=menu: not m.isVisible())
        qtbot.keyClick(window.menuBar(), Qt.Key.Key_Escape)  # leave the menu bar too
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)


def test_no_key_is_bound_to_two_commands(window: MainWindow) -> None:
    native = QKeySequence.SequenceFormat.NativeText
    keys = Counter(k.toString(native) for a in window.findChildren(QAction) for k in a.shortcuts())
    assert [k for k, n in keys.items() if n > 1] == []
    # Ctrl+R is Draft reply's, though the platform's Refresh keys may include it.
    assert window.action("draftReply").shortcut().toString() == "Ctrl+R"
    assert "Ctrl+R" not in [k.toString() for k in window.action("refresh").shortcuts()]


def test_every_command_has_an_object_name_and_a_status_tip(window: MainWindow) -> None:
    for built in window.built_actions.values():
        assert built.action.objectName() == built.spec.id
        assert built.action.statusTip() or built.spec.id == "about", built.spec.id


def test_admin_commands_say_why_they_are_off(window: MainWindow) -> None:
    # a.okoro, the demo desk's officer, is not an admin.
    retention = window.action("applyRetention")
    assert not retention.isEnabled() and retention.statusTip().endswith("(admins only)")
    assert not window.action("openAdministration").isEnabled()
    assert window.action("openReports").isEnabled()
