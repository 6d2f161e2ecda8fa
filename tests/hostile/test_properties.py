"""Property-based tests: whatever bytes arrive, every reader of files either returns text
or refuses the file with an ExtractionError (never another exception, never unbounded
text), and whatever a standard line says, rendering returns a bounded paragraph or a
TemplateProblem, quickly.

Examples are few and small so the whole module runs in well under a minute."""

from __future__ import annotations

import datetime as dt
import time
from email.message import EmailMessage
from xml.sax.saxutils import escape

from hypothesis import given
from hypothesis import strategies as st

from correspondence.documents import limits
from correspondence.documents.context import sample_context
from correspondence.documents.errors import ExtractionError
from correspondence.documents.extract import extract
from correspondence.documents.file_text import clean_text, docx_text, pdf_text
from correspondence.documents.letter_clues import find_date, read_letterhead, summary_line
from correspondence.documents.mail import html_to_text, parse_eml, parse_msg
from correspondence.documents.rendering import MAX_OUTPUT_CHARS, TemplateProblem, render_line
from tests.hostile.corpus import W, docx_bytes, unusual_docx
from tests.hostile.strategies import FAST, WORD_TEXT

MAX_TEXT = limits.MAX_LETTER_CHARS + len(limits.TRUNCATED_NOTE) + 20


def _reads_or_refuses(read: object, *args: object) -> object:
    try:
        return read(*args)  # type: ignore[operator]
    except ExtractionError as exc:
        assert str(exc)  # a reason a person can read
        return None


@FAST
@given(st.binary(max_size=4096), st.sampled_from([".txt", ".eml", ".docx", ".pdf", ".msg"]))
def test_any_bytes_under_any_name_are_read_or_refused(data: bytes, suffix: str) -> None:
    got = _reads_or_refuses(extract, f"letter{suffix}", data)
    if got is not None:
        assert len(got.text) <= MAX_TEXT  # type: ignore[attr-defined]


@FAST
@given(
    st.sampled_from(["%PDF-1.4\n", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "PK\x03\x04"]),
    st.binary(max_size=2048),
)
def test_bytes_that_look_like_a_pdf_msg_or_zip_are_read_or_refused(head: str, tail: bytes) -> None:
    data = head.encode("latin-1") + tail
    _reads_or_refuses(pdf_text, data)
    _reads_or_refuses(parse_msg, data)
    _reads_or_refuses(docx_text, data)


@FAST
@given(st.data())
def test_a_damaged_word_document_is_read_or_refused(data: st.DataObject) -> None:
    good = bytearray(unusual_docx())
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(good) - 1))
        good[at] = data.draw(st.integers(0, 255))
    _reads_or_refuses(docx_text, bytes(good))


@FAST
@given(st.lists(WORD_TEXT, min_size=1, max_size=8))
def test_word_paragraphs_come_back_as_written(paragraphs: list[str]) -> None:
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>' for p in paragraphs
    )
    xml = f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    got = extract("letter.docx", docx_bytes(xml.encode("utf-8")))
    assert got.text == clean_text("\n".join(paragraphs))


@FAST
@given(st.binary(max_size=4096))
def test_any_bytes_as_an_email_are_read_or_refused(data: bytes) -> None:
    _reads_or_refuses(parse_eml, b"From: a@example.org\nSubject: x\n" + data)


@FAST
@given(
    WORD_TEXT.filter(lambda t: t.strip()),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=200),
    st.integers(0, 40),
)
def test_an_email_body_comes_back_at_any_nesting(subject: str, body: str, depth: int) -> None:
    msg = EmailMessage()
    msg["From"] = "Ken Lowe <ken.lowe@example.org>"
    msg["Subject"] = subject
    msg.set_content(body)
    raw = msg.as_bytes()
    for level in range(depth):
        head, _, rest = raw.partition(b"\n\n")
        inner = b"\n".join(h for h in head.split(b"\n") if h.lower().startswith(b"content"))
        boundary = f"b{level}".encode()
        raw = (
            b"From: ken.lowe@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; "
            b'boundary="'
            + boundary
            + b'"\n\n--'
            + boundary
            + b"\n"
            + inner
            + b"\n\n"
            + rest
            + b"\n--"
            + boundary
            + b"--\n"
        )
    got = parse_eml(raw)
    assert clean_text(body.replace("\r", "\n")).strip() in got.text


