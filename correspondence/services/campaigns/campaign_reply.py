"""A campaign's one reply draft: finding it, and starting it."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from correspondence.db.models import Case, Draft
from correspondence.domain.states import DraftStatus
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.campaigns.campaign_forming import get_campaign

LIVE_DRAFT_VALUES = tuple(s.value for s in DraftStatus if s not in (DraftStatus.SUPERSEDED,))


def current_draft(session: Session, campaign_id: int) -> Draft | None:
    """The campaign's reply: the newest draft that has not been superseded."""
    return session.scalar(
        select(Draft)
        .where(Draft.campaign_id == campaign_id, Draft.status.in_(LIVE_DRAFT_VALUES))
        .order_by(Draft.id.desc())
        .limit(1)
    )


def reply_draft(session: Session, actor: Actor, campaign_id: int) -> int:
    """The id of the campaign's one reply draft, created (empty, drafting) if it has none."""
    actor.require("start a campaign reply", Role.OFFICER, Role.DRAFTER)
    camp = get_campaign(session, campaign_id)
    draft = current_draft(session, campaign_id)
    if draft is not None:
        return draft.id
    signatory = session.scalar(
        select(func.coalesce(Case.signatory_id, Case.addressed_to_id))
        .where(Case.campaign_id == camp.id)
        .group_by(func.coalesce(Case.signatory_id, Case.addressed_to_id))
        .order_by(func.count().desc())
        .limit(1)
    )
    draft = Draft(
        campaign_id=camp.id,
        status=DraftStatus.DRAFTING.value,
        signatory_id=signatory,
        created_by_id=actor.user_id,
    )
    session.add(draft)
    session.flush()
    events.record(
        session, actor, "draft", draft.id, "created", new=f"campaign #{camp.id}",
        reason=f"one reply for “{camp.name}”",
    )  # fmt: skip
    return draft.id
