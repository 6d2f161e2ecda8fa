"""A plain email read without the standard library's feed parser, when that gives the same.

Most letters that reach an office by email are one text part under a block of ASCII
headers. For those the feed parser's work (a regex per line, a chunked reader, a
boundary regex compiled per message) comes to a third of reading the mail, yet its
result is simple: the headers as written and the rest of the file as the payload. So
a mail whose header block is plain, well formed ASCII, and whose type is not multipart
or message, is built here into the very `Message` the parser would build (the same
header pairs, through the same compat32 policy, and the same payload text); anything
else (8-bit or damaged headers, a "From " line, no blank line, parts) returns None and
goes through the parser. tests/documents/test_mail_plain.py holds them equal.
"""

from __future__ import annotations

import re
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses

# Header lines: a field name (printable ASCII but ":"), ":", a value of printable ASCII or
# tab; then any continuation lines (a space or tab first). Every line ends "\n" or "\r\n",
# so no bare "\r" (the parser splits lines at one) and nothing after the last newline.
# Unambiguous at each character, so matching is linear.
_HEAD = re.compile(rb"(?:[\x21-\x39\x3b-\x7e]+:[\t\x20-\x7e]*\r?\n(?:[\t ][\t\x20-\x7e]*\r?\n)*)+")


def simple_message(content: bytes) -> Message | None:
    """The parsed message of a plain single-part mail, else None (use the parser)."""
    lf, crlf = content.find(b"\n\n"), content.find(b"\n\r\n")
    ends = [i for i in (lf, crlf) if i >= 0]
    if not ends:
        return None  # no blank line: the parser's lenient reading applies
    end = min(ends)
    head = content[: end + 1]
    if _HEAD.fullmatch(head) is None:
        return None
    body = content[end + (2 if end == lf else 3) :]
    msg = Message()  # what the parser makes: compat32, the headers in order
    lines: list[str] = []
    for line in head.decode("ascii").splitlines(keepends=True):
        if line[0] not in " \t" and lines:
            msg.set_raw(*compat32.header_source_parse(lines))
            lines = []
        lines.append(line)
    msg.set_raw(*compat32.header_source_parse(lines))
    if msg.get_content_maintype() in ("multipart", "message"):
        return None  # parts: the parser finds them
    msg.set_payload(body.decode("ascii", "surrogateescape"))
    return msg


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
