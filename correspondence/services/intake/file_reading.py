"""Reading one import file, before anything is stored: the size and time limits, the reader
its type needs, what it says as a letter, and why a file could not be read.

Needs no database, so it runs in the importer or in a worker process alike (`parse_chunk`);
it imports none either, so a worker process starts quickly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from correspondence.documents import limits
from correspondence.documents.errors import ExtractionError
from correspondence.documents.extract import extract
from correspondence.documents.file_text import SUPPORTED_SUFFIXES, Extracted, suffix_of
from correspondence.documents.letter_clues import Letterhead
from correspondence.documents.letter_reading import MAIL_SUFFIXES, read_letter
from correspondence.documents.ocr import IMAGE_SUFFIXES
from correspondence.services.errors import FileRefused, ServiceError
from correspondence.services.intake import intake_workers

if TYPE_CHECKING:
    from correspondence.services.campaigns.campaign_prints import LetterPrint

DEFAULT_MAX_FILE_MB = 50
ENV_MAX_FILE_MB = "CORRESPONDENCE_IMPORT_MAX_MB"

Progress = Callable[[int, int, str], None]  # (files done, files in all, current path)
ShouldCancel = Callable[[], bool]


def default_max_file_bytes() -> int:
    """The per-file size limit: $CORRESPONDENCE_IMPORT_MAX_MB, else 50 MB."""
    raw = os.environ.get(ENV_MAX_FILE_MB, "")
    try:
        mb = float(raw) if raw else DEFAULT_MAX_FILE_MB
    except ValueError:
        mb = DEFAULT_MAX_FILE_MB
    return int(mb * 1024 * 1024)


@dataclass
class Reading:
    """What reading needs, the same for every file of one import."""

    today: dt.date
    max_bytes: int
    should_cancel: ShouldCancel | None = None  # also stops OCR of a long scan between pages
    page_progress: Progress | None = None  # a scan's pages, told as the file in hand


@dataclass
class ParsedFile:
    """One file read and understood, before anything is stored."""

    path: Path
    content: bytes
    sha: str
    got: Extracted
    text: str
    needs_text: bool
    sender: Letterhead  # who it seems to be from
    received_on: dt.date
    channel: str
    summary: str
    # Worked out beside the reading in a worker process (letter_sense), or when stored.
    themes: list[tuple[str, float]] | None = None  # (code, score) to suggest
    letter_print: LetterPrint | None = None  # for campaign grouping


class NeedsOcr(Exception):
    """A worker leaves a scan to the importer, where cancel and page progress reach it."""


def parse_file(reading: Reading, path: Path, *, ocr: bool = True) -> ParsedFile:
    """Read and understand one file; raises FileRefused or ExtractionError with the reason."""
    name = path.name
    suffix = suffix_of(name)
    if suffix not in SUPPORTED_SUFFIXES:
        raise FileRefused(
            f"unsupported file type {suffix or '(no extension)'}: "
            "import .eml, .msg, .txt, .docx, .pdf or scanned .png, .jpg and .tif files"
        )
    info = path.stat()
    _check_size(name, info.st_size, reading.max_bytes)
    if suffix in MAIL_SUFFIXES and info.st_size > limits.MAX_MAIL_BYTES:
        raise FileRefused(
            f"an email of {info.st_size / 1_048_576:.1f} MB, over the "
            f"{limits.MAX_MAIL_BYTES / 1_048_576:g} MB that mail servers carry: save its "
            "attachments and import them as files"
        )
    # OCR takes seconds a page, so a scan has its own budget; reading text keeps the tight one.
    picture = suffix in IMAGE_SUFFIXES
    if picture and not ocr:
        raise NeedsOcr(name)
    with limits.time_limit(limits.MAX_SECONDS_PER_SCAN if picture else limits.MAX_SECONDS_PER_FILE):
        content = limits.read_capped(path, reading.max_bytes)
        got = extract(
            name, content, ocr=picture, should_cancel=reading.should_cancel,
            progress=reading.page_progress,
        )  # fmt: skip
    if suffix == ".pdf" and got.needs_text:
        if not ocr:
            raise NeedsOcr(name)
        with limits.time_limit(limits.MAX_SECONDS_PER_SCAN):  # a PDF without text: a scan
            got = extract(
                name, content, should_cancel=reading.should_cancel, progress=reading.page_progress
            )
    for att in got.attachments:
        _check_size(f"attachment {att.filename!r}", len(att.content), reading.max_bytes)
    letter = read_letter(name, got, mtime=info.st_mtime, today=reading.today)
    return ParsedFile(
        path=path,
        content=content,
        sha=hashlib.sha256(content).hexdigest(),
        got=got,
        text=letter.text,
        needs_text=letter.needs_text,
        sender=letter.sender,
        received_on=letter.received_on,
        channel=letter.channel,
        summary=letter.summary,
    )


def _check_size(what: str, size: int, limit: int) -> None:
    if size > limit:
        raise FileRefused(
            f"{what} is {size / 1_048_576:.1f} MB, over the {limit / 1_048_576:g} MB limit "
            "for one file (the import size limit; CORRESPONDENCE_IMPORT_MAX_MB changes it)"
        )


def failure_reason(exc: Exception) -> str:
    """Why a file could not be read, the same words in a worker as in the importer."""
    if isinstance(exc, (ExtractionError, ServiceError)):  # FileRefused is a ServiceError
        return str(exc) or type(exc).__name__
    if isinstance(exc, OSError):
        return f"could not read the file ({exc.strerror or exc})"
    if isinstance(exc, (MemoryError, RecursionError)):
        return "the file is too large or too deeply nested to read"
    return f"unexpected {type(exc).__name__}: {exc}"


# Set in a worker process when it starts (letter_sense.start_worker): what else it works
# out of each letter it reads, so the importer's one stream has only to write.
after_parse: Callable[[ParsedFile], None] | None = None


def parse_chunk(paths: list[Path], today: dt.date, max_bytes: int) -> list[intake_workers.Outcome]:
    """In the worker: parse each file; a file that needs OCR is left to the importer."""
    reading = Reading(today=today, max_bytes=max_bytes)
    out: list[intake_workers.Outcome] = []
    for path in paths:
        try:
            parsed = parse_file(reading, path, ocr=False)
            if after_parse is not None:
                try:
                    after_parse(parsed)
                except Exception:  # noqa: BLE001, S110 - left to the importer, which reports it
                    pass
            out.append((path, parsed, None, False))
        except NeedsOcr:
            out.append((path, None, None, True))
        except Exception as exc:  # noqa: BLE001 - the reason travels back, the rest go on
            out.append((path, None, failure_reason(exc), False))
    return out
