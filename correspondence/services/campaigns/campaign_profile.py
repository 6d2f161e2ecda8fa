"""What a campaign's one reply is drafted for: its size, its themes, its sample letter."""

from __future__ import annotations

import math

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from correspondence.db.batch_reads import Read, Rows, read_together
from correspondence.db.models import Campaign, Case, Theme, case_themes

# A theme is a campaign's when at least this share of its (themed) letters carry it.
CAMPAIGN_THEME_SHARE = 0.25


def campaign_sample(session: Session, campaign_id: int) -> Case | None:
    """The member letter lines are filled in for: the canonical one, else the first
    (also when the canonical letter has gone: the id carries no foreign key)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is not None and campaign.canonical_case_id is not None:
        canonical = session.get(Case, campaign.canonical_case_id)
        if canonical is not None:
            return canonical
    return session.scalar(
        select(Case).where(Case.campaign_id == campaign_id).order_by(Case.id).limit(1)
    )


def campaign_size(session: Session, campaign_id: int) -> int:
    """How many letters the campaign's one reply answers."""
    return session.scalar(select(func.count(Case.id)).where(Case.campaign_id == campaign_id)) or 0


def campaign_theme_codes(session: Session, campaign_id: int) -> tuple[str, ...]:
    """The campaign's themes, most common among its letters first.

    Campaigns carry no themes of their own, so they come from the member letters. A theme
    on only a few of many letters (an MP's covering letter, say) is that letter's, not the
    campaign's: a theme counts when at least CAMPAIGN_THEME_SHARE of the themed letters
    have it (the most common ones always count).
    """
    counted, themed = read_together(session, campaign_theme_reads(campaign_id))
    return campaign_theme_codes_from(counted, themed)


def campaign_theme_reads(campaign_id: int) -> list[Read]:
    """The two counts `campaign_theme_codes` reads, to ask with a click's other reads."""
    return [
        select(Theme.code, func.count(case_themes.c.case_id))
        .join(case_themes, case_themes.c.theme_id == Theme.id)
        .join(Case, Case.id == case_themes.c.case_id)
        .where(Case.campaign_id == campaign_id)
        .group_by(Theme.code),
        select(func.count(func.distinct(case_themes.c.case_id)))
        .join(Case, Case.id == case_themes.c.case_id)
        .where(Case.campaign_id == campaign_id),
    ]


def campaign_theme_codes_from(counted: Rows, themed_rows: Rows) -> tuple[str, ...]:
    """`campaign_theme_codes` from the rows of `campaign_theme_reads`."""
    if not counted:
        return ()
    themed = (themed_rows[0][0] if themed_rows else 0) or 1
    most = max(n for _, n in counted)
    enough = min(most, max(1, math.ceil(themed * CAMPAIGN_THEME_SHARE)))
    ranked = sorted(counted, key=lambda row: (-row[1], row[0]))
    return tuple(code for code, n in ranked if n >= enough)
