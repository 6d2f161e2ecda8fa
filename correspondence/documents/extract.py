"""Which reader a file needs, by its suffix: plain text, Word and PDF in `file_text`, mail in
`mail`, scans by OCR.

Pure functions over bytes: no database, no Qt. Each format either returns an
`Extracted` or raises `ExtractionError` with a message written for the person
at the desk ("not a Word document: …"), never a bare library traceback. What the
text then says about the letter is read by `letter_clues` and `letter_reading`.
"""

from __future__ import annotations

from collections.abc import Callable

from correspondence.documents.errors import ExtractionError
from correspondence.documents.file_text import (
    MEDIA_TYPES,
    Extracted,
    clean_text,
    pdf_text,
    read_plain,
    suffix_of,
)
from correspondence.documents.ocr import IMAGE_SUFFIXES


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
    if suffix in (".txt", ".docx"):
        return read_plain(suffix, content)
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
