"""A plain email read without the feed parser is read exactly as the parser reads it.

Compared three ways: the message built (headers, payload, defects, preamble and
epilogue, part by part, and the message written out again) against
`email.message_from_bytes`; what `parse_eml` makes of every mail (sender, subject,
date, body, attachments) with the quick path and without it; and the quick address
reading against `getaddresses`. Over the fixtures, the bench's kind of mail (single-part
and multipart) in every charset and transfer encoding, hand-made plain and damaged
mail, single-part and multipart, and generated header blocks and multipart bodies.
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
    _same_tree(quick, parsed)
    assert _written(quick) == _written(parsed)
    return True


def _same_tree(quick: Message, parsed: Message) -> None:
    """Equal message by message: every attribute, then the payload or each part in turn."""
    assert type(quick) is type(parsed)
    assert quick._headers == parsed._headers  # type: ignore[attr-defined]
    assert quick.defects == parsed.defects == []
    assert quick.get_unixfrom() == parsed.get_unixfrom()
    assert (quick.preamble, quick.epilogue) == (parsed.preamble, parsed.epilogue)
    assert quick.policy is parsed.policy
    assert quick.get_default_type() == parsed.get_default_type()
    assert quick.get_charset() == parsed.get_charset()
    rest = {k: v for k, v in vars(quick).items() if k != "_payload"}
    assert rest == {k: v for k, v in vars(parsed).items() if k != "_payload"}
    assert quick.is_multipart() == parsed.is_multipart()
    if not quick.is_multipart():
        assert quick.get_payload() == parsed.get_payload()
        return
    quick_parts, parsed_parts = quick.get_payload(), parsed.get_payload()
    assert isinstance(quick_parts, list) and isinstance(parsed_parts, list)
    assert len(quick_parts) == len(parsed_parts)
    for quick_part, parsed_part in zip(quick_parts, parsed_parts, strict=True):
        _same_tree(quick_part, parsed_part)


def _written(msg: Message) -> bytes | str:
    """The message written out again, or the kind of error writing it raises."""
    try:
        return msg.as_bytes()
    except Exception as exc:  # noqa: BLE001 - compared, not hidden
        return type(exc).__name__


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


def _bench_mail(i: int, rng: random.Random, *, parts: bool | None = None) -> bytes:
    """Like bench/bench_import.py's: charsets, encodings, an attachment every tenth."""
    body = f"Dear Secretary of State\n\nLetter {i} about café, naïve, £5 and “quotes”.\n"
    charset = ("utf-8", "iso-8859-1", "us-ascii", "windows-1252")[i % 4]
    fits = body.encode(charset if charset != "us-ascii" else "ascii", "replace")
    part = MIMEText(fits.decode(charset if charset != "us-ascii" else "ascii"), "plain", charset)
    msg: Message = part
    if i % 10 == 0 if parts is None else parts:
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
    assert quick == 120  # the multipart ones too


def test_the_bench_kind_of_multipart_mail_in_every_charset_reads_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(8)
    for i in range(60):  # every charset with every sender and subject
        content = _bench_mail(i, rng, parts=True)
        assert _same_message(content)
        got = _parsed_both_ways(content, monkeypatch)
        assert isinstance(got, Extracted) and "Letter" in got.text
        assert [a.filename for a in got.attachments] == [f"scan{i}.bin"]


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


# Multipart mail: one level of plain parts is built without the parser, and equals it.

_TOP = b"From: Joan Abbott <joan@example.org>\nSubject: parts\nMIME-Version: 1.0\n"


def _multipart(body: bytes, boundary: bytes = b"b1", *, newline: bytes = b"\n") -> bytes:
    head = _TOP + b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\n\n'
    return (head + body).replace(b"\n", newline) if newline != b"\n" else head + body


def _several_attachments() -> MIMEMultipart:
    msg = MIMEMultipart("mixed")
    msg.attach(MIMEText("Dear Minister\n\nPlease see the enclosed.\n", "plain", "utf-8"))
    msg.attach(MIMEText("<p>Dear <b>Minister</b></p>", "html", "iso-8859-1"))
    for n, data in enumerate((b"%PDF-1.4 " * 40, bytes(range(256)), b"")):
        att = MIMEApplication(data, "octet-stream")
        att.add_header("Content-Disposition", "attachment", filename=f"scan{n}.bin")
        msg.attach(att)
    msg.attach(MIMEText("line one\nline two =3D café\n", "plain", "iso-8859-1"))
    msg["From"] = "Ken Lowe <ken@example.org>"
    msg["Subject"] = "Enclosures"
    msg["Date"] = "Tue, 10 Mar 2009 18:05:00 +0000"
    return msg


