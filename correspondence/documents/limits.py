"""What one imported file may cost: bytes read, bytes unpacked, text kept, and time.

A file over a limit is refused with a reason naming the limit (or, for text, cut short
with the original kept), so one hostile or unlucky file never stops the files after it.
Every limit is far beyond any letter a private office receives.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from correspondence.documents.errors import ExtractionError

# Text kept as a case's letter text (about 250 pages); the whole file stays as a document.
MAX_LETTER_CHARS = 500_000
# What a Word document's XML parts may unpack to; a 1 MB .docx can claim a gigabyte.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
# An email, attachments and all: what mail servers carry (parsing mail costs memory
# several times its size, so this is lower than the limit for other files).
MAX_MAIL_BYTES = 25 * 1024 * 1024
# An Outlook message's RTF body, unpacked, read only when it is the only text there is
# (extract-msg's RTF parser takes about a minute a megabyte).
MAX_MSG_RTF_BYTES = 64 * 1024
# Parts of one zip package and pages of one PDF: beyond these, nobody wrote a letter.
MAX_ZIP_MEMBERS = 5_000
MAX_PDF_PAGES = 1_000
# What one PDF stream may unpack to, and the drawing commands one page may hold.
MAX_PDF_STREAM_BYTES = 8 * 1024 * 1024
MAX_PDF_STREAM_TOKENS = 500_000
# Text an HTML-only email may hold before its tags are stripped (stripping is not linear).
MAX_HTML_CHARS = 4 * MAX_LETTER_CHARS
# How deep forwarded messages inside forwarded messages are read for their text.
MAX_FORWARD_DEPTH = 10
# Seconds one file may take to read; pure-Python parsers are interrupted when it passes.
MAX_SECONDS_PER_FILE = 20.0
# A scan (an image, or a PDF that may need OCR) up to ocr.MAX_PAGES pages; each page's OCR
# also has its own timeout, and the import can be cancelled between pages.
MAX_SECONDS_PER_SCAN = 15 * 60.0

TRUNCATED_NOTE = (
    "\n\n[The text stops here: the file holds more than {limit:,} characters. "
    "The whole file is kept with the case.]"
)


class LimitExceeded(ExtractionError):
    """A file is over one of the limits above; the message names it."""


class FileTimedOut(LimitExceeded):
    """A file took longer than its time limit to read."""


class _OutOfTime(BaseException):
    """Delivered into the parser's thread; a BaseException so `except Exception` in a
    library cannot swallow it (as KeyboardInterrupt is not swallowed)."""


def cap_text(text: str, limit: int = MAX_LETTER_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + TRUNCATED_NOTE.format(limit=limit)


def read_capped(path: Path, limit: int) -> bytes:
    """The file's bytes, refused once more than `limit` have been read (streamed: a file
    that grows, or a device that never ends, costs no more than the limit)."""
    with path.open("rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise LimitExceeded(
            f"the file is over the {limit / 1_048_576:g} MB limit for one file "
            "(set CORRESPONDENCE_IMPORT_MAX_MB or --max-mb to change it)"
        )
    return data


class CappedReader(io.RawIOBase):
    """A stream that refuses to give more than `limit` bytes in all (for unpacking)."""

    def __init__(self, stream: IO[bytes], limit: int, what: str):
        self._stream = stream
        self._left = limit
        self._limit = limit
        self._what = what

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        want = self._left + 1 if size is None or size < 0 else min(size, self._left + 1)
        data = self._stream.read(want)
        self._left -= len(data)
        if self._left < 0:
            raise LimitExceeded(
                f"{self._what} unpacks to more than {self._limit / 1_048_576:g} MB "
                "(a compressed bomb, or not a letter)"
            )
        return data

    # io passes a bytearray or a memoryview; typeshed's base takes any buffer.
    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Watchdog:
    """One thread for every time limit in the process: entering and leaving a limit costs
    a dictionary entry, not a thread per file (imports read thousands of files)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deadlines: dict[int, tuple[int, float]] = {}  # token -> (thread id, deadline)
        self._fired: set[int] = set()
        self._next = 0
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float) -> int:
        with self._lock:
            self._next += 1
            token = self._next
            self._deadlines[token] = (threading.get_ident(), time.monotonic() + seconds)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="time limits", daemon=True)
                self._thread.start()
            return token

    def disarm(self, token: int) -> None:
        with self._lock:
            entry = self._deadlines.pop(token, None)
            if token in self._fired and entry is not None:
                # One may still be pending: it must never land after the limit is left.
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(entry[0]), None)
            self._fired.discard(token)

    def _run(self) -> None:
        while True:
            time.sleep(0.1)
            now = time.monotonic()
            with self._lock:
                for token, (thread_id, deadline) in self._deadlines.items():
                    if now >= deadline:
                        # Again every quarter second, in case a parser swallows it.
                        self._fired.add(token)
                        self._deadlines[token] = (thread_id, now + 0.25)
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(
                            ctypes.c_ulong(thread_id), ctypes.py_object(_OutOfTime)
                        )


_WATCHDOG = _Watchdog()


@contextlib.contextmanager
def time_limit(seconds: float, what: str = "the file") -> Iterator[None]:
    """Interrupt the calling thread with FileTimedOut once `seconds` have passed.

    The exception is delivered between Python bytecodes (PyThreadState_SetAsyncExc), so it
    works in any thread (the window imports in a worker thread, where signals cannot reach);
    long C calls finish first, which the size limits keep short."""
    token = _WATCHDOG.arm(seconds)
    try:
        yield
    except _OutOfTime:
        raise FileTimedOut(
            f"{what} took more than {seconds:g} seconds to read (too complex or damaged)"
        ) from None
    finally:
        while True:  # an interruption landing here, just too late, must not escape
            try:
                _WATCHDOG.disarm(token)
                break
            except _OutOfTime:
                continue
