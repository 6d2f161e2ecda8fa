"""Features that add menus, toolbars or panes to the main window.

Each entry is `install(window)`, called once the window's own menus exist; a
feature keeps its actions and dialogs in its own module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from correspondence.ui.main_window import MainWindow

Installer = Callable[["MainWindow"], None]


def installers() -> list[Installer]:
    # Imported here so a feature's module loads only with the window.
    return []
