"""Text out of every format an officer imports, including broken files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from correspondence.documents.errors import ExtractionError
from correspondence.documents.extract import extract
from correspondence.documents.file_text import decode_text
from correspondence.documents.letter_clues import find_date, read_letterhead
from correspondence.documents.mail import parse_msg

MAIL = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
TODAY = dt.date(2026, 11, 23)


def got(name: str):  # noqa: ANN201 - Extracted
    return extract(name, (MAIL / name).read_bytes())


def test_utf8_email_headers_and_body() -> None:
    e = got("utf8.eml")
    assert e.subject == "Victoria Climbié and Lord Laming’s report"
    assert (e.sender_name, e.sender_email) == ("Hélène Dubois", "helene.dubois@example.org")
    assert "It cost £2m." in e.text
    assert e.message_id == "<utf8-0001@example.org>"
    assert e.sent_at == dt.datetime(2009, 2, 16, 9, 30, tzinfo=dt.UTC)


def test_latin1_quoted_printable_email_reads_windows_punctuation() -> None:
    e = got("latin1_qp.eml")
    assert e.subject == "Smacking – a parent’s view"
    assert e.sender_name == "José Ferreira"
    assert "Café owners like me are parents too." in e.text  # soft line breaks joined


def test_base64_multipart_keeps_every_attachment_with_its_text() -> None:
    e = got("base64_attachments.eml")
    assert e.text.startswith("Dear Ed")
    assert e.sender_name == "Rt Hon Tessa Jowell MP"
    names = [a.filename for a in e.attachments]
    assert names == ["constituent letter.docx", "nspcc briefing.pdf", "constituents.txt"]
    docx_att, pdf_att, txt_att = e.attachments
    assert "Margaret Pellow" in docx_att.text and "Margaret Pellow" in pdf_att.text
    assert docx_att.content[:2] == b"PK" and pdf_att.content.startswith(b"%PDF")
    assert "Mrs Joan Abbott" in txt_att.text


def test_html_only_email_becomes_readable_text() -> None:
    e = got("html_only.eml")
    assert "Ofsted’s inspection of children’s services" in e.text
    assert "<p>" not in e.text and "color:red" not in e.text
    assert e.sender_email == "alan.crisp@example.com" and e.sender_name == ""


def test_malformed_email_is_refused_with_a_reason() -> None:
    with pytest.raises(ExtractionError, match="not a valid email"):
        got("malformed.eml")
    with pytest.raises(ExtractionError, match="empty"):
        extract("blank.eml", b"  \n")


def test_email_with_unknown_charset_and_broken_base64_still_reads() -> None:
    raw = (
        b"From: Ann Lee <ann@example.org>\nSubject: =?x-unknown?q?Caf=E9?=\n"
        b"Message-ID: <odd@example.org>\nContent-Type: text/plain; charset=x-made-up\n"
        b"Content-Transfer-Encoding: base64\n\nRGVhciBNaW5pc3Rlcg=!!\n"
    )
    e = extract("odd.eml", raw)
    assert e.sender_email == "ann@example.org"
    assert "Caf" in e.subject
    assert e.text.startswith("Dear Minister")


def test_word_document_paragraphs_and_a_corrupt_one() -> None:
    e = got("letter.docx")
    assert "Dear Secretary of State" in e.text and e.text.rstrip().endswith("Margaret Pellow")
    with pytest.raises(ExtractionError, match="Word document"):
        got("corrupt.docx")


def test_pdf_text_layer_scanned_pdf_and_corrupt_pdf() -> None:
    assert "Social Work Task" in got("letter.pdf").text
    scanned = got("scanned.pdf")
    assert scanned.text == "" and scanned.needs_text
    with pytest.raises(ExtractionError, match="corrupt PDF"):
        got("corrupt.pdf")
    with pytest.raises(ExtractionError, match="not a PDF"):
        extract("fake.pdf", b"hello")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("utf16_bom.txt", "Vetting and Barring Scheme"),
        ("cp1252.txt", "– £4,800 – put councils off"),
    ],
)
def test_plain_text_encodings(name: str, expected: str) -> None:
    e = got(name)
    assert expected in e.text
    assert "\r" not in e.text and "\ufeff" not in e.text


def test_decode_text_order_bom_declared_utf8_cp1252() -> None:
    assert decode_text("\ufeffé".encode()) == "é"
    assert decode_text(b"caf\xe9", "iso-8859-1") == "café"
    assert decode_text(b"\x93quoted\x94", "iso-8859-1") == "“quoted”"
    assert decode_text("naïve".encode()) == "naïve"
    assert decode_text(b"na\xefve") == "naïve"


def test_template_code_is_kept_as_text_and_control_characters_dropped() -> None:
    e = got("template_and_controls.txt")
    assert "{{ correspondent.salutation_name }}" in e.text
    assert "{% for x in range(9) %}{{ x }}{% endfor %}" in e.text
    assert not any(ch in e.text for ch in "\x00\x07\x1b")


def test_unsupported_type_is_named() -> None:
    with pytest.raises(ExtractionError, match=r"unsupported file type \.xyz"):
        extract("notes.xyz", b"words")


def test_a_broken_picture_is_named_as_unreadable() -> None:
    with pytest.raises(ExtractionError, match=r"picture\.png: page 1 could not be read"):
        got("picture.png")


def test_msg_that_is_not_an_outlook_file_is_refused() -> None:
    with pytest.raises(ExtractionError, match="not an Outlook message"):
        parse_msg(b"From: someone\n\nhello")
    broken_ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(ExtractionError, match="unreadable Outlook message"):
        parse_msg(broken_ole)


def test_find_date_prefers_a_received_stamp_and_ignores_the_future() -> None:
    text = "RECEIVED 04 FEB 2009\n\n2009/0007948POSoS\n\n3 February 2009\n\nDear Tessa"
    assert find_date(text, not_after=TODAY) == dt.date(2009, 2, 4)
    assert find_date("Dated 3rd March 2009.", not_after=TODAY) == dt.date(2009, 3, 3)
    assert find_date("on 05/06/2009 we met", not_after=TODAY) == dt.date(2009, 6, 5)
    assert find_date("see you 1 January 2099", not_after=TODAY) is None
    assert find_date("31 February 2009", not_after=TODAY) is None


def test_letterhead_reads_name_address_and_postcode() -> None:
    head = read_letterhead(got("letter.docx").text)
    assert head.name == "Margaret Pellow"
    assert head.postcode == "BN7 2QT"
    assert head.address_lines == ("14 Orchard Row", "Lewes")
