"""An export folder's journal: which letters are whole on disk, and whether it is finished.

A journal in the output folder (``.campaign-export.jsonl``) gains a line per letter only
after that letter's rename, so the journal never claims a letter that is not there. A
journal *file* rather than a table: it travels with the letters it describes, needs no
schema change, and a resumed export must look at the folder anyway. Lines are appended and
a torn last line (a crash mid-append) is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from correspondence.services.campaigns.campaign_letters import MemberLetter
from correspondence.services.errors import ServiceError

JOURNAL_NAME = ".campaign-export.jsonl"


class ExportRefused(ServiceError):
    """The output folder holds another or a finished export."""


@dataclass(frozen=True)
class WrittenLetter:
    """A letter as the journal recorded it: a plain name inside the export folder, and the
    size and SHA-256 of what was written under it."""

    file: str
    size: int
    sha256: str


@dataclass
class Journal:
    """What an export folder already holds, read from and appended to its journal."""

    path: Path
    campaign_id: int
    draft_id: int
    done: dict[str, str] = field(default_factory=dict)  # reference -> file name
    written: dict[str, WrittenLetter] = field(default_factory=dict)  # reference -> record
    combined: str | None = None
    dispatched: bool = False

    @classmethod
    def read(cls, out_dir: Path) -> Journal | None:
        path = out_dir / JOURNAL_NAME
        if not path.is_file():
            return None
        journal: Journal | None = None
        raw = path.read_bytes().decode("utf-8", "replace")
        for line in raw.split("\n")[:-1]:  # a last line without "\n" is torn: ignore it
            try:
                entry = json.loads(line)
                journal = cls._take(journal, path, entry)
            except (ValueError, TypeError, KeyError, AttributeError):
                continue  # not a line this export wrote: ignored
        return journal

    @classmethod
    def _take(cls, journal: Journal | None, path: Path, entry: dict[str, Any]) -> Journal | None:
        kind = entry.get("kind")
        if kind == "export":
            return cls(path, int(entry["campaign_id"]), int(entry["draft_id"]))
        if journal is None:
            return None
        if kind == "letter":
            reference, name = str(entry["reference"]), str(entry["file"])
            journal.done[reference] = name
            if isinstance(entry.get("size"), int) and isinstance(entry.get("sha256"), str):
                journal.written[reference] = WrittenLetter(name, entry["size"], entry["sha256"])
        elif kind == "combined":
            journal.combined = str(entry["file"])
        elif kind == "dispatched":
            journal.dispatched = True
        return journal

    def append(self, entries: Iterable[dict[str, object]]) -> None:
        lines = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())

    def trusted(self, out_dir: Path, reference: str, filename: str) -> bool:
        """True only if the journal's line for `reference` names the very file this export
        writes for it, as a plain file in `out_dir`, with the size and SHA-256 recorded.

        A journal is a file anyone can edit: a line naming another path (``../desk.db``),
        another member's letter, or a file changed since, never counts as a letter sent."""
        record = self.written.get(reference)
        if record is None or record.file != filename or Path(filename).name != filename:
            return False
        path = out_dir / filename
        try:
            info = path.lstat()
        except OSError:
            return False
        if not stat.S_ISREG(info.st_mode) or info.st_size != record.size:
            return False
        return file_digest(path) == record.sha256


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def letter_entry(out_dir: Path, m: MemberLetter) -> dict[str, object]:
    """The journal line for a letter renamed into place: its file, size and SHA-256."""
    path = out_dir / m.filename
    return {
        "kind": "letter",
        "reference": m.reference,
        "file": m.filename,
        "size": path.stat().st_size,
        "sha256": file_digest(path),
    }


def open_journal(out_dir: Path, campaign_id: int, draft_id: int, resume: bool) -> Journal:
    """The folder's journal, carried on when ``resume`` asks and it is this export's;
    another campaign's, a finished or (unasked) an unfinished export is refused."""
    if (out_dir / JOURNAL_NAME).is_symlink():  # appending would write wherever it leads
        raise ExportRefused(f"{out_dir / JOURNAL_NAME} is a link, not a journal: remove it")
    found = Journal.read(out_dir)
    if found is not None:
        if found.campaign_id != campaign_id or found.draft_id != draft_id:
            raise ExportRefused(
                f"{out_dir} holds an export of campaign #{found.campaign_id} "
                f"(reply draft #{found.draft_id}); choose another folder"
            )
        if found.dispatched:
            raise ExportRefused(f"{out_dir} holds a finished export of this campaign")
        if not resume:
            raise ExportRefused(
                f"{out_dir} holds an unfinished export of this campaign "
                f"({len(found.done)} letters written): resume it, or choose another folder"
            )
        return found
    journal = Journal(out_dir / JOURNAL_NAME, campaign_id, draft_id)
    if journal.path.exists():  # unreadable journal: start it again
        journal.path.unlink()
    journal.append([{"kind": "export", "campaign_id": campaign_id, "draft_id": draft_id}])
    return journal
