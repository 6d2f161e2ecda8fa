"""The main window's features, in the order they are made (each a `Feature` whose commands
are declared beside it; see ui/actions.py)."""

from __future__ import annotations

from correspondence.ui.actions import Feature


def features() -> list[type[Feature]]:
    # Imported here so a feature's module loads only with the window.
    from correspondence.ui import (
        backup_actions,
        campaign_actions,
        collab_actions,
        drafting_actions,
        email_actions,
        intake_actions,
        library_actions,
        live_refresh,
        reports_actions,
        triage_actions,
    )

    return [
        intake_actions.IntakeController,
        triage_actions.TriageFeature,
        drafting_actions.DraftingFeature,
        email_actions.EmailFeature,
        library_actions.LibraryFeature,
        campaign_actions.CampaignsFeature,
        reports_actions.ReportsFeature,
        backup_actions.BackupController,
        collab_actions.CollabFeature,
        live_refresh.LiveRefresh,  # last: it follows every list the others set up
    ]
