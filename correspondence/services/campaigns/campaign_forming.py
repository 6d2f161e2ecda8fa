"""Forming a campaign's membership: new campaigns, the canonical letter, members' scores.

Functions take ``(session, actor, ...)`` and never commit. Every change is an event on the
campaign and, for membership, on the case. An officer's "remove from campaign" sticks: the
``LEFT_CAMPAIGN`` event is the record detection reads to leave that letter alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import Campaign, Case, Event
from correspondence.domain.states import CLOSED_STATUSES
from correspondence.services import events
from correspondence.services.actors import Actor
from correspondence.services.campaigns import campaign_detect as detect
from correspondence.services.errors import NotFound

LEFT_CAMPAIGN = "left campaign"  # the case event that keeps a letter out of detection
JOINED_CAMPAIGN = "joined campaign"
CLOSED_VALUES = tuple(s.value for s in CLOSED_STATUSES)

# entity, entity_id, case_id, action, field, old, new, reason
EventSpec = tuple[str, int | None, int | None, str, str, str, str, str]


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    camp = session.get(Campaign, campaign_id)
    if camp is None:
        raise NotFound(f"No campaign #{campaign_id}")
    return camp


def leave_campaign(
    session: Session, actor: Actor | None, case: Case, camp: Campaign, action: str, reason: str
) -> None:
    case.campaign_id = None
    case.campaign_similarity = None
    events.record(
        session, actor, "case", case.id, action, case_id=case.id, field="campaign",
        old=camp.name, new="", reason=reason,
    )  # fmt: skip


def excluded_case_ids(session: Session) -> set[int]:
    """Letters an officer took out of a campaign: detection leaves them alone."""
    return set(
        session.scalars(
            select(Event.case_id).where(Event.entity == "case", Event.action == LEFT_CAMPAIGN)
        )
    )


def distinct_writers(cases: Iterable[Case]) -> int:
    # A case without a correspondent counts as its own writer.
    return len({c.correspondent_id if c.correspondent_id is not None else -c.id for c in cases})


def recentre_if_needed(session: Session, camp: Campaign) -> None:
    """After members left: if the canonical letter went with them, pick the new medoid."""
    session.flush()
    members = session.scalars(select(Case).where(Case.campaign_id == camp.id)).all()
    if not members or any(m.id == camp.canonical_case_id for m in members):
        return
    fps = [detect.fingerprint(m.letter_text) for m in members]
    make_canonical(session, None, camp, members[detect.medoid(fps)], members, fps)


def make_canonical(
    session: Session,
    actor: Actor | None,
    camp: Campaign,
    case: Case,
    members: Sequence[Case] | None = None,
    fps: Sequence[detect.Fingerprint] | None = None,
) -> None:
    if members is None:
        members = session.scalars(select(Case).where(Case.campaign_id == camp.id)).all()
    if fps is None:
        fps = [detect.fingerprint(m.letter_text) for m in members]
    events.record(
        session, actor, "campaign", camp.id, "canonical letter", field="canonical_case_id",
        old=camp.canonical_case_id, new=case.id, reason=case.reference,
    )  # fmt: skip
    camp.canonical_case_id = case.id
    camp.canonical_text = case.letter_text
    canonical = detect.fingerprint(case.letter_text)
    for m, fp in zip(members, fps, strict=True):
        m.campaign_similarity = round(detect.score(fp, canonical).value, 4)
    session.flush()


def new_campaign(
    session: Session,
    actor: Actor | None,
    cases: Sequence[Case],
    *,
    name: str = "",
    why: str,
    canonical_index: int | None = None,
    fps: Sequence[detect.Fingerprint] | None = None,
) -> Campaign:
    """A proposed campaign of ``cases``, named after its organisation when one is named."""
    if fps is None:
        fps = [detect.fingerprint(c.letter_text) for c in cases]
    if canonical_index is None:
        canonical_index = detect.medoid(fps)
    canonical = cases[canonical_index]
    organisation = detect.organisation_in(
        [canonical.letter_text], [c.correspondent.organisation for c in cases if c.correspondent]
    )
    name = " ".join(name.split()) or _unique_name(
        session, detect.campaign_name(canonical.letter_text, organisation)
    )
    camp = Campaign(
        name=name,
        organisation=organisation,
        canonical_text=canonical.letter_text,
        canonical_case_id=canonical.id,
        status="proposed",
    )
    session.add(camp)
    session.flush()
    events.record(
        session, actor, "campaign", camp.id, "created", new=name,
        reason=f"{len(cases)} near-identical letters; {why}",
    )  # fmt: skip
    joined: list[EventSpec] = []
    for case, fp in zip(cases, fps, strict=True):
        old = case.campaign.name if case.campaign is not None else ""
        case.campaign_id = camp.id
        case.campaign_similarity = round(detect.score(fp, fps[canonical_index]).value, 4)
        joined.append(("case", case.id, case.id, JOINED_CAMPAIGN, "campaign", old, name, why))
    append_events(session, actor, joined)
    session.flush()
    return camp


def _unique_name(session: Session, name: str) -> str:
    taken = set(session.scalars(select(Campaign.name).where(Campaign.name.like(f"{name}%"))))
    if name not in taken:
        return name
    n = 2
    while f"{name} ({n})" in taken:
        n += 1
    return f"{name} ({n})"


def append_events(session: Session, actor: Actor | None, specs: Sequence[EventSpec]) -> None:
    """The events ``events.record`` would write one by one, in one statement."""
    keys = ("entity", "entity_id", "case_id", "action", "field", "old_value", "new_value", "reason")
    events.record_many(session, actor, (dict(zip(keys, spec, strict=True)) for spec in specs))
