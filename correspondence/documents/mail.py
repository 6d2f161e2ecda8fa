"""Email files: RFC 822 `.eml` (any charset, multipart, attachments) and Outlook `.msg`.

Parsing is lenient — real mail is often slightly broken — but a file with no
recognisable mail headers at all is refused as "not an email" rather than
logged as an empty letter.
"""

from __future__ import annotations

import datetime as dt
import email
import html
import re
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, cast

from correspondence.documents import limits
from correspondence.documents.errors import ExtractionError
from correspondence.documents.file_text import (
    MEDIA_TYPES,
    Attachment,
    Extracted,
    attachment_text,
    charset_alias,
    clean_text,
    decode_text,
)
from correspondence.documents.mail_plain import addresses, simple_message

if TYPE_CHECKING:
    from extract_msg import MSGFile

# Headers of which at least one must be present for a file to count as an email.
_MAIL_HEADERS = ("from", "date", "subject", "message-id", "to")


def parse_eml(content: bytes, *, depth: int = 0) -> Extracted:
    """An email's headers, text and attachments; `depth` counts forwards around it."""
    if not content.strip():
        raise ExtractionError("not an email: the file is empty")
    body_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[Attachment] = []
    try:
        # compat32 is the forgiving (and fast) parser: it never raises on odd headers. A
        # plain mail, or one level of plain parts, is built without it, into the same
        # message (mail_plain).
        msg = simple_message(content)
        if msg is None:
            msg = email.message_from_bytes(content)
        _require_headers(msg, content)
        _walk(msg, body_parts, html_parts, attachments, top=True, depth=depth)
    except RecursionError:
        # MIME nested hundreds deep: read its parts one level at a time instead.
        msg = BytesHeaderParser().parsebytes(content)
        _require_headers(msg, content)
        body_parts, html_parts, attachments = [], [], []
        _walk_flat(content, body_parts, html_parts, attachments, depth=depth)
    text = "\n\n".join(p for p in body_parts if p.strip())
    if not text.strip() and html_parts:
        text = "\n\n".join(html_to_text(h) for h in html_parts)
    name, address = _sender(msg.get_all("from") or [])
    return Extracted(
        text=clean_text(limits.cap_text(text)),
        media_type=MEDIA_TYPES[".eml"],
        subject=clean_text(header_text(msg.get("subject"))).replace("\n", " ")[:2000],
        sender_name=name,
        sender_email=address,
        sent_at=_date(msg.get("date")),
        message_id=_message_id(msg.get("message-id")),
        attachments=tuple(attachments),
    )


def _require_headers(msg: Message, content: bytes) -> None:
    present = [h for h in _MAIL_HEADERS if msg.get(h) is not None]
    if not present or _looks_binary(content[:2048]):
        raise ExtractionError(
            "not a valid email: no From, Date, Subject or Message-ID header was found"
        )


_BOUNDARY = re.compile(rb"""boundary\s*=\s*["']?([^"';\r\n]+)""", re.IGNORECASE)


def _walk_flat(
    content: bytes,
    body: list[str],
    htmls: list[str],
    attachments: list[Attachment],
    *,
    depth: int,
) -> None:
    """The leaves of a MIME tree too deep for the parser, found by their boundary lines."""
    boundaries = {b.strip() for b in _BOUNDARY.findall(content)}
    segment: list[bytes] = []
    segments: list[bytes] = []
    for line in content.split(b"\n"):
        marker = line.rstrip(b"\r \t")
        if marker.startswith(b"--") and (
            marker[2:] in boundaries or marker[2:].removesuffix(b"--") in boundaries
        ):
            segments.append(b"\n".join(segment))
            segment = []
        else:
            segment.append(line)
    for raw in segments[1:]:  # the first is the top headers and any preamble
        headers = BytesHeaderParser().parsebytes(raw)
        if headers.get_content_maintype() == "multipart":
            continue  # its own parts are segments too
        _walk(email.message_from_bytes(raw), body, htmls, attachments, depth=depth)


def _looks_binary(head: bytes) -> bool:
    # Header blocks are text; NULs mean a binary file renamed to .eml.
    return b"\x00" in head


