"""The documented render context of a standard line.

Lines are user-written templates, so what they may refer to is a contract: these
frozen dataclasses hold plain values (never live ORM objects), and ``CONTEXT_DOC``
is the list shown in the line editor's help panel.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date


@dataclass(frozen=True)
class PersonView:
    title: str
    first_name: str
    last_name: str
    full_name: str
    salutation_name: str
    kind: str  # "mp", "peer", "public", "organisation" or "official"
    organisation: str = ""
    constituency: str = ""
    party: str = ""


@dataclass(frozen=True)
class CaseView:
    reference: str
    received_on: date
    summary: str
    themes: tuple[str, ...]


@dataclass(frozen=True)
class CampaignView:
    name: str
    organisation: str
    size: int


@dataclass(frozen=True)
class SignatoryView:
    name: str
    title: str
    department: str


@dataclass(frozen=True)
class LineContext:
    case: CaseView
    correspondent: PersonView
    constituents: tuple[PersonView, ...]
    campaign: CampaignView | None
    signatory: SignatoryView
    letter_date: date

    def as_mapping(self, today: date | None = None) -> dict[str, object]:
        return {
            "case": self.case,
            "correspondent": self.correspondent,
            "constituents": self.constituents,
            "campaign": self.campaign,
            "signatory": self.signatory,
            "letter_date": self.letter_date,
            "today": today if today is not None else date.today(),
        }


CONTEXT_VARIABLES: frozenset[str] = frozenset(
    {"case", "correspondent", "constituents", "campaign", "signatory", "letter_date", "today"}
)

_PERSON_DOC = {
    "title": "title, e.g. 'Rt Hon', 'Mrs', 'Lord'",
    "first_name": "first name",
    "last_name": "surname",
    "full_name": "full name as written in an address, e.g. 'Tessa Jowell'",
    "salutation_name": "the name after 'Dear', e.g. 'Tessa' or 'Mr Smith'",
    "kind": "'mp', 'peer', 'public', 'organisation' or 'official'",
    "organisation": "organisation written for, or empty",
    "constituency": "an MP's constituency, or empty",
    "party": "an MP's or peer's party, or empty",
}

CONTEXT_DOC: dict[str, str] = {
    "case": "the case being answered",
    "case.reference": "the case reference, e.g. '2009/0007948POSoS'",
    "case.received_on": "the date stamp of the incoming letter (use |longdate)",
    "case.summary": "what the letter is about, as a phrase completing 'your letter about ...'",
    "case.themes": "the case's theme codes, e.g. ('BABYP', 'LAMING')",
    "correspondent": "the person or organisation the reply goes to",
    **{f"correspondent.{name}": text for name, text in _PERSON_DOC.items()},
    "constituents": (
        "the constituents an MP wrote on behalf of (a list of people, empty if none); "
        "{% if constituents %} tests for any, constituents|length counts them"
    ),
    "campaign": "the campaign the letter belongs to, or nothing ({% if campaign %} tests it)",
    "campaign.name": "the campaign's name",
    "campaign.organisation": "the organisation behind the campaign, e.g. 'NSPCC'",
    "campaign.size": "how many letters the campaign has produced so far",
    "signatory": "who signs the reply",
    "signatory.name": "the signatory's name as printed under the signature",
    "signatory.title": "the signatory's title, e.g. 'Secretary of State'",
    "signatory.department": "the signatory's department",
    "letter_date": "the date the reply is dated (use |longdate)",
    "today": "the date the line is rendered (use |longdate)",
}

# Each constituent is a person with the same fields as the correspondent.
PERSON_FIELDS: frozenset[str] = frozenset(f.name for f in fields(PersonView))


def sample_context() -> LineContext:
    """An invented but realistic letter: an MP forwarding two constituents' NSPCC letters."""
    return LineContext(
        case=CaseView(
            reference="2009/0012345POSoS",
            received_on=date(2009, 3, 2),
            summary="the NSPCC's proposals to Government following the death of Baby P",
            themes=("BABYP", "LAMING", "SMACK"),
        ),
        correspondent=PersonView(
            title="",
            first_name="Margaret",
            last_name="Ellery",
            full_name="Margaret Ellery",
            salutation_name="Margaret",
            kind="mp",
            organisation="House of Commons",
            constituency="Northfield and Ashby",
            party="Labour",
        ),
        constituents=(
            PersonView(
                title="Mrs",
                first_name="Janet",
                last_name="Okonedo",
                full_name="Mrs Janet Okonedo",
                salutation_name="Mrs Okonedo",
                kind="public",
            ),
            PersonView(
                title="Mr",
                first_name="Peter",
                last_name="Hallam",
                full_name="Mr Peter Hallam",
                salutation_name="Mr Hallam",
                kind="public",
            ),
        ),
        campaign=CampaignView(
            name="NSPCC proposals following the death of Baby P",
            organisation="NSPCC",
            size=214,
        ),
        signatory=SignatoryView(
            name="Ed Balls MP",
            title="Secretary of State",
            department="Department for Children, Schools and Families",
        ),
        letter_date=date(2009, 3, 20),
    )