MULTIPART_PLAIN = [
    # preamble absent, empty, one line, several lines; epilogue absent, empty, text
    _multipart(b"--b1\n\nfirst\n--b1--"),
    _multipart(b"--b1\n\nfirst\n--b1--\n"),
    _multipart(b"\n--b1\n\nfirst\n--b1--\n"),
    _multipart(b"\n\n--b1\n\nfirst\n--b1--\n\n"),
    _multipart(b"This is a MIME message.\n--b1\nContent-Type: text/plain\n\nfirst\n--b1--\n"),
    _multipart(b"one\ntwo\n\n--b1\n\nfirst\n\n--b1\n\nsecond\n--b1--\nafter\nmore\n"),
    _multipart(b"--b1\n\nfirst\n--b1--\n--b1\nboundary lines in the epilogue\n--b1--\n"),
    # whitespace after boundary lines, a boundary that begins a longer line
    _multipart(b"--b1 \t\n\nfirst\n--b1\t\n\nsecond\n--b1--  \n"),
    _multipart(b"--b1\n\n--b1x is not a boundary\n--b1-- x\n--b1 --\n--b1\n\nz\n--b1--\n"),
    _multipart(b"--b1\n\nx\n--b1---\n--b1--"),
    _multipart(b"--b1\n\nx --b1\n --b1\n-b1\n--B1\n--b1--", b"b1"),
    # empty parts, parts with only headers, blank lines around the text
    _multipart(b"--b1\n\n--b1\nContent-Type: text/plain\n\n--b1\n\n\n\n--b1--\n"),
    _multipart(b"--b1\nContent-Type: text/plain;\n charset=us-ascii\nX-A: 1\n\n\nx\n\n--b1--\n"),
    # boundaries of odd characters, quoted and not
    _multipart(b"--a b\n\nx\n--a b--\n", b"a b"),
    _multipart(b"--x:y\nX-Y: z\n\nx:y\n--x:y--\n", b"x:y"),
    _multipart(b"--==_1-\n\nx\n--==_1---\n", b"==_1-"),
    _multipart(b"----\n\nx\n------\n", b"--"),
    _multipart(b"--a.*+?(b)\n\n--aXXb\n--a.*+?(b)--\n", b"a.*+?(b)"),  # no regex in it
    _TOP + b"Content-Type: multipart/alternative; boundary=plain\n\n--plain\n\nx\n--plain--\n",
    _TOP + b"Content-Type: multipart/mixed; boundary=b1; charset=x\n\n--b1\n\nx\n--b1--\n",
    _TOP + b"Content-Type: Multipart/Mixed;\n boundary=\"b1\"\n\n--b1\n\nx\n--b1--\n",
    _TOP + b"Content-Type: multipart/mixed; boundary*=us-ascii''b%31\n\n--b1\n\nx\n--b1--\n",
    _TOP + b"Content-Type: multipart/mixed; boundary=\"b1 \"\n\n--b1\n\nx\n--b1--\n",
    _TOP + b"Content-Transfer-Encoding: 7bit\nContent-Type: multipart/mixed; boundary=b1\n\n"
    b"--b1\n\nx\n--b1--\n",
    # CRLF throughout, and line endings mixed
    _multipart(b"pre\n--b1\nContent-Type: text/plain\n\nfirst\n--b1--\nepi\n", newline=b"\r\n"),
    _multipart(b"pre\r\n--b1\n\nfirst\r\n\r\n--b1\r\nX: y\r\n\n2\n--b1--\r\n"),
]  # fmt: skip