def _walk(
    part: Message,
    body: list[str],
    htmls: list[str],
    attachments: list[Attachment],
    *,
    top: bool = False,
    depth: int = 0,
) -> None:
    ctype = part.get_content_type()
    if ctype == "message/rfc822" and not top:
        inner = part.get_payload()
        data = (
            cast(Message, inner[0]).as_bytes()  # an rfc822 part's payload is a message
            if isinstance(inner, list) and inner
            else (str(inner).encode("utf-8", "replace"))
        )
        attachments.append(
            Attachment(
                _filename(part) or "forwarded message.eml",
                "message/rfc822",
                data,
                text=_safe_inner_text(data, depth + 1),
            )
        )
        return
    if part.is_multipart():
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, Message):
                _walk(sub, body, htmls, attachments, depth=depth)
        return
    disposition = (part.get("content-disposition") or "").split(";")[0].strip().lower()
    filename = _filename(part)
    data = _payload_bytes(part)
    if disposition == "attachment" or (filename and ctype not in ("text/plain", "text/html")):
        name = filename or f"attachment{len(attachments) + 1}"
        text, needs_text = attachment_text(name, data)
        attachments.append(Attachment(name, ctype, data, text=text, needs_text=needs_text))
        return
    if ctype == "text/plain":
        body.append(decode_text(data, part.get_content_charset()))
    elif ctype == "text/html":
        htmls.append(decode_text(data, part.get_content_charset()))
    elif data:
        name = filename or f"attachment{len(attachments) + 1}"
        attachments.append(Attachment(name, ctype, data))


def _safe_inner_text(data: bytes, depth: int) -> str:
    if depth > limits.MAX_FORWARD_DEPTH:
        return ""  # a forward of a forward, many times over: the attachment keeps it all
    try:
        return parse_eml(data, depth=depth).text
    except ExtractionError:
        return ""


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - a broken transfer encoding: keep what is there
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "replace") if isinstance(raw, str) else b""


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - malformed RFC 2231 parameters
        name = None
    if not name:
        return ""
    name = header_text(name).replace("/", "_").replace("\\", "_").strip()
    return clean_text(name)[:200]


def header_text(value: object) -> str:
    """A header as text, decoding RFC 2047 words in any charset; never raises."""
    if value is None:
        return ""
    raw = str(value)
    if _plain(raw):
        return raw
    try:
        chunks = decode_header(raw)
    except (ValueError, email.errors.HeaderParseError):
        return raw
    chunks = [(c, charset_alias(cs)) for c, cs in chunks]
    try:
        return str(make_header(chunks))
    except (LookupError, UnicodeDecodeError, ValueError, email.errors.HeaderParseError):
        # An unknown charset label: decode each piece by guessing.
        return "".join(decode_text(c, cs) if isinstance(c, bytes) else c for c, cs in chunks)


def _plain(raw: str) -> bool:
    """ASCII with no encoded word: decode_header and make_header would give it back as is."""
    return raw.isascii() and "=?" not in raw


def _sender(values: list[str]) -> tuple[str, str]:
    decoded = [header_text(v) for v in values]
    for name, address in addresses(decoded):
        if address and "@" in address:
            return clean_text(name).strip().strip('"'), address.strip().lower()
        if name:
            return clean_text(name).strip(), ""
    return "", ""


def _date(value: object) -> dt.datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(header_text(value))
    except (TypeError, ValueError, IndexError):
        return None


def _message_id(value: object) -> str | None:
    text = header_text(value).strip()
    if not text:
        return None
    m = re.search(r"<[^<>\s]+>", text)
    return (m.group(0) if m else text.split()[0])[:400]


# No "<" inside a tag: "[^>]+" rescans to the end from every "<" of "<<<<…" (quadratic).
_TAGS = re.compile(r"<[^<>]+>")
_BLOCK = re.compile(r"<\s*(br|/p|/div|/tr|/h\d|/li)\b[^<>]*>", re.IGNORECASE)
_HIDDEN_START = re.compile(r"<(script|style|head)\b", re.IGNORECASE)
_HIDDEN_END = {
    name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style", "head")
}


def _without_hidden(markup: str) -> str:
    """Markup without its script, style and head blocks, in one pass: a lazy regex over
    thousands of unclosed <script> tags takes minutes (and cannot be interrupted)."""
    kept: list[str] = []
    at = 0
    while (start := _HIDDEN_START.search(markup, at)) is not None:
        kept.append(markup[at : start.start()])
        end = _HIDDEN_END[start.group(1).lower()].search(markup, start.end())
        if end is None:
            return "".join(kept)  # never closed: the rest is hidden, as a browser hides it
        at = end.end()
    kept.append(markup[at:])
    return "".join(kept)


def html_to_text(markup: str) -> str:
    """Readable text from an HTML-only email: tags dropped, line breaks kept."""
    text = _without_hidden(markup[: limits.MAX_HTML_CHARS])
    text = _BLOCK.sub("\n", text)
    text = html.unescape(_TAGS.sub("", text))
    return re.sub(r"\n{3,}", "\n\n", text)


# --- Outlook ------------------------------------------------------------------

