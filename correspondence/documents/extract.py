"""Text out of the files people send: plain text, Word, PDF (and mail via `mail.py`).

Pure functions over bytes: no database, no Qt. Each format either returns an
`Extracted` or raises `ExtractionError` with a message written for the person
at the desk ("not a Word document: …"), never a bare library traceback.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

from correspondence.documents.ocr import IMAGE_MEDIA_TYPES, IMAGE_SUFFIXES, OcrResult
from correspondence.documents.textclean import clean_for_word

# Scans (.png .jpg .tif, and PDFs without text) are read by OCR: see documents/ocr.py.
SUPPORTED_SUFFIXES = frozenset({".eml", ".msg", ".txt", ".docx", ".pdf"} | IMAGE_SUFFIXES)

MEDIA_TYPES = {
    ".eml": "message/rfc822",
    ".msg": "application/vnd.ms-outlook",
    ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
    **IMAGE_MEDIA_TYPES,
}


class ExtractionError(Exception):
    """The file cannot be read as what its name says it is."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    media_type: str
    content: bytes
    text: str = ""
    needs_text: bool = False


@dataclass(frozen=True)
class Extracted:
    """What a file says, as plain values; mail fields are empty for letters."""

    text: str
    media_type: str
    needs_text: bool = False
    subject: str = ""
    sender_name: str = ""
    sender_email: str = ""
    sent_at: dt.datetime | None = None
    message_id: str | None = None
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    ocr: OcrResult | None = None  # set when the text was read from a scan


def suffix_of(filename: str) -> str:
    return PurePath(filename).suffix.lower()


