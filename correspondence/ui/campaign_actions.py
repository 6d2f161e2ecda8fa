"""Tools → Campaigns… (Ctrl+Shift+C): the campaigns window over the same database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from correspondence.ui.campaign_window import CampaignWindow
    from correspondence.ui.desk_window import DeskWindow

SHORTCUT = "Ctrl+Shift+C"


def open_campaigns(window: DeskWindow) -> CampaignWindow:
    """Show the campaigns window, reusing it if it is already open."""
    from correspondence.services.campaign_export import CampaignExport
    from correspondence.services.campaigns import Campaigns
    from correspondence.ui.campaign_window import CampaignWindow, with_campaign

    existing: CampaignWindow | None = getattr(window, "campaign_window", None)
    if existing is None:
        desk = window.desk
        existing = CampaignWindow(
            Campaigns(desk.uow, desk.clock),
            CampaignExport(desk.uow, desk.clock),
            window,
            show_in_list=with_campaign(window),
            open_draft=lambda draft_id: _open_draft(window, draft_id),
        )
        existing.exported.connect(lambda _result: window.refresh())
        window.campaign_window = existing  # type: ignore[attr-defined]
    else:
        existing.reload()
    existing.show()
    existing.raise_()
    existing.activateWindow()
    return existing


def _open_draft(window: DeskWindow, draft_id: int) -> object:
    from correspondence.ui.drafting_actions import open_editor

    return open_editor(window, draft_id)


def install(window: DeskWindow) -> None:
    action = QAction("&Campaigns…", window)
    action.setObjectName("openCampaigns")
    action.setShortcut(QKeySequence(SHORTCUT))
    action.setStatusTip("Groups of near-identical letters: confirm, split, merge, answer")
    action.triggered.connect(lambda: open_campaigns(window))
    window.addAction(action)
    window.tools_menu.addAction(action)
    window.campaigns_action = action  # type: ignore[attr-defined]
    # The campaigns window acts as the user it was built for.
    window.user_changed.connect(lambda _username: window.close_companion("campaign_window"))