# extract-msg makes a missing plain or HTML body out of the compressed RTF one; that RTF
# unpacks to about eight times its size and its parser takes minutes over a large one.
_PLAIN_BODY = "__substg1.0_1000"
_HTML_BODY = "__substg1.0_10130102"
_RTF_BODY = "__substg1.0_10090102"


def _without_large_rtf(content: bytes) -> bytes:
    """The message with a large RTF body made unreadable to extract-msg, when that body is
    the only text: extract-msg reads it when it opens the file, through a parser that takes
    minutes and gigabytes over a megabyte of RTF. The original file is kept unchanged."""
    import olefile

    try:
        ole = olefile.OleFileIO(content)
    except Exception:  # noqa: BLE001 - extract-msg reports an unreadable file itself
        return content
    try:
        if any(ole.exists(_PLAIN_BODY + t) for t in ("001F", "001E")):
            return content
        name = _RTF_BODY
        if not ole.exists(name) or ole.get_size(name) < ole.minisectorcutoff:
            return content  # a small stream cannot unpack to much
        head = ole.openstream(name).read(16)
        if int.from_bytes(head[4:8], "little") <= limits.MAX_MSG_RTF_BYTES:
            return content
        start = ole.direntries[ole._find(name)].isectStart
        offset = (start + 1) * ole.sectorsize + 8  # COMPTYPE, after COMPSIZE and RAWSIZE
    except Exception:  # noqa: BLE001 - a damaged directory: let extract-msg judge it
        return content
    finally:
        ole.close()
    patched = bytearray(content)
    patched[offset : offset + 4] = b"NONE"  # extract-msg then finds no RTF it can read
    return bytes(patched)


def _msg_body(msg: MSGFile) -> str:
    rtf = getattr(msg, "compressedRtf", None)
    if isinstance(rtf, bytes) and rtf[8:12] == b"NONE":
        plain = msg.getStringStream(_PLAIN_BODY)
        if plain and str(plain).strip():
            return str(plain)
        raw_html = msg.getStream(_HTML_BODY)
        if isinstance(raw_html, bytes):
            return html_to_text(decode_text(raw_html))
        return (
            "[The text of this message is only in its formatted (RTF) part, over "
            f"{limits.MAX_MSG_RTF_BYTES // 1024:,} KB; it was not read. The whole message is "
            "kept with the case.]"
        )
    body = getattr(msg, "body", None) or ""
    if not body.strip():
        raw_html = getattr(msg, "htmlBody", None)
        if isinstance(raw_html, bytes):
            body = html_to_text(decode_text(raw_html))
    return str(body)


def parse_msg(content: bytes) -> Extracted:
    """An Outlook .msg (an OLE compound file) read with extract-msg."""
    if not content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ExtractionError("not an Outlook message: the file is not an OLE compound file")
    import logging

    import extract_msg

    logging.getLogger("extract_msg").setLevel(logging.CRITICAL)
    try:
        msg = extract_msg.openMsg(_without_large_rtf(content))
    except Exception as exc:  # extract-msg raises many kinds on broken files
        raise ExtractionError(f"unreadable Outlook message ({type(exc).__name__}: {exc})") from exc
    try:
        body = _msg_body(msg)
        sender = header_text(getattr(msg, "sender", "") or "")
        name, address = _sender([sender]) if sender else ("", "")
        if not address:
            address = str(getattr(msg, "senderEmail", "") or "").lower()
        sent = getattr(msg, "date", None)
        attachments: list[Attachment] = []
        for att in getattr(msg, "attachments", []) or []:
            data = getattr(att, "data", None)
            if not isinstance(data, bytes):
                continue  # embedded messages and links: the original .msg keeps them
            filename = (
                str(getattr(att, "longFilename", None) or getattr(att, "shortFilename", None) or "")
                or f"attachment{len(attachments) + 1}"
            )
            text, needs_text = attachment_text(filename, data)
            attachments.append(
                Attachment(
                    filename,
                    str(getattr(att, "mimetype", None) or "application/octet-stream"),
                    data,
                    text=text,
                    needs_text=needs_text,
                )
            )
        return Extracted(
            text=clean_text(limits.cap_text(body)),
            media_type=MEDIA_TYPES[".msg"],
            # A mail .msg opens as a Message; any other kind fails here as unreadable.
            subject=clean_text(str(msg.subject or "")).replace("\n", " "),  # type: ignore[attr-defined]
            sender_name=name,
            sender_email=address,
            sent_at=sent if isinstance(sent, dt.datetime) else None,
            message_id=_message_id(getattr(msg, "messageId", None)),
            attachments=tuple(attachments),
        )
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError(f"unreadable Outlook message ({type(exc).__name__}: {exc})") from exc
    finally:
        try:
            msg.close()
        except Exception:  # noqa: BLE001 - closing a half-read file must not mask the result
            pass
