"""A plain email read without the standard library's feed parser, when that gives the same.

Most letters that reach an office by email are one text part under a block of ASCII
headers, or such a part and an attachment or two. For those the feed parser's work (a
regex per line, a chunked reader, a boundary regex compiled per message) comes to a
third of reading the mail, yet its result is simple: the headers as written and the
rest of the file as the payload, or the text between the boundary lines as the parts.
So a mail whose header block is plain, well formed ASCII, and whose type is not
multipart or message, is built here into the very `Message` the parser would build (the
same header pairs, through the same compat32 policy, and the same payload text); so is
a multipart mail of one level whose parts are such plain parts (see `_parts`); anything
else (8-bit or damaged headers, a "From " line, no blank line, nested parts, whatever
the parser would note a defect on) returns None and goes through the parser.
tests/documents/test_mail_plain.py holds them equal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses

# Header lines: a field name (printable ASCII but ":"), ":", a value of printable ASCII or
# tab; then any continuation lines (a space or tab first). Every line ends "\n" or "\r\n",
# so no bare "\r" (the parser splits lines at one) and nothing after the last newline.
# Unambiguous at each character, so matching is linear.
_HEAD = re.compile(rb"(?:[\x21-\x39\x3b-\x7e]+:[\t\x20-\x7e]*\r?\n(?:[\t ][\t\x20-\x7e]*\r?\n)*)+")

# What may follow "--boundary" on a line the parser takes for a boundary line: its
# regex ends `(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$`. The "--" is tested
# apart; this always matches (once, without backtracking), and the line is a boundary
# when it reaches a newline or the end of the file.
_AFTER_BOUNDARY = re.compile(rb"[ \t]*(\r?\n)?")

# RFC 2046 allows 70 characters; a longer one is left to the parser.
_MAX_BOUNDARY = 200


def simple_message(content: bytes) -> Message | None:
    """The parsed message of a plain mail, single-part or one level of parts, else None."""
    lf, crlf = content.find(b"\n\n"), content.find(b"\n\r\n")
    ends = [i for i in (lf, crlf) if i >= 0]
    if not ends:
        return None  # no blank line: the parser's lenient reading applies
    end = min(ends)
    msg = _headed(content[: end + 1])
    if msg is None:
        return None
    start = end + (2 if end == lf else 3)
    maintype = msg.get_content_maintype()
    if maintype == "multipart":
        return _parts(msg, content, start)
    if maintype == "message":
        return None  # a message inside: the parser reads it
    msg.set_payload(content[start:].decode("ascii", "surrogateescape"))
    return msg


def _headed(head: bytes) -> Message | None:
    """A message with the headers of a plain header block (ending in its newline), else None."""
    msg = Message()  # what the parser makes: compat32, the headers in order
    if not head:
        return msg
    if _HEAD.fullmatch(head) is None:
        return None
    lines: list[str] = []
    for line in head.decode("ascii").splitlines(keepends=True):
        if line[0] not in " \t" and lines:
            msg.set_raw(*compat32.header_source_parse(lines))
            lines = []
        lines.append(line)
    msg.set_raw(*compat32.header_source_parse(lines))
    return msg


def _parts(msg: Message, content: bytes, start: int) -> Message | None:
    """`msg` (multipart, headers read) with the parts of `content[start:]`, else None.

    The parser's reading, for a body of ASCII lines each ending "\\n" or "\\r\\n" (the last
    may end the file): the lines before the first boundary line are the preamble (None
    when there are none); each part runs from the line after a boundary line to the next
    one; a part's header block ends at its first blank line; the newline before a
    boundary line belongs to the boundary; everything after the closing boundary line is
    the epilogue. Where the parser would note a defect (no start or close boundary, a
    part without a blank line, an odd transfer encoding) or do more (nested parts,
    message parts, a digest's default type, boundary lines back to back), None.
    """
    if msg.get_content_type() == "multipart/digest":
        return None  # its parts default to message/rfc822
    encoding = str(msg.get("content-transfer-encoding", "8bit")).lower()
    if encoding not in ("7bit", "8bit", "binary"):
        return None  # the parser notes a defect
    boundary = msg.get_boundary()
    if (
        not boundary
        or len(boundary) > _MAX_BOUNDARY
        or not (boundary.isascii() and boundary.isprintable())
    ):
        return None
    if not content.isascii() or content.count(b"\r", start) != content.count(b"\r\n", start):
        return None  # 8-bit text, or a bare "\r" (a line break to the parser)
    lines = _boundary_lines(content, start, b"--" + boundary.encode("ascii"))
    first = next(lines, None)
    if first is None or first[2]:
        return None  # no boundary, or a closing one first: defects
    if first[0] > start:
        msg.preamble = _less_newline(content[start : first[0]].decode("ascii"))
    previous = first
    while True:
        line = next(lines, None)
        if line is None:
            return None  # no close boundary (the file may end at a boundary line)
        if line[0] == previous[1]:
            return None  # boundary lines back to back: the parser skips them
        part = _part(content, previous[1], line[0])
        if part is None:
            return None
        msg.attach(part)
        if line[2]:
            msg.epilogue = content[line[1] :].decode("ascii")
            return msg
        previous = line


def _boundary_lines(
    content: bytes, start: int, separator: bytes
) -> Iterator[tuple[int, int, bool]]:
    """(start, end, closing) of each line from `start` on that the parser takes for a boundary.

    `start` begins a line, and each line ends at "\\n", so a boundary line is `separator`
    at `start` or after a "\\n". Each step finds the next candidate and looks only at the
    rest of its line, so the whole walk is linear in the content.
    """
    at = start if content.startswith(separator, start) else -1
    needle = b"\n" + separator
    while True:
        if at >= 0:
            after = at + len(separator)
            closing = content.startswith(b"--", after)
            tail = _AFTER_BOUNDARY.match(content, after + 2 if closing else after)
            assert tail is not None  # it matches the empty string
            if tail.group(1) is not None or tail.end() == len(content):
                yield at, tail.end(), closing
        found = content.find(needle, at + 1 if at >= 0 else start)
        if found < 0:
            return
        at = found + 1


def _part(content: bytes, start: int, stop: int) -> Message | None:
    """The part in `content[start:stop]` (which ends in a newline), if plain, else None."""
    if content.startswith(b"\n", start):
        head_end, body = start, start + 1  # no headers, the blank line
    elif content.startswith(b"\r\n", start):
        head_end, body = start, start + 2
    else:
        lf, crlf = content.find(b"\n\n", start, stop), content.find(b"\n\r\n", start, stop)
        ends = [i for i in (lf, crlf) if i >= 0]
        if not ends:
            return None  # no blank line: the parser notes a defect
        end = min(ends)
        head_end, body = end + 1, end + (2 if end == lf else 3)
    part = _headed(content[start:head_end])
    if part is None or part.get_content_maintype() in ("multipart", "message"):
        return None
    part.set_payload(_less_newline(content[body:stop].decode("ascii")))
    return part


def _less_newline(text: str) -> str:
    """`text` without its last line break, which belongs to the boundary line after it."""
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith("\n"):
        return text[:-1]
    return text


# "Given Family <local.part@example.org>" or a bare address, in the plainest characters:
# for these `getaddresses` gives the words of the name with single spaces and the address
# as written, without walking the field a character at a time.
_NAME = r"[A-Za-z0-9'-]+(?: [A-Za-z0-9'-]+)*"
_ADDRESS = r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_NAMED = re.compile(rf"({_NAME}) <({_ADDRESS})>")
_BARE = re.compile(_ADDRESS)


def addresses(values: list[str]) -> list[tuple[str, str]]:
    """`email.utils.getaddresses(values)`, quicker for one plain address."""
    if len(values) == 1:
        value = values[0]
        named = _NAMED.fullmatch(value)
        if named is not None:
            return [(named.group(1), named.group(2))]
        if _BARE.fullmatch(value) is not None:
            return [("", value)]
    return getaddresses(values)
