"""Detection over every open letter: join the campaigns they match, propose new ones.

The grouping itself is the pure algorithm in ``campaign_detect``. Letters already closed
(dispatched, no reply, transferred) and letters an officer took out of a campaign are left
alone; a new campaign needs ``MIN_SIZE`` near-identical letters by as many different
correspondents.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from correspondence.db.models import Campaign, Case
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.campaigns import campaign_detect as detect
from correspondence.services.campaigns.campaign_forming import (
    CLOSED_VALUES,
    JOINED_CAMPAIGN,
    distinct_writers,
    excluded_case_ids,
    new_campaign,
)
from correspondence.services.campaigns.campaign_placing import forget_pools
from correspondence.services.campaigns.campaign_views import CampaignSummary, list_campaigns


@dataclass(frozen=True)
class DetectReport:
    examined: int
    joined: int  # letters added to campaigns that already existed
    created: tuple[CampaignSummary, ...]


def detect_campaigns(
    session: Session, actor: Actor | None, *, min_size: int = detect.MIN_SIZE
) -> DetectReport:
    """Re-run grouping over every open letter not in a campaign: join the existing
    campaigns they match and propose new campaigns for the new groups."""
    if actor is not None:
        actor.require("detect campaigns", Role.OFFICER)
    excluded = excluded_case_ids(session)
    rows = [
        r
        for r in session.execute(
            select(Case.id, Case.letter_text)
            .where(
                Case.campaign_id.is_(None),
                Case.direction == "incoming",
                Case.letter_text != "",
                Case.status.not_in(CLOSED_VALUES),
            )
            .order_by(Case.received_on, Case.id)
        )
        if r.id not in excluded
    ]
    camps = [c for c in session.scalars(select(Campaign).order_by(Campaign.id)) if c.canonical_text]
    fps = [detect.fingerprint(t) for _, t in rows]
    groups = detect.group_fingerprints(
        fps, seeds=[detect.fingerprint(c.canonical_text) for c in camps], min_size=min_size
    )
    joined = 0
    created: list[int] = []
    for g in groups:
        ids = [rows[i].id for i, _ in g.members]
        cases = {
            c.id: c
            for c in session.scalars(
                select(Case).where(Case.id.in_(ids)).options(selectinload(Case.correspondent))
            )
        }
        if g.seed is not None:
            camp = camps[g.seed]
            for i, value in g.members:
                case = cases[rows[i].id]
                case.campaign_id = camp.id
                case.campaign_similarity = value
                events.record(
                    session, actor, "case", case.id, JOINED_CAMPAIGN, case_id=case.id,
                    field="campaign", new=camp.name, reason="matched the campaign's letter",
                )  # fmt: skip
            joined += len(g.members)
            continue
        members = [cases[rows[i].id] for i, _ in g.members]
        if distinct_writers(members) < min_size:
            continue
        canonical_index = next(k for k, (i, _) in enumerate(g.members) if i == g.canonical)
        camp = new_campaign(
            session,
            actor,
            members,
            why="found by campaign detection",
            canonical_index=canonical_index,
            fps=[fps[i] for i, _ in g.members],
        )
        created.append(camp.id)
    session.flush()
    forget_pools()
    return DetectReport(
        examined=len(rows),
        joined=joined,
        created=tuple(s for s in list_campaigns(session) if s.id in set(created)),
    )
