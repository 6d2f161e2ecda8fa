"""Tools → Standard lines… (Ctrl+Shift+L): opens the library window over the same database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from correspondence.ui.actions import DeskWindow, Feature, Menu, Section, close_widget

if TYPE_CHECKING:
    from correspondence.ui.library_window import LibraryWindow

SHORTCUT = "Ctrl+Shift+L"


class LibraryFeature(Feature):
    def __init__(self, window: DeskWindow) -> None:
        super().__init__(window)
        self.library_window: LibraryWindow | None = None
        # Approving and retiring lines depend on who acts.
        window.user_changed.connect(self._user_changed)

    def _user_changed(self, _username: str) -> None:
        close_widget(self.library_window)
        self.library_window = None


@LibraryFeature.action(
    "openStandardLines",
    "&Standard lines…",
    Menu.TOOLS,
    Section.OPEN,
    shortcut=SHORTCUT,
    tip="Browse, write and approve the standard-line library",
)
def open_library(window: DeskWindow) -> LibraryWindow:
    """Show the library window, reusing it if it is already open."""
    from correspondence.services.lines.library import Library
    from correspondence.ui.library_window import LibraryWindow

    feature = window.feature(LibraryFeature)
    existing = feature.library_window
    if existing is None:
        desk = window.desk
        existing = LibraryWindow(Library(desk.uow, desk.clock), window)
        feature.library_window = existing
    existing.show()
    existing.raise_()
    existing.activateWindow()
    return existing
