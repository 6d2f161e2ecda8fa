"""The render context of a real case: what a standard line sees when it is filled in.

The editor's preview and the drafting code both build a line's context here, so a line
renders the same in both. Values are copied out of the rows into the frozen views of
`documents.context`; templates never touch a live ORM object.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from correspondence.db.models import Case, Constituent, Correspondent, Signatory
from correspondence.documents.context import (
    CampaignView,
    CaseView,
    LineContext,
    PersonView,
    SignatoryView,
)
from correspondence.domain.salutations import (
    CorrespondentKind,
    Person,
    display_name,
    salutation_name,
)
from correspondence.domain.subject_phrase import phrase_for
from correspondence.services.errors import NotFound, ValidationError

__all__ = ["context_for_case", "person_view", "constituent_view", "signatory_view"]

# MPs and peers with no organisation recorded write from Parliament.
_HOUSE = {CorrespondentKind.MP: "House of Commons", CorrespondentKind.PEER: "House of Lords"}


def _join(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def person_view(row: Correspondent) -> PersonView:
    kind = CorrespondentKind(row.kind)
    person = Person(
        kind=kind,
        title=row.title,
        first_name=row.first_name,
        last_name=row.last_name,
        honorific=row.honorific,
        peerage=row.peerage,
        peerage_full=row.peerage_full,
        organisation=row.organisation,
        job_title=row.job_title,
        salutation_override=row.salutation_override,
    )
    # "Tessa Jowell", "Lord Laming of Tewin", "Mrs Joan Abbott": the address name
    # without honorifics and post-nominals, which a sentence does not repeat.
    full_name = display_name(replace(person, honorific="", post_nominals=""))
    return PersonView(
        title=_join(row.honorific, row.title),
        first_name=row.first_name,
        last_name=row.last_name,
        full_name=full_name or row.display_name,
        salutation_name=salutation_name(person),
        kind=kind.value,
        organisation=row.organisation or _HOUSE.get(kind, ""),
        constituency=row.constituency,
        party=row.party,
    )


def constituent_view(row: Constituent) -> PersonView:
    person = Person(
        kind=CorrespondentKind.PUBLIC,
        title=row.title,
        first_name=row.first_name,
        last_name=row.last_name,
    )
    return PersonView(
        title=row.title,
        first_name=row.first_name,
        last_name=row.last_name,
        full_name=_join(row.title, row.first_name, row.last_name),
        salutation_name=salutation_name(person),
        kind=CorrespondentKind.PUBLIC.value,
    )


def signatory_view(row: Signatory) -> SignatoryView:
    return SignatoryView(name=row.name, title=row.title, department=row.department)


def _signatory(session: Session, case: Case, signatory_id: int | None) -> Signatory:
    """The one asked for, else the case's signatory, else whom the letter was addressed to,
    else the active signatory of the case's office (so a preview works on any case)."""
    for sid in (signatory_id, case.signatory_id, case.addressed_to_id):
        if sid is None:
            continue
        row = session.get(Signatory, sid)
        if row is None:
            raise ValidationError("Signatory", f"no signatory #{sid}")
        return row
    row = session.scalar(
        select(Signatory)
        .where(Signatory.active.is_(True))
        .order_by((Signatory.office_code == case.office_code).desc(), Signatory.id)
        .limit(1)
    )
    if row is None:
        raise ValidationError(
            "Signatory", f"case {case.reference} has no signatory and none is set up"
        )
    return row


def context_for_case(
    session: Session,
    case_id: int,
    signatory_id: int | None = None,
    letter_date: dt.date | None = None,
) -> LineContext:
    """The documented context of a reply to `case_id`, signed by `signatory_id` if given.

    Raises NotFound for an unknown case, ValidationError when the case has no correspondent
    (a reply needs someone to go to) or no signatory can be found.
    """
    case = session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .options(
            selectinload(Case.themes),
            selectinload(Case.constituents),
            selectinload(Case.correspondent),
            selectinload(Case.campaign),
        )
    )
    if case is None:
        raise NotFound(f"No case #{case_id}")
    if case.correspondent is None:
        raise ValidationError(
            "Correspondent", f"case {case.reference} has no correspondent to reply to"
        )
    campaign = None
    if case.campaign is not None:
        size = session.scalar(
            select(func.count(Case.id)).where(Case.campaign_id == case.campaign_id)
        )
        campaign = CampaignView(
            name=case.campaign.name,
            organisation=case.campaign.organisation,
            size=int(size or 0),
        )
    return LineContext(
        case=CaseView(
            reference=case.reference,
            received_on=case.received_on,
            summary=phrase_for(case.subject_phrase, case.summary),
            themes=tuple(t.code for t in case.themes),
        ),
        correspondent=person_view(case.correspondent),
        constituents=tuple(constituent_view(c) for c in case.constituents),
        campaign=campaign,
        signatory=signatory_view(_signatory(session, case, signatory_id)),
        letter_date=letter_date or dt.date.today(),
    )
