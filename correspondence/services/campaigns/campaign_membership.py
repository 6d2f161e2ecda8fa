"""An officer's changes to campaigns: rename, confirm, add and remove letters, split, merge,
and choose the canonical letter.

Functions take ``(session, actor, ...)`` and never commit; ``campaigns.Campaigns`` owns the
transaction. A letter an officer removes stays out: detection never puts it back.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from correspondence.db.models import Campaign, Case, Draft
from correspondence.domain.kinds import CampaignStatus
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.campaigns import campaign_detect as detect
from correspondence.services.campaigns.campaign_forming import (
    JOINED_CAMPAIGN,
    LEFT_CAMPAIGN,
    get_campaign,
    leave_campaign,
    make_canonical,
    new_campaign,
    recentre_if_needed,
)
from correspondence.services.campaigns.campaign_placing import forget_pools
from correspondence.services.errors import ConflictError, NotFound, ValidationError


def rename(
    session: Session,
    actor: Actor,
    campaign_id: int,
    name: str,
    organisation: str | None = None,
    expected_version: int | None = None,
) -> None:
    actor.require("rename a campaign", Role.OFFICER)
    camp = get_campaign(session, campaign_id)
    _check_version(camp, expected_version)
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Name", "a campaign needs a name")
    if len(name) > 200:
        raise ValidationError("Name", "keep the name under 200 characters")
    if name != camp.name:
        events.record(
            session, actor, "campaign", camp.id, "renamed", field="name", old=camp.name, new=name
        )
        camp.name = name
    if organisation is not None:
        organisation = " ".join(organisation.split())[:200]
        if organisation != camp.organisation:
            events.record(
                session,
                actor,
                "campaign",
                camp.id,
                "organisation",
                field="organisation",
                old=camp.organisation,
                new=organisation,
            )
            camp.organisation = organisation
    session.flush()


def confirm(session: Session, actor: Actor, campaign_id: int) -> None:
    actor.require("confirm a campaign", Role.OFFICER)
    camp = get_campaign(session, campaign_id)
    if camp.status == CampaignStatus.CONFIRMED:
        return
    events.record(
        session, actor, "campaign", camp.id, "confirmed", field="status", old=camp.status,
        new="confirmed",
    )  # fmt: skip
    camp.status = CampaignStatus.CONFIRMED
    session.flush()


def remove_members(
    session: Session, actor: Actor, campaign_id: int, case_ids: Iterable[int], reason: str = ""
) -> int:
    """Take letters out of a campaign for good (detection will not put them back)."""
    actor.require("remove letters from a campaign", Role.OFFICER)
    camp = get_campaign(session, campaign_id)
    cases = _members(session, camp, case_ids)
    for case in cases:
        leave_campaign(session, actor, case, camp, LEFT_CAMPAIGN, reason or "removed by an officer")
    events.record(
        session, actor, "campaign", camp.id, "members removed",
        new=", ".join(c.reference for c in cases), reason=reason,
    )  # fmt: skip
    recentre_if_needed(session, camp)
    forget_pools()
    return len(cases)


def split(
    session: Session,
    actor: Actor,
    campaign_id: int,
    case_ids: Iterable[int],
    name: str = "",
) -> int:
    """Move the chosen members into a new campaign; its id."""
    actor.require("split a campaign", Role.OFFICER)
    camp = get_campaign(session, campaign_id)
    cases = _members(session, camp, case_ids)
    remaining = session.scalar(select(func.count(Case.id)).where(Case.campaign_id == camp.id))
    if len(cases) == remaining:
        raise ValidationError("Members", "leave at least one letter in the campaign to split it")
    new = new_campaign(session, actor, cases, name=name, why=f"split from campaign #{camp.id}")
    events.record(
        session, actor, "campaign", camp.id, "split", new=str(new.id),
        reason=f"{len(cases)} letters moved to “{new.name}”",
    )  # fmt: skip
    recentre_if_needed(session, camp)
    return new.id


def merge(session: Session, actor: Actor, keep_id: int, other_id: int) -> int:
    """Move every member of ``other_id`` into ``keep_id`` and delete the emptied campaign."""
    actor.require("merge campaigns", Role.OFFICER)
    if keep_id == other_id:
        raise ValidationError("Campaigns", "choose two different campaigns to merge")
    keep, other = get_campaign(session, keep_id), get_campaign(session, other_id)
    if session.scalar(select(Draft.id).where(Draft.campaign_id == other.id).limit(1)):
        raise ValidationError(
            "Merge",
            f"“{other.name}” already has a reply draft; merge it the other way round "
            f"(keep “{other.name}”)",
        )
    canonical = _fingerprint_of(keep)
    moved = session.scalars(select(Case).where(Case.campaign_id == other.id)).all()
    for case in moved:
        case.campaign_id = keep.id
        case.campaign_similarity = _similarity(case, canonical)
        events.record(
            session, actor, "case", case.id, JOINED_CAMPAIGN, case_id=case.id,
            field="campaign", old=other.name, new=keep.name, reason="campaigns merged",
        )  # fmt: skip
    events.record(
        session, actor, "campaign", keep.id, "merged", old=other.name,
        new=keep.name, reason=f"{len(moved)} letters from campaign #{other.id}",
    )  # fmt: skip
    events.record(session, actor, "campaign", other.id, "deleted", reason=f"merged into #{keep.id}")
    if keep.status != CampaignStatus.CONFIRMED and other.status == "confirmed":
        keep.status = CampaignStatus.CONFIRMED
    session.flush()
    session.delete(other)
    session.flush()
    return keep.id


def add_members(session: Session, actor: Actor, campaign_id: int, case_ids: Iterable[int]) -> int:
    """An officer puts letters into a campaign by hand (a removal is undone this way)."""
    actor.require("add letters to a campaign", Role.OFFICER)
    camp = get_campaign(session, campaign_id)
    canonical = _fingerprint_of(camp)
    added = 0
    for cid in dict.fromkeys(case_ids):
        case = session.get(Case, cid)
        if case is None:
            raise NotFound(f"No case #{cid}")
        if case.campaign_id == camp.id:
            continue
        old = case.campaign.name if case.campaign else ""
        case.campaign_id = camp.id
        case.campaign_similarity = _similarity(case, canonical)
        events.record(
            session, actor, "case", case.id, JOINED_CAMPAIGN, case_id=case.id,
            field="campaign", old=old, new=camp.name, reason="added by an officer",
        )  # fmt: skip
        added += 1
    session.flush()
    forget_pools()
    return added


def set_canonical(session: Session, actor: Actor, campaign_id: int, case_id: int) -> None:
    """Make one member's letter the campaign's canonical text; rescore the members."""
    actor.require("choose a campaign's canonical letter", Role.OFFICER)
    camp = get_campaign(session, campaign_id)
    case = session.get(Case, case_id)
    if case is None or case.campaign_id != camp.id:
        raise ValidationError("Canonical letter", "choose one of the campaign's own letters")
    make_canonical(session, actor, camp, case)


def _members(session: Session, camp: Campaign, case_ids: Iterable[int]) -> list[Case]:
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        raise ValidationError("Members", "select at least one letter")
    cases = session.scalars(select(Case).where(Case.id.in_(ids)).order_by(Case.id)).all()
    strays = set(ids) - {c.id for c in cases if c.campaign_id == camp.id}
    if strays:
        raise ValidationError("Members", f"{len(strays)} of the letters are not in “{camp.name}”")
    return list(cases)


def _check_version(camp: Campaign, expected: int | None) -> None:
    if expected is not None and camp.version != expected:
        raise ConflictError(
            f"The campaign “{camp.name}” was changed by someone else since you opened it; "
            "reload to see their changes."
        )


def _fingerprint_of(camp: Campaign) -> detect.Fingerprint:
    return detect.fingerprint(camp.canonical_text or "")


def _similarity(case: Case, canonical: detect.Fingerprint) -> float | None:
    if not case.letter_text or not len(canonical):
        return None
    return round(detect.score(detect.fingerprint(case.letter_text), canonical).value, 4)