def extract(
    filename: str,
    content: bytes,
    *,
    ocr: bool = True,
    should_cancel: Callable[[], bool] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Extracted:
    """Extract text (and, for mail, headers and attachments) according to the file's suffix.

    A scan (a picture, or a PDF without text) is read by OCR when ``ocr`` and Tesseract
    is installed; otherwise it is kept with ``needs_text``. ``should_cancel`` stops a
    long OCR between pages (raising ``OcrCancelled``); ``progress`` hears of each page.
    """
    suffix = suffix_of(filename)
    if suffix in IMAGE_SUFFIXES:
        return _scan(filename, content, MEDIA_TYPES[suffix], ocr, should_cancel, progress)
    if suffix == ".eml":
        from correspondence.documents import mail

        return mail.parse_eml(content)
    if suffix == ".msg":
        from correspondence.documents import mail

        return mail.parse_msg(content)
    if suffix == ".txt":
        return Extracted(text=clean_text(decode_text(content)), media_type=MEDIA_TYPES[suffix])
    if suffix == ".docx":
        return Extracted(text=clean_text(docx_text(content)), media_type=MEDIA_TYPES[suffix])
    if suffix == ".pdf":
        text = clean_text(pdf_text(content))
        if not text.strip():
            return _scan(filename, content, MEDIA_TYPES[suffix], ocr, should_cancel, progress)
        return Extracted(text=text, media_type=MEDIA_TYPES[suffix], needs_text=not text.strip())
    raise ExtractionError(
        f"unsupported file type {suffix or '(no extension)'}: "
        "import .eml, .msg, .txt, .docx, .pdf or scanned .png, .jpg and .tif files"
    )


def _scan(
    filename: str,
    content: bytes,
    media_type: str,
    ocr: bool,
    should_cancel: Callable[[], bool] | None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Extracted:
    """A scanned letter: its words read by OCR, or kept as "needs text" when it cannot be."""
    from correspondence.documents import ocr as reader

    if not ocr or not reader.available():
        return Extracted(text="", media_type=media_type, needs_text=True)
    try:
        result = reader.read_scan(filename, content, should_cancel=should_cancel, progress=progress)
    except reader.OcrCancelled:
        raise
    except reader.OcrError as exc:
        raise ExtractionError(str(exc)) from exc
    text = clean_text(result.text)
    return Extracted(text=text, media_type=media_type, needs_text=not text.strip(), ocr=result)


def attachment_text(filename: str, content: bytes) -> tuple[str, bool]:
    """Text of an attachment, best effort: a broken attachment never sinks its email.

    Returns (text, needs_text); needs_text is True when a readable format held no text.
    """
    suffix = suffix_of(filename)
    if suffix not in (".txt", ".docx", ".pdf"):
        return "", False
    try:
        got = extract(filename, content, ocr=False)
    except ExtractionError:
        return "", False
    return got.text, got.needs_text


# --- plain text ---------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


_ASCII_LABELS = frozenset({"us-ascii", "ascii", "ansi_x3.4-1968"})
_LATIN1_LABELS = frozenset({"iso-8859-1", "iso8859-1", "iso_8859-1", "latin-1", "latin1", "l1"})


def charset_alias(label: str | None) -> str | None:
    """The codec to use for a declared charset (Latin-1 read as its superset cp1252)."""
    if label and label.strip().lower() in _LATIN1_LABELS:
        return "cp1252"
    return label


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Bytes to text: a BOM wins, then a declared charset, then UTF-8, then Windows-1252."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    label = (declared or "").strip().lower()
    if label in _ASCII_LABELS:
        label = ""  # "us-ascii" mail often carries 8-bit text: guess instead
    elif label in _LATIN1_LABELS:
        label = "cp1252"  # as browsers do: 0x80-0x9F are Windows punctuation in practice
    if label:
        try:
            return data.decode(label)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown label is common in mail; fall through to guessing
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; "replace" keeps those as U+FFFD.
        return data.decode("cp1252", errors="replace")


def clean_text(text: str) -> str:
    """Normalise line endings, drop what Word cannot store, trim trailing blank space."""
    lines = [line.rstrip() for line in clean_for_word(text).split("\n")]
    return "\n".join(lines).strip("\n")


# --- Word ---------------------------------------------------------------------


def docx_text(data: bytes) -> str:
    """Paragraphs and table cells of a .docx, in document order."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ExtractionError(
            "corrupt or not a Word document: the file is not a valid .docx (zip) package"
        )
    import docx  # python-docx; imported late, it is slow to load
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ExtractionError(f"not a readable Word document ({exc})") from exc
    except Exception as exc:  # lxml and zip errors have many shapes
        raise ExtractionError(f"corrupt Word document ({type(exc).__name__}: {exc})") from exc
    parts: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            parts.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = [
                        "".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t"))
                        for cell in row
                        if cell.tag.endswith("}tc")
                    ]
                    parts.append("\t".join(cells))
    return "\n".join(parts)


# --- PDF ----------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF; "" for a scan with no text (the caller flags it)."""
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise ExtractionError("not a PDF: the file does not start with %PDF")
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    # pypdf logs (and warns about) every recoverable defect; we only want the outcome.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    if not reader.decrypt(""):
                        raise ExtractionError("the PDF is password-protected")
                except (NotImplementedError, DependencyError) as exc:
                    raise ExtractionError(f"the PDF is encrypted ({exc})") from exc
            pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise ExtractionError(f"corrupt PDF ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # pypdf raises many shapes on broken input
        raise ExtractionError(f"corrupt PDF ({type(exc).__name__}: {exc})") from exc
    return "\n\n".join(p.strip("\n") for p in pages)


# --- what a letter says about itself --------------------------------------------

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        )
    )
    for name in names
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+(\d{{4}})\b", re.IGNORECASE
)
_MONTH_DAY_YEAR = re.compile(
    rf"\b{_MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE
)
_NUMERIC = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")  # UK order: day/month/year
_RECEIVED = re.compile(r"\breceived\b[:\s]*", re.IGNORECASE)


