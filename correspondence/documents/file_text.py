"""Text out of files, without OCR: the result types, plain text in any charset, Word and
PDF, and the text of an email's attachments. Beneath both `extract` (which picks a reader
by suffix) and `mail` (which reads attachments with it)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from lxml import etree

from correspondence.documents import limits
from correspondence.documents.errors import ExtractionError
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


def read_plain(suffix: str, content: bytes) -> Extracted:
    """A .txt, .docx or .pdf file's text as it stands (a PDF with no text needs OCR)."""
    if suffix == ".txt":
        # Decoding is cut at what the kept text can hold (UTF-8 needs at most 4 bytes a
        # character); the whole file stays as the case's document.
        text = decode_text(_whole_characters(content[: limits.MAX_LETTER_CHARS * 4]))
        return Extracted(text=clean_text(limits.cap_text(text)), media_type=MEDIA_TYPES[suffix])
    if suffix == ".docx":
        return Extracted(text=clean_text(docx_text(content)), media_type=MEDIA_TYPES[suffix])
    text = clean_text(pdf_text(content))
    return Extracted(text=text, media_type=MEDIA_TYPES[".pdf"], needs_text=not text.strip())


def attachment_text(filename: str, content: bytes) -> tuple[str, bool]:
    """Text of an attachment, best effort: a broken attachment never sinks its email.

    Returns (text, needs_text); needs_text is True when a readable format held no text.
    """
    suffix = suffix_of(filename)
    if suffix not in (".txt", ".docx", ".pdf"):
        return "", False
    try:
        got = read_plain(suffix, content)
    except limits.LimitExceeded as exc:
        # Said in the letter's text, so whoever reads the case knows to open the original.
        return f"[This attachment was not read: {exc}]", False
    except (ExtractionError, RecursionError):
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


def _whole_characters(data: bytes) -> bytes:
    """`data` without a UTF-8 character cut in two at its end (so a cut stays UTF-8)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # not a continuation byte: the start of the last character
            needed = 2 if byte >> 5 == 0b110 else 3 if byte >> 4 == 0b1110 else 4
            return data[:-back] if byte >= 0xC0 and back < needed else data
    return data


def clean_text(text: str) -> str:
    """Normalise line endings, drop what Word cannot store, trim trailing blank space."""
    lines = [line.rstrip() for line in clean_for_word(text).split("\n")]
    return "\n".join(lines).strip("\n")


# --- Word ---------------------------------------------------------------------


def docx_text(data: bytes) -> str:
    """Paragraphs and table cells of a .docx, in document order.

    The main part is unpacked as a stream and parsed as it arrives, keeping only what is
    being read: a part that unpacks beyond the limit is refused, and text beyond the
    letter limit is cut, so a zip bomb costs neither memory nor minutes."""
    try:
        return _docx_text(data)
    except ExtractionError:
        raise
    except Exception as exc:  # zip and XML damage have many shapes
        raise ExtractionError(f"corrupt Word document ({type(exc).__name__}: {exc})") from exc


def _declared_members(data: bytes) -> int | None:
    """How many parts a zip says it holds, read from its end record before the zip module
    builds an object for each (a package of a million empty parts costs memory)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 12 > len(data):
        return None
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    return None if count == 0xFFFF else count


def _docx_text(data: bytes) -> str:
    declared = _declared_members(data)
    if declared is not None and declared > limits.MAX_ZIP_MEMBERS:
        raise limits.LimitExceeded(
            f"the Word document holds {declared:,} parts, "
            f"over the limit of {limits.MAX_ZIP_MEMBERS:,}"
        )
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ExtractionError(
            "corrupt or not a Word document: the file is not a valid .docx (zip) package"
        ) from exc
    with package:
        members = package.infolist()
        if len(members) > limits.MAX_ZIP_MEMBERS:
            raise limits.LimitExceeded(
                f"the Word document holds {len(members):,} parts, "
                f"over the limit of {limits.MAX_ZIP_MEMBERS:,}"
            )
        name = _main_part(package)
        try:
            declared = package.getinfo(name).file_size
        except KeyError as exc:
            raise ExtractionError(f"not a readable Word document (no {name})") from exc
        if declared > limits.MAX_UNPACKED_BYTES:
            raise limits.LimitExceeded(
                f"the Word document unpacks to {declared / 1_048_576:,.0f} MB, over the "
                f"{limits.MAX_UNPACKED_BYTES / 1_048_576:g} MB limit (a compressed bomb, "
                "or not a letter)"
            )
        try:
            stream = package.open(name)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError) as exc:
            raise ExtractionError(f"corrupt Word document ({exc})") from exc
        with stream:
            reader = limits.CappedReader(stream, limits.MAX_UNPACKED_BYTES, "the Word document")
            try:
                return "\n".join(_docx_paragraphs(reader))
            except limits.LimitExceeded:
                raise
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as exc:
                raise ExtractionError(f"corrupt Word document ({exc})") from exc
            except etree.LxmlError as exc:
                raise ExtractionError(f"corrupt Word document (XML: {exc})") from exc