MULTIPART_DAMAGED = [  # or more than one plain level: the parser reads them
    _multipart(b"--b1\n\nno close boundary\n"),
    _multipart(b"--b1\n\nno close boundary\n--b1\n"),
    _multipart(b"--b1\n\nfile ends at a boundary\n--b1"),
    _multipart(b"no boundary at all\n"),
    _multipart(b""),
    _multipart(b"--b1--\nclose first\n--b1\n\nx\n--b1--\n"),
    _multipart(b"--b1\nContent-Type: text/plain\nno blank line\n--b1--\n"),
    _multipart(b"--b1\nContent-Type: text/plain\n--b1--\n"),
    _multipart(b"--b1\n--b1\n\nback to back\n--b1--\n"),
    _multipart(b"--b1\n\nx\n--b1\n--b1--\n"),
    _multipart(b"--b1\n  continuation first\n\nx\n--b1--\n"),
    _multipart(b"--b1\n: no name\n\nx\n--b1--\n"),
    _multipart(b"--b1\nFrom nobody Mon Jan  1 00:00:00 2009\n\nx\n--b1--\n"),
    _multipart(b"--b1\nSubject: caf\xe9\n\nx\n--b1--\n"),
    _multipart(b"--b1\n\ncaf\xe9 in a part\n--b1--\n"),
    _multipart(b"--b1\n\nbare\rCR\n--b1--\n"),
    _multipart(b"--b1\rX: y\r\rbare CR\r--b1--\r"),
    _multipart(b"--b1\nContent-Type: multipart/mixed; boundary=b2\n\n--b2\n\nin\n--b2--\n--b1--\n"),
    _multipart(b"--b1\nContent-Type: message/rfc822\n\nFrom: b@example.org\n\ninner\n--b1--\n"),
    _multipart(b"--b1\nContent-Type: message/delivery-status\n\nX: y\n\nZ: w\n--b1--\n"),
    _TOP + b"Content-Type: multipart/digest; boundary=b1\n\n--b1\n\nFrom: x@example.org\n\ny\n"
    b"--b1--\n",
    _TOP + b"Content-Type: multipart/mixed\n\n--b1\n\nno boundary parameter\n--b1--\n",
    _TOP + b"Content-Type: multipart/mixed; boundary=\n\n--\n\nempty boundary\n----\n",
    _TOP + b"Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\nempty boundary\n----\n",
    _TOP + b"Content-Type: multipart/mixed; boundary=b1\nContent-Transfer-Encoding: base64\n\n"
    b"--b1\n\nx\n--b1--\n",
    _TOP + b"Content-Type: multipart/mixed; boundary*=utf-8''caf%C3%A9\n\n--caf\xc3\xa9\n\nx\n"
    b"--caf\xc3\xa9--\n",
    _TOP + b"Content-Type: multipart/mixed; boundary*=us-ascii''a%0Ab\n\n--a\nb\n\nx\n--a\nb--\n",
    _TOP + b"Content-Type: multipart/mixed; boundary=" + b"x" * 300 + b"\n\n--" + b"x" * 300
    + b"\n\nlong\n--" + b"x" * 300 + b"--\n",
]  # fmt: skip


def test_hand_made_multipart_mail_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    for content in MULTIPART_PLAIN:
        assert _same_message(content), content
        _parsed_both_ways(content, monkeypatch)
    for content in MULTIPART_DAMAGED:
        _same_message(content)  # the parser's reading, quick or not
        _parsed_both_ways(content, monkeypatch)


def test_several_attachments_read_the_same_with_either_line_ending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = _several_attachments().as_bytes()
    for lines in (content, content.replace(b"\n", b"\r\n")):
        assert _same_message(lines)
        got = _parsed_both_ways(lines, monkeypatch)
        assert isinstance(got, Extracted) and "Please see the enclosed." in got.text
        assert [a.filename for a in got.attachments] == ["scan0.bin", "scan1.bin", "scan2.bin"]


def test_a_multipart_mail_is_read_by_the_quick_path_into_its_parts() -> None:
    rng = random.Random(3)
    msg = simple_message(_bench_mail(10, rng))  # the bench's text and attachment
    assert msg is not None and msg.is_multipart()
    parts = [p for p in msg.get_payload() if isinstance(p, Message)]
    assert len(parts) == len(msg.get_payload())
    assert [p.get_content_type() for p in parts] == ["text/plain", "application/octet-stream"]
    assert parts[1].get_filename() == "scan10.bin"
    assert parts[1].get_payload(decode=True) == b"%PDF-1.4 not really " * 20
    assert (msg.preamble, msg.epilogue) == (None, "")
    big = simple_message(_several_attachments().as_bytes().replace(b"\n", b"\r\n"))
    assert big is not None and len(big.get_payload()) == 6


def test_hostile_multipart_stays_quick_to_read() -> None:
    # 100,000 parts, one enormous line, one enormous almost-boundary: each read once.
    many = _multipart(b"--b1\n\nx\n" * 100_000 + b"--b1--\n")
    msg = simple_message(many)
    assert msg is not None and len(msg.get_payload()) == 100_000
    assert _same_message(_multipart(b"--b1\n\n" + b"--b1 " * 200_000 + b"\n--b1--\n"))
    assert _same_message(_multipart(b"--b1\n\n--b1" + b" " * 1_000_000 + b"x\n--b1--\n"))
    assert _same_message(_multipart(b"--b1\n\n" + b"\n--b" * 200_000 + b"\n--b1--\n"))


