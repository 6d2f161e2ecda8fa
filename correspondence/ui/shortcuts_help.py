"""Help → Keyboard shortcuts (F1): the list is read from the window's own actions, so a
feature that adds a command with a shortcut appears here without anyone remembering to."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QMenu,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

# Keys that are not actions: mnemonics and the list's own keys.
OTHER_KEYS: tuple[tuple[str, str], ...] = (
    ("Alt + underlined letter", "Any menu, tab, button or field with an underlined letter"),
    ("Tab / Shift+Tab", "Move between the filters, the list and the details"),
    ("Ctrl+click, Shift+click", "Select several cases in the list"),
)


@dataclass(frozen=True)
class ShortcutEntry:
    keys: str  # as a person reads them, e.g. "Ctrl+Shift+T"
    command: str  # the action's text without its mnemonic, e.g. "Bulk triage"
    menu: str  # the menu it is in ("" for a window-wide key with no menu)


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…. ")


def _keys(action: QAction) -> str:
    return " or ".join(
        k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()
    )


def shortcut_entries(window: QMainWindow) -> list[ShortcutEntry]:
    """Every action of the window that has a shortcut, in menu order, then the rest."""
    entries: list[ShortcutEntry] = []
    seen: set[int] = set()

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = action.menu()  # typed QObject: Qt's menu() is a template
            if isinstance(sub, QMenu):
                walk(sub, f"{path} → {_plain(action.text())}")
                continue
            if action.isSeparator() or id(action) in seen:
                continue
            seen.add(id(action))
            if action.shortcuts():
                entries.append(ShortcutEntry(_keys(action), _plain(action.text()), path))

    for top in window.menuBar().actions():
        sub = top.menu()
        if isinstance(sub, QMenu):
            walk(sub, _plain(top.text()))
    for action in window.findChildren(QAction):
        if id(action) not in seen and action.shortcuts() and not action.isSeparator():
            seen.add(id(action))
            entries.append(ShortcutEntry(_keys(action), _plain(action.text()), ""))
    return entries


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.entries = shortcut_entries(window)
        self.text = QTextBrowser()
        self.text.setObjectName("shortcutsList")
        self.text.setAccessibleName("Keyboard shortcuts")
        rows = []
        menu = None
        for e in self.entries:
            if e.menu != menu:
                menu = e.menu
                rows.append(f"<tr><td colspan='2'><b>{escape(menu or 'Anywhere')}</b></td></tr>")
            rows.append(f"<tr><td><b>{escape(e.keys)}</b></td><td>{escape(e.command)}</td></tr>")
        rows.append("<tr><td colspan='2'><b>Also</b></td></tr>")
        rows.extend(
            f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>" for k, v in OTHER_KEYS
        )
        self.text.setHtml(f"<table cellpadding='3'>{''.join(rows)}</table>")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(560, 600)
