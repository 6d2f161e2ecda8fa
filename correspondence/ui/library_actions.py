"""Tools → Standard lines… (Ctrl+Shift+L): opens the library window over the same database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from correspondence.ui.desk_window import DeskWindow
    from correspondence.ui.library_window import LibraryWindow

SHORTCUT = "Ctrl+Shift+L"


def open_library(window: DeskWindow) -> LibraryWindow:
    """Show the library window, reusing it if it is already open."""
    from correspondence.services.library import Library
    from correspondence.ui.library_window import LibraryWindow

    existing: LibraryWindow | None = getattr(window, "library_window", None)
    if existing is None:
        desk = window.desk
        existing = LibraryWindow(Library(desk.uow, desk.clock), window)
        window.library_window = existing  # type: ignore[attr-defined]
    existing.show()
    existing.raise_()
    existing.activateWindow()
    return existing


def install(window: DeskWindow) -> None:
    action = QAction("&Standard lines…", window)
    action.setObjectName("openStandardLines")
    action.setShortcut(QKeySequence(SHORTCUT))
    action.setStatusTip("Browse, write and approve the standard-line library")
    action.triggered.connect(lambda: open_library(window))
    window.addAction(action)
    window.tools_menu.addAction(action)
    window.library_action = action  # type: ignore[attr-defined]
    # Approving and retiring lines depend on who acts.
    window.user_changed.connect(lambda _username: window.close_companion("library_window"))