@FAST
@given(st.text(max_size=3000))
def test_text_helpers_never_fail(text: str) -> None:
    html_to_text(text)
    read_letterhead(text)
    find_date(text, not_after=dt.date(2009, 12, 31))
    assert len(summary_line(text)) <= 140


# -- the renderer ------------------------------------------------------------------

NUMBERS = st.sampled_from([0, 1, 2, 7, 99, 100, 101, 9999, 10**5, 10**6, 10**9, -1])
FRAGMENTS = st.sampled_from(
    [
        "{{ correspondent.salutation_name }}",
        "{{ 'ab' * N }}",
        "{{ N ** M }}",
        "{{ (N ** M) * (N ** M) }}",
        "{{ ('\\t' * N).expandtabs(M) }}",
        "{{ 'x'.ljust(N) }}",
        "{{ 'x'.encode() * N }}",
        "{{ ('x' * N).translate({120: 'y' * M}) }}",
        "{{ (N).to_bytes(M, 'big') }}",
        "{{ N|round(M) }}",
        "{% for i in range(N) %}{{ i }}{% endfor %}",
        "{% set ns = namespace(x=N) %}{% for i in range(M) %}{% set ns.x = ns.x * ns.x %}"
        "{% endfor %}",
        "{{ range(N)|join('ab' * M) }}",
        "{{ ('{0}' * N).format('x' * M) }}",
        "Thank you for your letter. ",
    ]
)


@FAST
@given(st.lists(st.tuples(FRAGMENTS, NUMBERS, NUMBERS), min_size=1, max_size=4))
def test_any_line_renders_a_bounded_paragraph_or_says_why(
    parts: list[tuple[str, int, int]],
) -> None:
    body = "".join(f.replace("N", f"({n})").replace("M", f"({m})") for f, n, m in parts)
    context = sample_context().as_mapping(today=dt.date(2009, 3, 20))
    started = time.monotonic()
    try:
        out = render_line(body, context)
    except TemplateProblem as problem:
        assert problem.message
    else:
        assert len(out) <= MAX_OUTPUT_CHARS
    assert time.monotonic() - started < 10  # the budget is 2 s; CI machines are shared


@FAST
@given(st.text(max_size=200))
def test_any_text_as_a_line_renders_or_says_why(body: str) -> None:
    try:
        render_line(body, sample_context().as_mapping(today=dt.date(2009, 3, 20)))
    except TemplateProblem as problem:
        assert problem.message


# -- standard-line files --------------------------------------------------------------

HEADER_LINES = st.sampled_from(
    [
        "key: babyp-tragedy",
        "title: The death of Baby P",
        "themes: BABYP, LAMING",
        "status: approved",
        "version: 1",
        "version: -3",
        "owner: policy.lead",
        "approved_by: policy.lead",
        "approved_on: 2008-12-16",
        "approved_on: 2008-13-45",
        "review_by: 2009-07-31",
        "numbered: false",
        "numbered: perhaps",
        "unknown: field",
        "no colon here",
    ]
)


@FAST
@given(st.lists(HEADER_LINES, max_size=12), st.text(max_size=300), st.booleans())
def test_any_line_file_is_read_or_refused_by_name(
    header: list[str], body: str, fenced: bool
) -> None:
    from correspondence.documents.line_files import LineFileError, parse_line_file

    text = "\n".join(["---", *header, "---"] if fenced else header) + "\n" + body
    try:
        parse_line_file(text, "x.txt")
    except LineFileError as exc:
        assert str(exc).startswith("x.txt")
