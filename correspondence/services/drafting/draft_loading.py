"""Loading a draft with its lines, the case it answers, and what its lines are filled in with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session, joinedload

from correspondence.db.batch_reads import Read, Rows
from correspondence.db.models import (
    Campaign,
    Case,
    Constituent,
    Draft,
    DraftParagraph,
    LineVersion,
    Signatory,
    Theme,
    case_themes,
)
from correspondence.documents.context import CampaignView, CaseView, LineContext, SignatoryView
from correspondence.domain.subject_phrase import phrase_for
from correspondence.services.campaigns.campaign_profile import campaign_sample
from correspondence.services.errors import NotFound, ValidationError
from correspondence.services.lines.line_context import (
    constituent_view,
    context_for_case,
    person_view,
)

# A draft's paragraphs with the line versions they use and their lines, joined into the
# draft's own statement (each statement is a round trip over a distant link).
WITH_LINES = (
    joinedload(Draft.paragraphs)
    .joinedload(DraftParagraph.line_version)
    .joinedload(LineVersion.line)
)


def load_draft(session: Session, draft_id: int) -> Draft:
    """The draft with its paragraphs and the line versions they use, loaded at once: in one
    statement (joined), since over a distant link each statement is a round trip."""
    draft = (
        session.execute(select(Draft).where(Draft.id == draft_id).options(WITH_LINES))
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


# --- opening a draft in two round trips ----------------------------------------------


def load_draft_and_case(session: Session, draft_id: int) -> tuple[Draft, Case | None]:
    """The draft with its lines, and the case it answers with its correspondent and
    campaign, in ONE statement. (Its themes and constituents come with context_reads: joined
    here they would multiply the rows, paragraphs × themes × constituents.)"""
    row = (
        session.execute(
            select(Draft, Case)
            .outerjoin(Case, Case.id == Draft.case_id)
            .where(Draft.id == draft_id)
            .options(
                WITH_LINES,
                joinedload(Case.correspondent),
                joinedload(Case.campaign),
            )
        )
        .unique()
        .one_or_none()
    )
    if row is None:
        raise NotFound(f"No draft #{draft_id}")
    return row[0], row[1]


def context_reads(case: Case, signatory_id: int | None) -> list[Read]:
    """What a line is filled in with, besides the case and its correspondent: the
    signatory, the size of the case's campaign, its themes and its constituents.

    The signatory is chosen as line_context chooses it: the one asked for, else the case's,
    else its addressee, else its office's active one."""
    columns = (Signatory.name, Signatory.title, Signatory.department)
    chosen = next(
        (s for s in (signatory_id, case.signatory_id, case.addressed_to_id) if s is not None),
        None,
    )
    signatory = (
        select(*columns).where(Signatory.id == chosen)
        if chosen is not None
        else select(*columns)
        .where(Signatory.active.is_(True))
        .order_by((Signatory.office_code == case.office_code).desc(), Signatory.id)
        .limit(1)
    )
    return [
        signatory,
        campaign_size_read(case.campaign_id),
        select(Theme.code)
        .join(case_themes, case_themes.c.theme_id == Theme.id)
        .where(case_themes.c.case_id == case.id)
        .order_by(Theme.code),
        select(Constituent.title, Constituent.first_name, Constituent.last_name)
        .where(Constituent.case_id == case.id)
        .order_by(Constituent.id),
    ]


def campaign_size_read(campaign_id: int | None) -> Read:
    # No campaign, nothing to count: `campaign_id IS NULL` counted nearly every case
    # (280 ms at a million), for a figure nobody reads.
    if campaign_id is None:
        return select(func.count(Case.id)).where(false())
    return select(func.count(Case.id)).where(Case.campaign_id == campaign_id)


def mapping_from(
    case: Case, context: Sequence[Rows], letter_date: dt.date | None
) -> dict[str, object] | None:
    """`mapping_for` from the rows of `context_reads`: the same context
    line_context.context_for_case builds."""
    signatory, campaign_size, themes, constituents = context
    if case.correspondent is None or not signatory:
        return None
    name, title, department = signatory[0]
    campaign = None
    if case.campaign is not None:
        campaign = CampaignView(
            name=case.campaign.name,
            organisation=case.campaign.organisation,
            size=int(campaign_size[0][0] or 0) if campaign_size else 0,
        )
    return LineContext(
        case=CaseView(
            reference=case.reference,
            received_on=case.received_on,
            summary=phrase_for(case.subject_phrase, case.summary),
            themes=tuple(code for (code,) in themes),
        ),
        correspondent=person_view(case.correspondent),
        # Rows made into (unsaved) constituents, for the view line_context makes of them.
        constituents=tuple(
            constituent_view(Constituent(title=styled, first_name=first, last_name=last))
            for styled, first, last in constituents
        ),
        campaign=campaign,
        signatory=SignatoryView(name=name, title=title, department=department),
        letter_date=letter_date or dt.date.today(),
    ).as_mapping()


def campaign_sample_with_context(session: Session, campaign_id: int) -> Case | None:
    """campaign_profile.campaign_sample (the canonical letter, else the first member) with
    its correspondent and campaign, in ONE statement."""
    canonical = (
        select(Campaign.canonical_case_id).where(Campaign.id == campaign_id).scalar_subquery()
    )
    return session.execute(
        select(Case)
        .where(or_(Case.id == canonical, Case.campaign_id == campaign_id))
        .order_by(func.coalesce(Case.id == canonical, False).desc(), Case.id)
        .limit(1)
        .options(
            joinedload(Case.correspondent),
            joinedload(Case.campaign),
        )
    ).scalar_one_or_none()
