"""Reading campaigns: the list, and one campaign's members, weeks and reply, as plain results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from correspondence.db.models import Campaign, Case
from correspondence.domain.states import CaseStatus
from correspondence.services.campaigns.campaign_forming import get_campaign
from correspondence.services.campaigns.campaign_reply import current_draft
from correspondence.services.errors import NotFound


@dataclass(frozen=True)
class CampaignSummary:
    id: int
    name: str
    organisation: str
    status: str  # proposed|confirmed
    size: int
    first_received: dt.date | None
    last_received: dt.date | None
    canonical_case_id: int | None
    version: int


@dataclass(frozen=True)
class MemberView:
    case_id: int
    reference: str
    correspondent: str
    kind: str  # the correspondent's kind: mp, public, ...
    on_behalf_of: tuple[str, ...]
    received_on: dt.date
    status: CaseStatus
    similarity: float | None
    is_canonical: bool


@dataclass(frozen=True)
class WeekCount:
    week_of: dt.date  # the Monday
    count: int


@dataclass(frozen=True)
class CampaignDetail:
    summary: CampaignSummary
    canonical_text: str
    canonical_reference: str
    members: tuple[MemberView, ...]
    weeks: tuple[WeekCount, ...]
    draft_id: int | None
    draft_status: str  # a DraftStatus value, or ""


def _summaries(session: Session, ids: Sequence[int] | None = None) -> list[CampaignSummary]:
    stats = (
        select(
            Case.campaign_id,
            func.count(Case.id),
            func.min(Case.received_on),
            func.max(Case.received_on),
        )
        .where(Case.campaign_id.is_not(None))
        .group_by(Case.campaign_id)
    )
    if ids is not None:
        stats = stats.where(Case.campaign_id.in_(ids))
    by_id = {cid: (n, first, last) for cid, n, first, last in session.execute(stats)}
    q = select(Campaign).order_by(Campaign.id)
    if ids is not None:
        q = q.where(Campaign.id.in_(ids))
    out = []
    for c in session.scalars(q):
        n, first, last = by_id.get(c.id, (0, None, None))
        out.append(
            CampaignSummary(
                c.id,
                c.name,
                c.organisation,
                c.status,
                n,
                first,
                last,
                c.canonical_case_id,
                c.version,
            )
        )
    return out


def list_campaigns(session: Session) -> list[CampaignSummary]:
    """Every campaign, largest first."""
    return sorted(_summaries(session), key=lambda c: (-c.size, c.name.lower(), c.id))


def summary(session: Session, campaign_id: int) -> CampaignSummary:
    found = _summaries(session, [campaign_id])
    if not found:
        raise NotFound(f"No campaign #{campaign_id}")
    return found[0]


def member_references(session: Session, campaign_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Case.reference).where(Case.campaign_id == campaign_id).order_by(Case.id)
        )
    )


def detail(session: Session, campaign_id: int) -> CampaignDetail:
    camp = get_campaign(session, campaign_id)
    cases = session.scalars(
        select(Case)
        .where(Case.campaign_id == campaign_id)
        .options(selectinload(Case.correspondent), selectinload(Case.constituents))
        .order_by(Case.received_on, Case.id)
    ).all()
    members = tuple(
        MemberView(
            case_id=c.id,
            reference=c.reference,
            correspondent=c.correspondent.display_name if c.correspondent else "",
            kind=c.correspondent.kind if c.correspondent else "",
            on_behalf_of=tuple(
                " ".join(p for p in (k.title, k.first_name, k.last_name) if p)
                for k in c.constituents
            ),
            received_on=c.received_on,
            status=CaseStatus(c.status),
            similarity=c.campaign_similarity,
            is_canonical=c.id == camp.canonical_case_id,
        )
        for c in cases
    )
    weeks: dict[dt.date, int] = {}
    for m in members:
        monday = m.received_on - dt.timedelta(days=m.received_on.weekday())
        weeks[monday] = weeks.get(monday, 0) + 1
    week_rows: list[WeekCount] = []
    if weeks:
        # Every week between the first and the last, so quiet weeks show as gaps.
        day, last = min(weeks), max(weeks)
        while day <= last:
            week_rows.append(WeekCount(day, weeks.get(day, 0)))
            day += dt.timedelta(days=7)
    canonical_ref = ""
    if camp.canonical_case_id is not None:
        canonical_ref = (
            session.scalar(select(Case.reference).where(Case.id == camp.canonical_case_id)) or ""
        )
    draft = current_draft(session, campaign_id)
    return CampaignDetail(
        summary=summary(session, campaign_id),
        canonical_text=camp.canonical_text,
        canonical_reference=canonical_ref,
        members=members,
        weeks=tuple(week_rows),
        draft_id=draft.id if draft else None,
        draft_status=draft.status if draft else "",
    )
