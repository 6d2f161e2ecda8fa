"""How a reply addresses its correspondent: the house style of the department's letters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class CorrespondentKind(StrEnum):
    MP = "mp"
    PEER = "peer"
    PUBLIC = "public"
    ORGANISATION = "organisation"
    OFFICIAL = "official"


UNKNOWN_NAME = "Sir or Madam"
SEVERAL_NAME = "colleagues"
SINCERELY = "Yours sincerely"
FAITHFULLY = "Yours faithfully"

COMMONS_ADDRESS = ("House of Commons", "London", "SW1A 0AA")
LORDS_ADDRESS = ("House of Lords", "London", "SW1A 0PW")

# Plain courtesy titles: dropped from an MP's name in an address ("Tessa Jowell MP").
_PLAIN_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx"})
# Knights and dames are addressed by first name: "Dear Sir Alan", never "Dear Sir Beith".
_FIRST_NAME_TITLES = frozenset({"sir", "dame"})


def _join(*parts: str) -> str:
    return " ".join(part.strip() for part in parts if part and part.strip())


@dataclass(frozen=True)
class Person:
    kind: CorrespondentKind
    title: str = ""
    first_name: str = ""
    last_name: str = ""
    honorific: str = ""
    peerage: str = ""
    peerage_full: str = ""
    post_nominals: str = ""
    organisation: str = ""
    job_title: str = ""
    address_lines: tuple[str, ...] = ()
    postcode: str = ""
    salutation_override: str = ""

    def __post_init__(self) -> None:
        # Accept the plain values a database row or a form gives ("mp", a list of lines).
        object.__setattr__(self, "kind", CorrespondentKind(self.kind))
        object.__setattr__(self, "address_lines", tuple(self.address_lines))


@dataclass(frozen=True)
class Salutation:
    dear: str
    close: str


def _title_and_surname(person: Person) -> str:
    title = person.title.strip()
    if title.lower().rstrip(".") in _FIRST_NAME_TITLES and person.first_name.strip():
        return _join(title, person.first_name)
    if title and person.last_name.strip():
        return _join(title, person.last_name)
    # No title to go on: the full name is more courteous than a bare surname.
    return _join(person.first_name, person.last_name)


def _peer_name(person: Person) -> str:
    if person.peerage.strip():
        return person.peerage.strip()
    if person.peerage_full.strip():
        # "Lord Laming of Tewin" is addressed as "Lord Laming".
        return person.peerage_full.strip().split(" of ")[0].strip()
    return _title_and_surname(person)


def _known_name(person: Person) -> str:
    """The name after "Dear", or "" when the writer is not known well enough to name."""
    if person.salutation_override.strip():
        return person.salutation_override.strip()
    match person.kind:
        case CorrespondentKind.MP:
            return person.first_name.strip() or _title_and_surname(person)
        case CorrespondentKind.PEER:
            return _peer_name(person)
        case CorrespondentKind.ORGANISATION:
            # An organisation with nobody named is written to as "Sir or Madam".
            return _title_and_surname(person) if person.last_name.strip() else ""
        case _:
            return _title_and_surname(person) if person.last_name.strip() else ""


def salutation_name(person: Person) -> str:
    """The name after "Dear": "Tessa", "Lord Laming", "Mr Smith", or "Sir or Madam"."""
    return _known_name(person) or UNKNOWN_NAME


def salutation(addressees: Sequence[Person]) -> Salutation:
    """The "Dear ..." line and matching close for a reply to one or more people."""
    if not addressees:
        raise ValueError("A reply needs at least one addressee to write a salutation.")
    if len(addressees) > 1:
        return Salutation(dear=f"Dear {SEVERAL_NAME}", close=SINCERELY)
    name = salutation_name(addressees[0])
    close = FAITHFULLY if name == UNKNOWN_NAME else SINCERELY
    return Salutation(dear=f"Dear {name}", close=close)


def display_name(person: Person) -> str:
    """The name as it heads the address block, e.g. "Rt Hon Tessa Jowell MP"."""
    if person.kind is CorrespondentKind.PEER:
        peer = person.peerage_full.strip() or person.peerage.strip()
        if peer:
            return _join(person.honorific, peer, person.post_nominals)
    title = person.title
    is_plain = title.strip().lower().rstrip(".") in _PLAIN_TITLES
    if person.kind is CorrespondentKind.MP and is_plain and person.first_name.strip():
        title = ""
    name = _join(person.honorific, title, person.first_name, person.last_name, person.post_nominals)
    if person.kind is CorrespondentKind.ORGANISATION and not _join(
        person.first_name, person.last_name
    ):
        return person.organisation.strip()
    return name


def addressee_block(person: Person) -> list[str]:
    """The lines of the address block, top to bottom, with no blank lines."""
    name = display_name(person)
    if not person.address_lines:
        # Parliamentarians are written to at Westminster unless another address is recorded.
        if person.kind is CorrespondentKind.MP:
            return [name, *COMMONS_ADDRESS]
        if person.kind is CorrespondentKind.PEER:
            return [name, *LORDS_ADDRESS]
    lines = [name, person.job_title.strip()]
    organisation = person.organisation.strip()
    if organisation != name:
        lines.append(organisation)
    lines.extend(line.strip() for line in person.address_lines)
    lines.append(person.postcode.strip())
    return [line for line in lines if line]
