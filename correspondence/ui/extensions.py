"""Features that add menus, toolbars or panes to the main window.

Each entry is `install(window)`, called once the window's own menus exist; a
feature keeps its actions and dialogs in its own module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from correspondence.ui.desk_window import DeskWindow

Installer = Callable[["DeskWindow"], None]


def installers() -> list[Installer]:
    # Imported here so a feature's module loads only with the window.
    from correspondence.ui import (
        backup_actions,
        campaign_actions,
        collab_actions,
        drafting_actions,
        email_actions,
        intake_actions,
        library_actions,
        reports_actions,
        triage_actions,
    )

    return [
        library_actions.install,
        triage_actions.install,
        drafting_actions.install,
        intake_actions.install,
        campaign_actions.install,
        reports_actions.install,
        backup_actions.install,
        email_actions.install,
        collab_actions.install,  # last: its live refresh follows every list the others set up
    ]
