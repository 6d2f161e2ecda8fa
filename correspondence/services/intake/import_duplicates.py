"""Which files of an import batch are already logged: the same file (by its SHA-256) or the
same email (by its Message-ID), in a stored case or earlier in the same batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import Case, Document
from correspondence.services.intake.file_reading import ParsedFile
from correspondence.services.intake.import_results import Duplicate, ImportedCase


@dataclass
class BatchDuplicates:
    """A batch sorted out: the files to log, and where each duplicate stands."""

    fresh: list[ParsedFile] = field(default_factory=list)  # to log, in the batch's order
    stored: dict[int, Duplicate] = field(default_factory=dict)  # position → of a stored case
    # position → (the earlier file of this batch it repeats, "file" or "mid")
    repeats: dict[int, tuple[ParsedFile, str]] = field(default_factory=dict)

    def outcomes(
        self, batch: list[ParsedFile], logged: dict[int, ImportedCase]
    ) -> list[ImportedCase | Duplicate]:
        """Each file's outcome in the batch's order, once `logged` (id(file) → case) holds
        the fresh files' cases."""
        result: list[ImportedCase | Duplicate] = []
        for pos, p in enumerate(batch):
            if pos in self.stored:
                result.append(self.stored[pos])
            elif pos in self.repeats:
                earlier, kind = self.repeats[pos]
                ref = logged[id(earlier)].reference
                why = (
                    f"the same file is already logged as {ref}"
                    if kind == "file"
                    else _mid_reason(p.got.message_id or "", ref)
                )
                result.append(Duplicate(str(p.path), ref, why))
            else:
                result.append(logged[id(p)])
        return result


def sort_out(s: Session, batch: list[ParsedFile]) -> BatchDuplicates:
    """Duplicates of stored cases, or of an earlier file in this same batch; the rest fresh."""
    by_sha = _existing(s, Document.sha256, sorted({p.sha for p in batch}), originals=True)
    mids = sorted({p.got.message_id for p in batch if p.got.message_id})
    by_mid = _existing(s, Document.message_id, mids, originals=False) if mids else {}

    out = BatchDuplicates()
    first_sha: dict[str, ParsedFile] = {}
    first_mid: dict[str, ParsedFile] = {}
    for pos, p in enumerate(batch):
        mid = p.got.message_id
        if p.sha in by_sha:
            ref = by_sha[p.sha]
            out.stored[pos] = Duplicate(
                str(p.path), ref, f"the same file is already logged as {ref}"
            )
        elif mid and mid in by_mid:
            ref = by_mid[mid]
            out.stored[pos] = Duplicate(str(p.path), ref, _mid_reason(mid, ref))
        elif p.sha in first_sha:
            out.repeats[pos] = (first_sha[p.sha], "file")
        elif mid and mid in first_mid:
            out.repeats[pos] = (first_mid[mid], "mid")
        else:
            first_sha[p.sha] = p
            if mid:
                first_mid[mid] = p
            out.fresh.append(p)
    return out


def _existing(s: Session, column: Any, values: list[str], *, originals: bool) -> dict[str, str]:
    """value → reference of the case already holding a document with that value."""
    found: dict[str, str] = {}
    for i in range(0, len(values), 500):
        query = (
            select(column, Case.reference)
            .join(Case, Case.id == Document.case_id)
            .where(column.in_(values[i : i + 500]))
        )
        if originals:
            query = query.where(Document.role == "original")
        for value, reference in s.execute(query):
            found.setdefault(value, reference)
    return found


def _mid_reason(mid: str, ref: str) -> str:
    return f"the same email (Message-ID {mid}) is already logged as {ref}"
