"""What a letter's own text says about it: the date it bears, its sender's letterhead and
signature, a one-line summary, and what postcodes and email addresses look like.

Pure functions over text: no files, no database, no Qt. `letter_reading` puts them
together for an imported file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        )
    )
    for name in names
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+(\d{{4}})\b", re.IGNORECASE
)
_MONTH_DAY_YEAR = re.compile(
    rf"\b{_MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE
)
_NUMERIC = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")  # UK order: day/month/year
_RECEIVED = re.compile(r"\breceived\b[:\s]*", re.IGNORECASE)


def _dates_in(text: str) -> list[tuple[int, dt.date]]:
    found: list[tuple[int, dt.date]] = []
    for m in _DAY_MONTH_YEAR.finditer(text):
        _add(found, m.start(), int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    for m in _MONTH_DAY_YEAR.finditer(text):
        _add(found, m.start(), int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
    for m in _NUMERIC.finditer(text):
        _add(found, m.start(), int(m.group(3)), int(m.group(2)), int(m.group(1)))
    found.sort(key=lambda pair: pair[0])
    return found


def _add(found: list[tuple[int, dt.date]], pos: int, y: int, m: int, d: int) -> None:
    try:
        found.append((pos, dt.date(y, m, d)))
    except ValueError:
        pass  # "31 February" and the like are not dates


def find_date(
    text: str, *, not_after: dt.date, not_before: dt.date = dt.date(1990, 1, 1)
) -> dt.date | None:
    """The date a letter was received or written, from its text.

    A "RECEIVED 04 FEB 2009" stamp wins; otherwise the first plausible date
    in the letter (a letter's date sits near its top). Dates in the future
    or before `not_before` are ignored.
    """
    head = text[:20000]  # a date worth having is near the top; bounded work on huge files
    dates = [(pos, d) for pos, d in _dates_in(head) if not_before <= d <= not_after]
    if not dates:
        return None
    for m in _RECEIVED.finditer(head):
        for pos, d in dates:
            if m.end() <= pos <= m.end() + 3:
                return d
    return dates[0][1]


POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b")
# Parts bounded as addresses are (64 before the @, 63 a label): unbounded, a long run of
# letters with no @ made every search quadratic.
EMAIL = re.compile(r"[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")


def normalise_postcode(text: str) -> str:
    m = POSTCODE.search(text.upper())
    return f"{m.group(1)} {m.group(2)}" if m else ""


_CLOSINGS = re.compile(
    r"^\s*(yours\s+(sincerely|faithfully|truly|ever|respectfully)|kind\s+regards|"
    r"best\s+wishes|best\s+regards|regards|many\s+thanks|with\s+thanks)\b.*$",
    re.IGNORECASE,
)
# Two to six capitalised words, letters of any alphabet: "José Ferreira", "Dennis O’Hara".
_NAME_LINE = re.compile(r"^[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){0,5}$")


@dataclass(frozen=True)
class Letterhead:
    """Who a letter seems to be from, read off its signature block and top lines."""

    name: str = ""
    address_lines: tuple[str, ...] = ()
    postcode: str = ""
    email: str = ""


def read_letterhead(text: str) -> Letterhead:
    """Best-effort sender details: the name under the sign-off, the address above "Dear"."""
    lines = [line.strip() for line in text[:20000].split("\n")]
    name = ""
    for i in range(len(lines) - 1, -1, -1):
        if _CLOSINGS.match(lines[i]):
            for candidate in lines[i + 1 : i + 5]:
                if (
                    candidate
                    and candidate[0].isupper()
                    and _NAME_LINE.match(candidate)
                    and len(candidate) <= 60
                ):
                    name = candidate
                    break
            break
    address: list[str] = []
    postcode = ""
    top = lines[:25]
    for i, line in enumerate(top):
        if line.lower().startswith("dear "):
            break
        m = POSTCODE.search(line.upper())
        if m:
            postcode = f"{m.group(1)} {m.group(2)}"
            # The address is the run of short lines ending at the postcode.
            start = i
            while start > 0 and top[start - 1] and len(top[start - 1]) < 60:
                start -= 1
            address = [x for x in top[start:i] if x]
            before = line[: m.start()].strip(" ,")
            if before:
                address.append(before)
            break
    email_match = EMAIL.search(text[:20000])
    return Letterhead(
        name=name,
        address_lines=tuple(address),
        postcode=postcode,
        email=email_match.group(0).lower() if email_match else "",
    )


def summary_line(text: str, limit: int = 140) -> str:
    """A one-line summary: the first sentence of the body after the salutation."""
    lines = [line.strip() for line in text.split("\n")]
    body_start = 0
    for i, line in enumerate(lines[:40]):
        if line.lower().startswith("dear "):
            body_start = i + 1
            break
    body = " ".join(line for line in lines[body_start:] if line)
    sentence = re.split(r"(?<=[.!?])\s", body, maxsplit=1)[0] if body else ""
    if len(sentence) > limit:
        sentence = sentence[: limit - 1].rsplit(" ", 1)[0] + "…"
    return sentence