def _dates_in(text: str) -> list[tuple[int, dt.date]]:
    found: list[tuple[int, dt.date]] = []
    for m in _DAY_MONTH_YEAR.finditer(text):
        _add(found, m.start(), int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    for m in _MONTH_DAY_YEAR.finditer(text):
        _add(found, m.start(), int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
    for m in _NUMERIC.finditer(text):
        _add(found, m.start(), int(m.group(3)), int(m.group(2)), int(m.group(1)))
    found.sort(key=lambda pair: pair[0])
    return found


def _add(found: list[tuple[int, dt.date]], pos: int, y: int, m: int, d: int) -> None:
    try:
        found.append((pos, dt.date(y, m, d)))
    except ValueError:
        pass  # "31 February" and the like are not dates


def find_date(
    text: str, *, not_after: dt.date, not_before: dt.date = dt.date(1990, 1, 1)
) -> dt.date | None:
    """The date a letter was received or written, from its text.

    A "RECEIVED 04 FEB 2009" stamp wins; otherwise the first plausible date
    in the letter (a letter's date sits near its top). Dates in the future
    or before `not_before` are ignored.
    """
    head = text[:20000]  # a date worth having is near the top; bounded work on huge files
    dates = [(pos, d) for pos, d in _dates_in(head) if not_before <= d <= not_after]
    if not dates:
        return None
    for m in _RECEIVED.finditer(head):
        for pos, d in dates:
            if m.end() <= pos <= m.end() + 3:
                return d
    return dates[0][1]


POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b")
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def normalise_postcode(text: str) -> str:
    m = POSTCODE.search(text.upper())
    return f"{m.group(1)} {m.group(2)}" if m else ""


_CLOSINGS = re.compile(
    r"^\s*(yours\s+(sincerely|faithfully|truly|ever|respectfully)|kind\s+regards|"
    r"best\s+wishes|best\s+regards|regards|many\s+thanks|with\s+thanks)\b.*$",
    re.IGNORECASE,
)
# Two to six capitalised words, letters of any alphabet: "José Ferreira", "Dennis O’Hara".
_NAME_LINE = re.compile(r"^[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){0,5}$")


@dataclass(frozen=True)
class Letterhead:
    """Who a letter seems to be from, read off its signature block and top lines."""

    name: str = ""
    address_lines: tuple[str, ...] = ()
    postcode: str = ""
    email: str = ""


def read_letterhead(text: str) -> Letterhead:
    """Best-effort sender details: the name under the sign-off, the address above "Dear"."""
    lines = [line.strip() for line in text[:20000].split("\n")]
    name = ""
    for i in range(len(lines) - 1, -1, -1):
        if _CLOSINGS.match(lines[i]):
            for candidate in lines[i + 1 : i + 5]:
                if (
                    candidate
                    and candidate[0].isupper()
                    and _NAME_LINE.match(candidate)
                    and len(candidate) <= 60
                ):
                    name = candidate
                    break
            break
    address: list[str] = []
    postcode = ""
    top = lines[:25]
    for i, line in enumerate(top):
        if line.lower().startswith("dear "):
            break
        m = POSTCODE.search(line.upper())
        if m:
            postcode = f"{m.group(1)} {m.group(2)}"
            # The address is the run of short lines ending at the postcode.
            start = i
            while start > 0 and top[start - 1] and len(top[start - 1]) < 60:
                start -= 1
            address = [x for x in top[start:i] if x]
            before = line[: m.start()].strip(" ,")
            if before:
                address.append(before)
            break
    email_match = EMAIL.search(text[:20000])
    return Letterhead(
        name=name,
        address_lines=tuple(address),
        postcode=postcode,
        email=email_match.group(0).lower() if email_match else "",
    )


def summary_line(text: str, limit: int = 140) -> str:
    """A one-line summary: the first sentence of the body after the salutation."""
    lines = [line.strip() for line in text.split("\n")]
    body_start = 0
    for i, line in enumerate(lines[:40]):
        if line.lower().startswith("dear "):
            body_start = i + 1
            break
    body = " ".join(line for line in lines[body_start:] if line)
    sentence = re.split(r"(?<=[.!?])\s", body, maxsplit=1)[0] if body else ""
    if len(sentence) > limit:
        sentence = sentence[: limit - 1].rsplit(" ", 1)[0] + "…"
    return sentence
