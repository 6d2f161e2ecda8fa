"""Why a file was not imported, in words an office reads.

The readers report what went wrong for whoever maintains them ("corrupt PDF
(PdfStreamError: Stream has ended unexpectedly)"); the officer who imported the post
needs what it means and what to do. The readers' own text stays as the detail for IT.
"""

from __future__ import annotations

import re

# (pattern on the reader's text, the sentence for the office). First match wins.
_SENTENCES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), sentence)
    for pattern, sentence in (
        (
            r"password|encrypt",
            "The PDF is protected with a password, so its text could not be read. "
            "Ask the sender for an unprotected copy, or print and scan it.",
        ),
        (
            r"^corrupt PDF|^not a PDF",
            "The PDF is damaged or incomplete, so its text could not be read. "
            "Ask the sender for a fresh copy, or scan the paper letter.",
        ),
        (
            r"Word document",
            "The Word document is damaged or is not really a Word file, so it could not be "
            "opened. Ask the sender for a fresh copy, or open it in Word and save it again.",
        ),
        (
            r"^could not store it",
            "The file was read but could not be saved: the database was busy or refused it. "
            "Import this file again; if it fails again, tell IT support.",
        ),
        (
            r"^could not read the file",
            "The file could not be opened: it may have been moved, or you may not have "
            "permission to read it. Check the file and import it again.",
        ),
        (
            r"^unexpected ",
            "Something went wrong reading this file, so it was left out (the other files "
            "were imported). Keep the file and tell IT support.",
        ),
        (
            r"(Error|Exception)\b",
            "This file could not be read, so it was left out. Keep the file and tell IT support.",
        ),
    )
)


def plain_failure(reader_text: str) -> str:
    """The office's sentence for a failed file; already-plain reasons are kept as they are
    (an unsupported file type, a file over the size limit)."""
    for pattern, sentence in _SENTENCES:
        if pattern.search(reader_text):
            return sentence
    text = reader_text.strip()
    return text[:1].upper() + text[1:] if text else "This file could not be read."
