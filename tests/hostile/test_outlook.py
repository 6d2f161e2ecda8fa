"""Outlook messages, made by a small compound-file writer: read as written, and one whose
only text is a large RTF body is imported quickly with a note instead of freezing."""

from __future__ import annotations

import random
import string
import time

import compressed_rtf
from hypothesis import given

from correspondence.documents.file_text import clean_text
from correspondence.documents.mail import parse_msg
from tests.hostile.msg_writer import outlook_message
from tests.hostile.strategies import FAST, WORD_TEXT

RTF_HEAD = b"{\\rtf1\\ansi\\ansicpg1252\\fromtext {\\fonttbl{\\f0 Arial;}} \\f0 "


def _rtf(text: str) -> bytes:
    return RTF_HEAD + text.encode("ascii") + b"\\par}"


def test_a_message_is_read_as_written() -> None:
    got = parse_msg(outlook_message("About Ofsted", "Dear Minister,\r\nthe Ofsted inspection."))
    assert got.subject == "About Ofsted"
    assert got.text == "Dear Minister,\nthe Ofsted inspection."
    assert got.message_id == f"<msg-{sum(b'About Ofsted')}@example.org>"


def test_a_small_rtf_only_message_is_read() -> None:
    packed = compressed_rtf.compress(_rtf("Dear Minister, a letter in RTF."), compressed=True)
    got = parse_msg(outlook_message("RTF", None, rtf=packed))
    assert got.text.strip() == "Dear Minister, a letter in RTF."


def test_a_large_rtf_only_message_is_noted_not_parsed_for_minutes() -> None:
    rng = random.Random(3)
    words = " ".join(
        "".join(rng.choice(string.ascii_lowercase) for _ in range(7)) for _ in range(60_000)
    )
    packed = compressed_rtf.compress(_rtf(words), compressed=False)  # 480 KB of RTF
    started = time.monotonic()
    got = parse_msg(outlook_message("Long RTF", None, rtf=packed))
    assert time.monotonic() - started < 10  # before: about a minute a megabyte
    assert "only in its formatted (RTF) part" in got.text


@FAST
@given(WORD_TEXT.filter(lambda t: t.strip()), WORD_TEXT)
def test_any_subject_and_body_come_back(subject: str, body: str) -> None:
    got = parse_msg(outlook_message(subject, body))
    assert got.subject == clean_text(subject)
    assert got.text == clean_text(body)
