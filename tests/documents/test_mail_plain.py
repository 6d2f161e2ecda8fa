"""A plain email read without the feed parser is read exactly as the parser reads it.

Compared three ways: the message built (headers, payload, defects) against
`email.message_from_bytes`; what `parse_eml` makes of every mail (sender, subject,
date, body, attachments) with the quick path and without it; and the quick address
reading against `getaddresses`. Over the fixtures, the bench's kind of mail in every
charset and transfer encoding, hand-made damaged mail, and generated header blocks.
"""

from __future__ import annotations

import email
import random
import string
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import getaddresses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from correspondence.documents import mail
from correspondence.documents.errors import ExtractionError
from correspondence.documents.file_text import Extracted
from correspondence.documents.mail_plain import addresses, simple_message

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mail"


def _same_message(content: bytes) -> bool:
    """The quick message, when there is one, is the parser's; True when it was quick."""
    quick = simple_message(content)
    if quick is None:
        return False
    parsed = email.message_from_bytes(content)
    assert quick._headers == parsed._headers  # type: ignore[attr-defined]
    assert quick.get_payload() == parsed.get_payload()
    assert quick.defects == parsed.defects == []
    assert quick.get_unixfrom() == parsed.get_unixfrom()
    assert (quick.preamble, quick.epilogue) == (parsed.preamble, parsed.epilogue)
    assert quick.policy is parsed.policy
    assert quick.get_default_type() == parsed.get_default_type()
    assert quick.get_charset() == parsed.get_charset()
    return True


def _parsed_both_ways(content: bytes, monkeypatch: pytest.MonkeyPatch) -> Extracted | str:
    """parse_eml's result, checked equal with the quick path switched off."""

    def read() -> Extracted | str:
        try:
            return mail.parse_eml(content)
        except ExtractionError as exc:
            return f"refused: {exc}"

    quick = read()
    with monkeypatch.context() as m:
        m.setattr(mail, "simple_message", lambda _content: None)
        m.setattr(mail, "addresses", getaddresses)
        m.setattr(mail, "_plain", lambda _raw: False)
        slow = read()
    assert quick == slow
    return quick


def _bench_mail(i: int, rng: random.Random) -> bytes:
    """Like bench/bench_import.py's: charsets, encodings, an attachment every tenth."""
    body = f"Dear Secretary of State\n\nLetter {i} about café, naïve, £5 and “quotes”.\n"
    charset = ("utf-8", "iso-8859-1", "us-ascii", "windows-1252")[i % 4]
    fits = body.encode(charset if charset != "us-ascii" else "ascii", "replace")
    part = MIMEText(fits.decode(charset if charset != "us-ascii" else "ascii"), "plain", charset)
    msg: Message = part
    if i % 10 == 0:
        msg = MIMEMultipart("mixed")
        msg.attach(part)
        att = MIMEApplication(b"%PDF-1.4 not really " * 20, "octet-stream")
        att.add_header("Content-Disposition", "attachment", filename=f"scan{i}.bin")
        msg.attach(att)
    names = ("Joan Abbott", "Ken O'Neil-Lowe MP", "Hélène Dubois", '"Reed, Tom"', "")
    name = names[i % len(names)]
    address = f"writer{rng.randrange(99)}@example.org"
    msg["From"] = f"{name} <{address}>" if name else address
    msg["Subject"] = ("About Baby Peter", "Smacking – a parent’s view", "")[i % 3]
    msg["Date"] = f"Mon, {1 + i % 28:02d} Feb 2009 10:00:00 +0000"
    msg["Message-ID"] = f"<plain-{i}@example.org>"
    return msg.as_bytes()


HAND_MADE = [
    b"From: a@example.org\nSubject: hi\n\nDear Minister\n",
    b"From: a@example.org\r\nSubject: hi\r\n\r\nDear Minister\r\nline two\r\n",
    b"From: a@example.org\nSubject: folded\n  over two lines\n\tand three\n\nBody\n",
    b"From: a@example.org\nSubject: no body\n\n",
    b"From: a@example.org\nSubject: no blank line\n",
    b"From: a@example.org\nSubject: header then text\nDear Minister\n\nmore\n",
    b"From nobody Mon Jan  1 00:00:00 2009\nFrom: a@example.org\n\nunix from line\n",
    b"  From: leading continuation\nSubject: x\n\nbody\n",
    b": no name\nFrom: a@example.org\n\nbody\n",
    b"From: a@example.org\rSubject: bare CR\r\rbody\r",
    b"From: a@example.org\nSubject: caf\xe9 8-bit header\n\nbody\n",
    b"From: a@example.org\nSubject: body 8-bit\n\ncaf\xe9 and \xe2\x80\x9cquotes\xe2\x80\x9d\n",
    b"From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n",
    b"From: a@example.org\nContent-Type: message/rfc822\n\nFrom: b@example.org\n\ninner\n",
    b"From: a@example.org\nContent-Type: text/plain; charset=iso-8859-1\n"
    b"Content-Transfer-Encoding: quoted-printable\n\nCaf=E9 =\nsoft break\n",
    b"From: a@example.org\nContent-Transfer-Encoding: base64\n\nRGVhciBNaW5pc3Rlcg==\n",
    b"From: a@example.org\nContent-Transfer-Encoding: base64\n\nnot base64 at all!!\n",
    b"From: a@example.org\nContent-Type: text/html\n\n<p>Dear <b>Minister</b></p>\n",
    b"From: a@example.org\nContent-Disposition: attachment; filename=letter.txt\n\nhi\n",
    b"From: =?utf-8?q?H=C3=A9l=C3=A8ne?= <h@example.org>\nSubject: =?bogus?q?x?=\n\nb\n",
    b"From: Joan  Abbott <j@example.org>\nSubject: two spaces\n\nbody\n",
    b"From: a@example.org\nFrom: b@example.org\n\ntwo senders\n",
    b"From: Tom (the writer) <t@example.org>\n\ncomment in the address\n",
    b"From: <only@example.org>\nDate: not a date\nMessage-ID: no brackets here\n\nb\n",
    b"To: ministers@example.org\n\nno sender at all\n",
    b"X-Nothing: here\n\nnot a mail\n",
    b"Subject: header\x00with NUL\n\nbody\n",
    b"\n\nstarts blank\n",
]


