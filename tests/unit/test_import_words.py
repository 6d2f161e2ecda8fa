"""Import failures are said in office English; the readers' words stay for IT."""

from __future__ import annotations

import pytest

from correspondence.services.intake.import_words import plain_failure


@pytest.mark.parametrize(
    ("reader", "starts"),
    [
        ("corrupt PDF (PdfStreamError: Stream has ended unexpectedly)", "The PDF is damaged"),
        ("not a PDF: the file does not start with %PDF", "The PDF is damaged"),
        ("the PDF is password-protected", "The PDF is protected with a password"),
        ("corrupt Word document (BadZipFile: File is not a zip file)", "The Word document"),
        ("could not store it (IntegrityError: UNIQUE constraint failed)", "The file was read"),
        ("could not read the file (Permission denied)", "The file could not be opened"),
        ("unexpected RecursionError: maximum recursion depth", "Something went wrong"),
        ("unsupported file type .xls: import .eml, .msg, .txt, .docx or .pdf files", "Unsupported"),
    ],
)
def test_reader_text_becomes_an_office_sentence(reader: str, starts: str) -> None:
    said = plain_failure(reader)
    assert said.startswith(starts)
    assert not any(word in said for word in ("Error", "Exception", "BadZipFile"))
