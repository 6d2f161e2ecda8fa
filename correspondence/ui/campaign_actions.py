"""Tools → Campaigns… (Ctrl+Shift+C): the campaigns window over the same database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from correspondence.ui.actions import DeskWindow, Feature, Menu, Section, close_widget

if TYPE_CHECKING:
    from correspondence.ui.campaign_window import CampaignWindow

SHORTCUT = "Ctrl+Shift+C"


class CampaignsFeature(Feature):
    def __init__(self, window: DeskWindow) -> None:
        super().__init__(window)
        self.campaign_window: CampaignWindow | None = None
        # The campaigns window acts as the user it was built for.
        window.user_changed.connect(self._user_changed)

    def _user_changed(self, _username: str) -> None:
        close_widget(self.campaign_window)
        self.campaign_window = None


@CampaignsFeature.action(
    "openCampaigns",
    "&Campaigns…",
    Menu.TOOLS,
    Section.OPEN,
    shortcut=SHORTCUT,
    tip="Groups of near-identical letters: confirm, split, merge, answer",
)
def open_campaigns(window: DeskWindow) -> CampaignWindow:
    """Show the campaigns window, reusing it if it is already open."""
    from correspondence.services.campaigns.campaign_export import CampaignExport
    from correspondence.services.campaigns.campaigns import Campaigns
    from correspondence.ui.campaign_window import CampaignWindow, with_campaign

    feature = window.feature(CampaignsFeature)
    existing = feature.campaign_window
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
        feature.campaign_window = existing
    else:
        existing.reload()
    existing.show()
    existing.raise_()
    existing.activateWindow()
    return existing


def _open_draft(window: DeskWindow, draft_id: int) -> None:
    from correspondence.ui.drafting_actions import open_editor

    open_editor(window, draft_id)
