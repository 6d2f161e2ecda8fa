"""An extracted file read as an incoming letter: when it came, who sent it, by which channel,
its summary line and the text the case keeps.

Pure: an `Extracted` (from `extract`) and the file's date in, a `LetterReading` out. No
database, no Qt; intake stores what this proposes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from correspondence.documents import limits
from correspondence.documents.file_text import Extracted, suffix_of
from correspondence.documents.letter_clues import (
    EMAIL,
    Letterhead,
    find_date,
    read_letterhead,
    summary_line,
)

NEEDS_TEXT = "needs text"
MAIL_SUFFIXES = (".eml", ".msg")
_UK = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class LetterReading:
    """What one imported file proposes for its case."""

    text: str  # the body, then each attachment's text under its name
    needs_text: bool  # nothing to read yet: a scan without OCR, or an empty file
    sender: Letterhead  # who it seems to be from
    received_on: dt.date
    channel: str  # "email" or "post"
    summary: str


def read_letter(
    filename: str, got: Extracted, *, mtime: float | None, today: dt.date
) -> LetterReading:
    """How the file `filename`, extracted as `got`, reads as a letter received by `today`."""
    text = letter_text_for(got)
    return LetterReading(
        text=text,
        needs_text=got.needs_text or not text.strip(),
        sender=sender_of(got),
        received_on=received_date(got, mtime, today),
        channel="email" if suffix_of(filename) in MAIL_SUFFIXES else "post",
        summary=summary_for(filename, got, text),
    )


def received_date(got: Extracted, mtime: float | None, today: dt.date) -> dt.date:
    """The Date header, else a date in the text, else the file's date; never after today."""
    day: dt.date | None = None
    if got.sent_at is not None:
        sent = got.sent_at
        day = (sent.astimezone(_UK) if sent.tzinfo else sent).date()
        if day.year < 1990:  # a zeroed or bogus header clock
            day = None
    if day is None:
        day = find_date(got.text, not_after=today)
    if day is None and mtime is not None:
        day = dt.date.fromtimestamp(mtime)
    return min(day or today, today)


def sender_of(got: Extracted) -> Letterhead:
    """The mail headers' sender where there is one, else the letterhead and signature."""
    head = read_letterhead(got.text)
    name = got.sender_name or head.name
    if name and EMAIL.fullmatch(name):
        name = ""  # "From: a@b.org" with the address as the name
    return Letterhead(
        name=name,
        address_lines=head.address_lines,
        postcode=head.postcode,
        email=got.sender_email or head.email,
    )


def summary_for(filename: str, got: Extracted, text: str) -> str:
    """The case's summary line: the subject, else the first sentence, else the file's name,
    marked when the letter still needs its text or OCR was unsure of a page."""
    if not text.strip():
        return f"Scanned document {filename}: {NEEDS_TEXT}"
    summary = got.subject.strip() or summary_line(text) or filename
    if got.needs_text or any(a.needs_text for a in got.attachments):
        summary = f"{summary} ({NEEDS_TEXT})"
    elif got.ocr is not None and got.ocr.check_pages:
        pages = ", ".join(map(str, got.ocr.check_pages))
        summary = f"{summary} (read by OCR: check the text of page {pages})"
    return summary[:500]


def letter_text_for(got: Extracted) -> str:
    """The case's letter text: the body, then each attachment's text under its name."""
    parts = [got.text] if got.text.strip() else []
    for a in got.attachments:
        if a.text.strip():
            parts.append(f"[Attachment: {a.filename}]\n{a.text}")
    return limits.cap_text("\n\n".join(parts))  # many attachments, each at the limit