def test_every_fixture_and_hand_made_mail_reads_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    quick = 0
    contents = [f.read_bytes() for f in sorted(FIXTURES.glob("*.eml"))] + HAND_MADE
    for content in contents:
        quick += _same_message(content)
        _parsed_both_ways(content, monkeypatch)
    assert quick >= 10  # most of the plain ones took the quick path


def test_the_bench_kind_of_mail_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(6)
    quick = 0
    for i in range(120):
        content = _bench_mail(i, rng)
        quick += _same_message(content)
        got = _parsed_both_ways(content, monkeypatch)
        assert isinstance(got, Extracted) and "Letter" in got.text
    assert quick >= 100  # all but the multipart ones


def test_a_quick_mail_gives_the_user_the_sender_subject_date_and_text() -> None:
    content = (
        b"From: Ken O'Neil-Lowe MP <Ken.Lowe@Example.org>\r\n"
        b"Subject: Court fees\r\n"
        b"Date: Tue, 10 Mar 2009 18:05:00 +0000\r\n"
        b"Message-ID: <x-1@example.org>\r\n"
        b'Content-Type: text/plain; charset="iso-8859-1"\r\n'
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Dear Minister\r\n\r\nCaf=E9 owners pay the fees.\r\n"
    )
    assert simple_message(content) is not None
    got = mail.parse_eml(content)
    assert (got.sender_name, got.sender_email) == ("Ken O'Neil-Lowe MP", "ken.lowe@example.org")
    assert got.subject == "Court fees"
    assert got.sent_at is not None and got.sent_at.isoformat() == "2009-03-10T18:05:00+00:00"
    assert got.message_id == "<x-1@example.org>"
    assert "Café owners pay the fees." in got.text


_HEADER_CHARS = string.ascii_letters + string.digits + " \t:;,.<>@\"'()=?-_/\xe9\u2019"
_header = st.tuples(
    st.sampled_from(["From", "Subject", "Date", "Content-Type", "Content-Transfer-Encoding",
                     "Message-ID", "X-Odd", "From ", "", " "]),
    st.text(_HEADER_CHARS, max_size=30),
    st.lists(st.text(_HEADER_CHARS, max_size=12), max_size=2),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    headers=st.lists(_header, min_size=1, max_size=5),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    blank=st.sampled_from(["\n", "\r\n", "", " \n"]),
    body=st.text(max_size=40),
)
def test_generated_header_blocks_are_read_as_the_parser_reads_them(
    headers: list[tuple[str, str, list[str]]], newline: str, blank: str, body: str
) -> None:
    lines = []
    for name, value, folds in headers:
        lines.append(f"{name}:{value}{newline}" + "".join(f" {f}{newline}" for f in folds))
    content = ("".join(lines) + blank + body).encode("utf-8", "surrogatepass")
    _same_message(content)


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(string.ascii_letters + string.digits + " '-.\"(),", max_size=20),
    local=st.text(string.ascii_letters + string.digits + "._+-", min_size=1, max_size=12),
    domain=st.text(string.ascii_lowercase + string.digits + ".-", min_size=1, max_size=12),
    bracket=st.booleans(),
)
def test_generated_addresses_read_as_getaddresses_reads_them(
    name: str, local: str, domain: str, bracket: bool
) -> None:
    value = f"{name} <{local}@{domain}>" if bracket else f"{local}@{domain}"
    assert addresses([value]) == getaddresses([value])


def test_addresses_of_plain_senders_are_read_quickly_and_the_same() -> None:
    for value in (
        "Joan Abbott <joan.abbott12@example.org>",
        "O'Neil-Lowe MP <a_b+c@x-y.example.org>",
        "joan@example.org",
        "Joan  Abbott <j@example.org>",  # two spaces: getaddresses itself
        '"Reed, Tom" <t@example.org>',
        "a@b",  # no dot in the domain: getaddresses itself
    ):
        assert addresses([value]) == getaddresses([value])
    assert addresses(["a@example.org", "b@example.org"]) == getaddresses(
        ["a@example.org", "b@example.org"]
    )
