"""What a reply letter says, as plain frozen data.

Other parts of the app build these from the database; the Word builder
(``correspondence.documents.word``) only ever sees this shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Letterhead:
    minister_name: str  # "Rt Hon Ed Balls MP"
    minister_title: str  # "Secretary of State"
    department: str  # "department for children, schools and families"
    address: str  # "Sanctuary Buildings Great Smith Street Westminster London SW1P 3BT"
    telephone: str  # "0870 0012345"
    email: str  # "dcsf.ministers@dcsf.gsi.gov.uk"


@dataclass(frozen=True)
class BodyParagraph:
    text: str
    number: int | None = None  # printed as "1." with a hanging indent when set


@dataclass(frozen=True)
class LetterSpec:
    letterhead: Letterhead
    reference: str
    addressee_lines: tuple[str, ...]
    letter_date: date | None  # None for an undated draft -> prints "[date]"
    salutation: str  # "Dear Tessa"
    paragraphs: tuple[BodyParagraph, ...]
    complimentary_close: str  # "Yours sincerely"
    signatory_name: str  # "Ed Balls MP" -- printed in capitals
    subject: str = ""  # optional bold heading after the salutation
    draft: bool = False  # True -> DRAFT marking
    cc_lines: tuple[str, ...] = ()
    # A digital signature: the signatory's image (PNG or JPEG bytes), printed above the name.
    signature_image: bytes | None = None


def long_date(d: date) -> str:
    """The date as a departmental letter prints it: "3 February 2009"."""
    # Built by hand: strftime's %-d is not portable to Windows and %B follows the locale.
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
