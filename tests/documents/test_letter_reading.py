"""What an imported file proposes for its case: date received, sender, channel, summary, text."""

from __future__ import annotations

import datetime as dt

from correspondence.documents.file_text import Attachment, Extracted
from correspondence.documents.letter_reading import read_letter

TODAY = dt.date(2026, 11, 23)
TYPED = """14 Larkfield Road
Dunmore
DN4 7QP

2 March 2026

Dear Minister,

I am writing about the closure of the youth club in our village. It served forty children.

Yours sincerely,
Morwenna Tillotson
"""


def test_a_typed_letter_proposes_its_writer_address_date_and_first_sentence() -> None:
    letter = read_letter(
        "tillotson.docx", Extracted(text=TYPED, media_type="x"), mtime=None, today=TODAY
    )
    assert letter.sender.name == "Morwenna Tillotson"
    assert letter.sender.address_lines == ("14 Larkfield Road", "Dunmore")
    assert letter.sender.postcode == "DN4 7QP"
    assert letter.received_on == dt.date(2026, 3, 2)
    assert letter.channel == "post"
    assert letter.summary == "I am writing about the closure of the youth club in our village."
    assert letter.text == TYPED and not letter.needs_text


def test_an_email_takes_its_sender_and_subject_from_the_headers_not_the_signature() -> None:
    got = Extracted(
        text=TYPED,
        media_type="message/rfc822",
        subject="Youth club closure",
        sender_name="M. Tillotson",
        sender_email="m.tillotson@example.org",
        sent_at=dt.datetime(2026, 6, 4, 23, 30, tzinfo=dt.UTC),  # already 5 June in London (BST)
    )
    letter = read_letter("club.eml", got, mtime=None, today=TODAY)
    assert (letter.sender.name, letter.sender.email) == ("M. Tillotson", "m.tillotson@example.org")
    assert letter.summary == "Youth club closure"
    assert letter.received_on == dt.date(2026, 6, 5)
    assert letter.channel == "email"


def test_a_sender_named_only_by_an_address_has_no_name() -> None:
    got = Extracted(
        text="Please reply.", media_type="x", sender_name="a.reader@example.org", sender_email=""
    )
    assert read_letter("x.msg", got, mtime=None, today=TODAY).sender.name == ""


def test_a_bogus_header_clock_or_a_future_date_never_becomes_the_date_received() -> None:
    zeroed = Extracted(
        text="Written 9 June 2025.", media_type="x", sent_at=dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    )
    assert read_letter("a.eml", zeroed, mtime=None, today=TODAY).received_on == dt.date(2025, 6, 9)
    undated = Extracted(text="No date here.", media_type="x")
    tomorrow = dt.datetime(2026, 11, 24, 12).timestamp()
    assert read_letter("b.txt", undated, mtime=tomorrow, today=TODAY).received_on == TODAY
    last_week = dt.datetime(2026, 11, 16, 12).timestamp()
    assert read_letter("b.txt", undated, mtime=last_week, today=TODAY).received_on == dt.date(
        2026, 11, 16
    )


def test_attachments_follow_the_body_and_one_without_text_marks_the_summary() -> None:
    got = Extracted(
        text="Dear Minister,\nPlease see the petition attached.",
        media_type="message/rfc822",
        attachments=(
            Attachment("petition.docx", "x", b"", text="We the undersigned ask for a crossing."),
            Attachment("photo.png", "image/png", b"", needs_text=True),
        ),
    )
    letter = read_letter("petition.eml", got, mtime=None, today=TODAY)
    assert letter.text.endswith(
        "[Attachment: petition.docx]\nWe the undersigned ask for a crossing."
    )
    assert "photo.png" not in letter.text
    assert letter.summary == "Please see the petition attached. (needs text)"


def test_a_scan_with_no_text_yet_says_so_in_its_summary() -> None:
    got = Extracted(text="", media_type="image/png", needs_text=True)
    letter = read_letter("scan-0007.png", got, mtime=None, today=TODAY)
    assert letter.needs_text
    assert letter.summary == "Scanned document scan-0007.png: needs text"