_BOUNDARIES = ["b1", "==_Part_0_1.2", "a b", "x:y", "-", "--=", "B"]
_SUFFIXES = ["", "--", " ", "\t ", "x", "-- ", "--x", "-", " --"]
_TEXT = st.text(string.ascii_letters + string.digits + " -=:\t", max_size=12)
_LINE = st.one_of(  # mostly text; now and then a line that is or looks like a boundary
    _TEXT,
    _TEXT,
    _TEXT,
    st.tuples(st.sampled_from(["--", "-", ""]), st.sampled_from(_SUFFIXES)),
    st.just(""),
)
_PART_HEADER = st.sampled_from([  # the plain ones more often than the rest
    "Content-Type: text/plain", "Content-Type: text/plain", "X-Odd:", "X-Odd:",
    "Content-Type: text/plain", "Content-Type: application/octet-stream",
    "Content-Type: multipart/mixed; boundary=z", "Content-Type: message/rfc822",
    "Content-Transfer-Encoding: base64", "Content-Disposition: attachment; filename=a.txt",
    " folded", "X-Odd:", "no colon", "",
])  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    boundary=st.sampled_from(_BOUNDARIES),
    quoted=st.booleans(),
    newlines=st.lists(st.sampled_from(["\n", "\r\n"] * 4 + ["\r"]), min_size=1, max_size=3),
    preamble=st.one_of(st.none(), st.lists(_LINE, max_size=3)),
    parts=st.lists(
        st.tuples(
            st.lists(_PART_HEADER, max_size=3),
            st.sampled_from([True, True, True, False]),  # a blank line after the headers
            st.lists(_LINE, max_size=4),
            st.sampled_from(["", "", "", " ", "\t ", "--"]),  # after the boundary before it
        ),
        min_size=1,
        max_size=4,
    ),
    close=st.sampled_from(["--", "--", "--", "-- ", "--\t", None, "x"]),
    close_newline=st.booleans(),
    epilogue=st.lists(_LINE, max_size=2),
)
def test_generated_multipart_bodies_are_read_as_the_parser_reads_them(
    boundary: str,
    quoted: bool,
    newlines: list[str],
    preamble: list[str | tuple[str, str]] | None,
    parts: list[tuple[list[str], bool, list[str | tuple[str, str]], str]],
    close: str | None,
    close_newline: bool,
    epilogue: list[str | tuple[str, str]],
) -> None:
    count = iter(range(10_000))

    def nl() -> str:
        return newlines[next(count) % len(newlines)]

    def text(line: str | tuple[str, str]) -> str:
        return line if isinstance(line, str) else line[0] + boundary + line[1]

    param = f'"{boundary}"' if quoted else boundary
    out = [f"From: a@example.org{nl()}Content-Type: multipart/mixed; boundary={param}{nl()}"]
    out.append(nl())
    for line in preamble or []:
        out.append(text(line) + nl())
    for headers, blank, lines, suffix in parts:
        out.append(f"--{boundary}{suffix}{nl()}")
        out.extend(h + nl() for h in headers)
        if blank:
            out.append(nl())
        out.extend(text(line) + nl() for line in lines)
    if close is not None:
        out.append(f"--{boundary}{close}" + (nl() if close_newline else ""))
        out.extend(text(line) + nl() for line in epilogue)
    content = "".join(out).encode("ascii")
    _same_message(content)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _parsed_both_ways(content, monkeypatch)


@settings(max_examples=200, deadline=None)
@given(
    boundary=st.sampled_from(_BOUNDARIES),
    newline=st.sampled_from(["\n", "\r\n"]),
    preamble=st.one_of(st.none(), st.lists(_TEXT, max_size=3)),
    parts=st.lists(
        st.tuples(
            st.lists(st.sampled_from(["Content-Type: text/plain", "X-Odd:", "X-A: b"]), max_size=2),
            st.lists(st.one_of(_TEXT, _TEXT.map(lambda t: "--" + t)), max_size=4),
            st.sampled_from(["", " ", "\t "]),
        ),
        min_size=1,
        max_size=4,
    ),
    close=st.sampled_from(["--", "-- ", "--\t"]),
    epilogue=st.one_of(st.just(""), _TEXT.map(lambda t: "\n" + t + "\n")),
)
def test_generated_plain_multipart_mail_always_takes_the_quick_path(
    boundary: str,
    newline: str,
    preamble: list[str] | None,
    parts: list[tuple[list[str], list[str], str]],
    close: str,
    epilogue: str,
) -> None:
    def lines(texts: list[str]) -> str:
        # A text line beginning "--boundary" would be a boundary line, so not one of those.
        return "".join(t + "\n" for t in texts if not t.startswith("--" + boundary))

    out = [f'From: a@example.org\nContent-Type: multipart/mixed; boundary="{boundary}"\n\n']
    if preamble is not None:
        out.append(lines(preamble) + "\n")
    for headers, texts, space in parts:
        out.append(f"--{boundary}{space}\n" + lines(headers) + "\n" + lines(texts))
    out.append(f"--{boundary}{close}{epilogue}")
    content = "".join(out).replace("\n", newline).encode("ascii")
    assert _same_message(content)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _parsed_both_ways(content, monkeypatch)
