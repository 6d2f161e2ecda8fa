"""Loading a draft with its lines, the case it answers, and what its lines are filled in with."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from correspondence.db.models import Case, Draft, DraftParagraph, LineVersion, Signatory
from correspondence.services.campaigns.campaign_profile import campaign_sample
from correspondence.services.errors import NotFound, ValidationError
from correspondence.services.lines.line_context import context_for_case


def load_draft(session: Session, draft_id: int) -> Draft:
    """The draft with its paragraphs and the line versions they use, loaded at once: in one
    statement (joined), since over a distant link each statement is a round trip."""
    draft = (
        session.execute(
            select(Draft)
            .where(Draft.id == draft_id)
            .options(
                joinedload(Draft.paragraphs)
                .joinedload(DraftParagraph.line_version)
                .joinedload(LineVersion.line)
            )
        )
        .unique()
        .scalar_one_or_none()
    )
    if draft is None:
        raise NotFound(f"No draft #{draft_id}")
    return draft


def case_of(session: Session, draft: Draft) -> Case | None:
    """The case the draft answers; None for a campaign's one reply."""
    return session.get(Case, draft.case_id) if draft.case_id is not None else None


def sample_case(session: Session, draft: Draft) -> Case | None:
    """The case a draft is shown against: its own, or for a campaign draft a member's
    (the campaign's canonical letter first), since each member gets the same wording."""
    case = case_of(session, draft)
    if case is not None or draft.campaign_id is None:
        return case
    return campaign_sample(session, draft.campaign_id)


def mapping_for(
    session: Session,
    case: Case | None,
    signatory_id: int | None = None,
    letter_date: dt.date | None = None,
) -> dict[str, object] | None:
    """What a line is filled in with for this case; None when the case cannot have a reply
    yet (no correspondent, no signatory set up)."""
    if case is None:
        return None
    try:
        context = context_for_case(
            session, case.id, signatory_id=signatory_id, letter_date=letter_date
        )
    except (ValidationError, NotFound):
        return None
    return context.as_mapping()


def latest_approved(session: Session, line_ids: set[int]) -> dict[int, LineVersion]:
    """Each line's newest approved version, by line id."""
    if not line_ids:
        return {}
    rows = session.scalars(
        select(LineVersion)
        .where(LineVersion.line_id.in_(line_ids), LineVersion.status == "approved")
        .order_by(LineVersion.line_id, LineVersion.number)
    )
    return {v.line_id: v for v in rows}  # the last (highest number) wins


def default_signatory(session: Session, case: Case) -> int | None:
    """The case's signatory or addressee, else an active signatory (of the case's office first)."""
    for sid in (case.signatory_id, case.addressed_to_id):
        if sid is not None:
            return sid
    return session.scalar(
        select(Signatory.id)
        .where(Signatory.active.is_(True))
        .order_by((Signatory.office_code == case.office_code).desc(), Signatory.id)
        .limit(1)
    )