_OFFICE_DOCUMENT = "/officeDocument"


def _main_part(package: zipfile.ZipFile) -> str:
    """Where the package's relationships say the document is (usually word/document.xml)."""
    try:
        with package.open("_rels/.rels") as f:
            rels = etree.fromstring(
                f.read(1024 * 1024), etree.XMLParser(resolve_entities=False, no_network=True)
            )
    except Exception:  # noqa: BLE001 - damaged relationships: look where Word puts it
        return "word/document.xml"
    for rel in rels:
        if str(rel.get("Type", "")).endswith(_OFFICE_DOCUMENT) and rel.get("Target"):
            return str(rel.get("Target")).lstrip("/")
    return "word/document.xml"


def _local(tag: object) -> str:
    # Comments, processing instructions and entities have no string tag.
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _docx_paragraphs(stream: limits.CappedReader) -> Iterator[str]:
    """Body paragraphs, and table rows as tab-separated cells, read as a stream."""
    cells: list[list[str]] = []  # text of the table cells being read, innermost last
    rows: list[list[str]] = []  # cells of the table rows being read, innermost last
    paragraph: list[str] = []
    kept = 0
    parser = etree.iterparse(
        stream, events=("start", "end"), resolve_entities=True, no_network=True, load_dtd=False
    )
    for event, element in parser:
        tag = _local(element.tag)
        if event == "start":
            if tag == "tc":
                cells.append([])
            elif tag == "tr":
                rows.append([])
            elif tag == "p" and not cells:
                paragraph = []
            continue
        if tag == "t":
            text = element.text or ""
            (cells[-1] if cells else paragraph).append(text)
            kept += len(text)
        elif tag == "tc" and cells:
            cell = "".join(cells.pop())
            if rows:
                rows[-1].append(cell)
        elif tag == "tr" and rows:
            yield "\t".join(rows.pop())
        elif tag == "p" and not cells:
            yield "".join(paragraph)
            paragraph = []
        if kept > limits.MAX_LETTER_CHARS:
            yield limits.TRUNCATED_NOTE.format(limit=limits.MAX_LETTER_CHARS)
            return
        # Keep only the path being read: what has been read is dropped.
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]


# --- PDF ----------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF; "" for a scan with no text (the caller flags it)."""
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise ExtractionError("not a PDF: the file does not start with %PDF")
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    _PDF_LIMIT = _pdf_limit_error()  # noqa: N806 - a class, named as one

    # pypdf logs (and warns about) every recoverable defect; we only want the outcome.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    try:
        with warnings.catch_warnings(), _pdf_limits():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    if not reader.decrypt(""):
                        raise ExtractionError("the PDF is password-protected")
                except (NotImplementedError, DependencyError) as exc:
                    raise ExtractionError(f"the PDF is encrypted ({exc})") from exc
            count = len(reader.pages)
            if count > limits.MAX_PDF_PAGES:
                raise limits.LimitExceeded(
                    f"the PDF has {count:,} pages, over the limit of {limits.MAX_PDF_PAGES:,}"
                )
            pages: list[str] = []
            kept = 0
            for page in reader.pages:
                pages.append(page.extract_text() or "")
                kept += len(pages[-1])
                if kept > limits.MAX_LETTER_CHARS:
                    break  # the text is cut here; the whole PDF is kept
    except ExtractionError:
        raise
    except _PDF_LIMIT as exc:
        raise limits.LimitExceeded(
            f"the PDF unpacks beyond the {limits.MAX_PDF_STREAM_BYTES / 1_048_576:g} MB or "
            f"{limits.MAX_PDF_STREAM_TOKENS:,} drawing commands one part may hold "
            f"(a compressed bomb, or not a letter: {exc})"
        ) from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise ExtractionError(f"corrupt PDF ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # pypdf raises many shapes on broken input
        raise ExtractionError(f"corrupt PDF ({type(exc).__name__}: {exc})") from exc
    return limits.cap_text("\n\n".join(p.strip("\n") for p in pages))


def _pdf_limit_error() -> type[Exception]:
    from pypdf import errors

    found = getattr(errors, "LimitReachedError", None)
    return found if isinstance(found, type) else _NeverRaised


class _NeverRaised(Exception):
    """Stands in for pypdf's LimitReachedError where pypdf has none."""


def _pdf_limits() -> contextlib.AbstractContextManager[object]:
    """pypdf's own limits, tightened to what a letter needs: a page's text is a few
    kilobytes, and a 200 KB PDF can otherwise unpack to 75 MB of drawing commands that take
    minutes and hundreds of megabytes to read (pypdf 7 and later; older ones keep theirs)."""
    import pypdf

    apply = getattr(pypdf, "apply_configuration", None)
    if apply is None:
        return contextlib.nullcontext()
    stream = limits.MAX_PDF_STREAM_BYTES
    return apply(
        zlib_maximum_output_length=stream,
        lzw_maximum_output_length=stream,
        run_length_maximum_output_length=stream,
        brotli_maximum_output_length=stream,
        stream_parsing_work_maximum_count=limits.MAX_PDF_STREAM_TOKENS,
    )
