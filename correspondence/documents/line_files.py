"""The standard-line library on disk: one ``<key>.txt`` file per line.

A file is a small header between two ``---`` lines, then the body (the Jinja text of
one paragraph). The format is fixed so that reading and writing a library gives back
the same bytes, which keeps the shipped library's history readable in git.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

__all__ = [
    "LineFile",
    "LineFileError",
    "STATUSES",
    "parse_line_file",
    "format_line_file",
    "read_library",
    "write_library",
    "library_dir",
]

STATUSES = frozenset({"draft", "submitted", "approved", "retired", "rejected"})
FIELDS = (
    "key",
    "title",
    "themes",
    "status",
    "version",
    "owner",
    "approved_by",
    "approved_on",
    "review_by",
    "numbered",
)
OPTIONAL_FIELDS = frozenset({"approved_by", "approved_on", "review_by"})
KEY_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
THEME_PATTERN = re.compile(r"[A-Z][A-Z0-9_]*")
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
FENCE = "---"
SUFFIX = ".txt"


@dataclass(frozen=True)
class LineFile:
    key: str
    title: str
    themes: tuple[str, ...]
    status: str
    version: int
    owner: str
    approved_by: str | None
    approved_on: date | None
    review_by: date | None
    numbered: bool
    body: str


class LineFileError(ValueError):
    """A line file that cannot be read; the message names the file and where."""

    def __init__(self, source: str, problem: str, line: int | None = None) -> None:
        where = f"{source}, line {line}" if line is not None else source
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.problem = problem
        self.line = line


def parse_line_file(text: str, source: str = "<text>") -> LineFile:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0] != FENCE:
        raise LineFileError(source, f"the file must start with a '{FENCE}' line", 1)
    try:
        end = lines.index(FENCE, 1)
    except ValueError:
        raise LineFileError(source, f"the header is not closed by a '{FENCE}' line") from None

    raw: dict[str, tuple[str, int]] = {}
    for number, header_line in enumerate(lines[1:end], start=2):
        name, colon, text = header_line.partition(":")
        name = name.strip()
        if not colon or not name:
            raise LineFileError(source, f"expected 'field: value', got {header_line!r}", number)
        if name not in FIELDS:
            raise LineFileError(source, f"unknown field '{name}'", number)
        if name in raw:
            raise LineFileError(source, f"field '{name}' appears twice", number)
        raw[name] = (text.strip(), number)
    for name in FIELDS:
        if name not in raw and name not in OPTIONAL_FIELDS:
            raise LineFileError(source, f"missing field '{name}'")

    def value(name: str) -> tuple[str, int | None]:
        return raw.get(name, ("", None))

    def required(name: str) -> str:
        text, number = value(name)
        if not text:
            raise LineFileError(source, f"field '{name}' is empty", number)
        return text

    def optional_date(name: str) -> date | None:
        text, number = value(name)
        if not text:
            return None
        try:
            if not DATE_PATTERN.fullmatch(text):
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            raise LineFileError(
                source, f"field '{name}' is not a date (YYYY-MM-DD): {text!r}", number
            ) from None

    key = required("key")
    if not KEY_PATTERN.fullmatch(key):
        raise LineFileError(
            source,
            f"key {key!r} may only hold lowercase letters, digits and single hyphens",
            value("key")[1],
        )

    themes = tuple(t.strip() for t in required("themes").split(","))
    for theme in themes:
        if not THEME_PATTERN.fullmatch(theme):
            raise LineFileError(
                source, f"theme code {theme!r} is not a code such as LAMING", value("themes")[1]
            )
    if len(set(themes)) != len(themes):
        raise LineFileError(source, "a theme is listed twice", value("themes")[1])

    status = required("status")
    if status not in STATUSES:
        raise LineFileError(
            source,
            f"status {status!r} is not one of {', '.join(sorted(STATUSES))}",
            value("status")[1],
        )

    version_text = required("version")
    if not version_text.isdigit() or int(version_text) < 1 or version_text.startswith("0"):
        raise LineFileError(
            source,
            f"version must be a whole number from 1, not {version_text!r}",
            value("version")[1],
        )

    numbered_text = required("numbered")
    if numbered_text not in ("true", "false"):
        raise LineFileError(
            source, f"numbered must be true or false, not {numbered_text!r}", value("numbered")[1]
        )

    approved_by = value("approved_by")[0] or None
    approved_on = optional_date("approved_on")
    if status in ("approved", "retired") and (approved_by is None or approved_on is None):
        raise LineFileError(source, f"a {status} line needs approved_by and approved_on")

    body_lines = lines[end + 1 :]
    # The file ends with exactly one newline after the body; the body keeps the rest.
    if body_lines and body_lines[-1] == "":
        body_lines = body_lines[:-1]
    body = "\n".join(body_lines)
    if not body.strip():
        raise LineFileError(source, "the line has no text after the header")

    return LineFile(
        key=key,
        title=required("title"),
        themes=themes,
        status=status,
        version=int(version_text),
        owner=required("owner"),
        approved_by=approved_by,
        approved_on=approved_on,
        review_by=optional_date("review_by"),
        numbered=numbered_text == "true",
        body=body,
    )


def format_line_file(line: LineFile) -> str:
    values = {
        "key": line.key,
        "title": line.title,
        "themes": ", ".join(line.themes),
        "status": line.status,
        "version": str(line.version),
        "owner": line.owner,
        "approved_by": line.approved_by or "",
        "approved_on": line.approved_on.isoformat() if line.approved_on else "",
        "review_by": line.review_by.isoformat() if line.review_by else "",
        "numbered": "true" if line.numbered else "false",
    }
    for name, text in values.items():
        if "\n" in text or "\r" in text or text != text.strip():
            raise LineFileError(line.key, f"field '{name}' cannot hold line breaks or edge spaces")
    header = [f"{name}: {text}" if text else f"{name}:" for name, text in values.items()]
    return "\n".join([FENCE, *header, FENCE, line.body]) + "\n"


def read_library(directory: Path) -> list[LineFile]:
    """Every ``*.txt`` line in directory, sorted by key."""
    found: list[tuple[LineFile, Path]] = []
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise LineFileError(str(path), f"not UTF-8 text ({exc.reason})") from None
        found.append((parse_line_file(text, source=str(path)), path))
    # Duplicates first: a copied file is better reported as a clash than as misnamed.
    by_key: dict[str, tuple[LineFile, Path]] = {}
    for line, path in found:
        if line.key in by_key:
            raise LineFileError(
                str(path), f"key '{line.key}' is also used by {by_key[line.key][1]}"
            )
        by_key[line.key] = (line, path)
    for line, path in found:
        if path.stem != line.key:
            raise LineFileError(
                str(path), f"the file for key '{line.key}' must be named {line.key}{SUFFIX}"
            )
    return [by_key[key][0] for key in sorted(by_key)]


def write_library(lines: Iterable[LineFile], directory: Path) -> list[Path]:
    """Write each line to ``<key>.txt``; returns the paths in key order."""
    ordered = sorted(lines, key=lambda line: line.key)
    keys = [line.key for line in ordered]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise LineFileError(str(directory), f"keys given twice: {', '.join(duplicates)}")
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for line in ordered:
        if not KEY_PATTERN.fullmatch(line.key):
            raise LineFileError(str(directory), f"key {line.key!r} cannot be a file name")
        path = directory / f"{line.key}{SUFFIX}"
        # newline="" so Windows writes the same bytes as everywhere else.
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(format_line_file(line))
        written.append(path)
    return written


def library_dir() -> Path:
    """Where the shipped library lives: env override, PyInstaller bundle or source checkout."""
    override = os.environ.get("CORRESPONDENCE_LIBRARY")
    if override:
        return Path(override)
    if getattr(sys, "frozen", False):
        bundled = Path(sys.executable).resolve().parent / "_internal" / "letter_templates"
        if bundled.is_dir():
            return bundled
        meipass = getattr(sys, "_MEIPASS", None)
        if meipass:
            return Path(meipass) / "letter_templates"
        return Path(sys.executable).resolve().parent / "letter_templates"
    return Path(__file__).resolve().parents[2] / "letter_templates"
