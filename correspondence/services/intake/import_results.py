"""What an import reports: the cases it logged, the files already logged, the files it could
not read, and whether it was cancelled."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportedCase:
    path: str
    reference: str
    case_id: int
    correspondent: str
    campaign: str | None = None
    needs_text: bool = False
    themes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Duplicate:
    path: str
    reference: str  # the case that already holds this file or message
    reason: str


@dataclass(frozen=True)
class Failure:
    path: str
    error: str


@dataclass(frozen=True)
class ImportResult:
    imported: tuple[ImportedCase, ...] = ()
    duplicates: tuple[Duplicate, ...] = ()
    failed: tuple[Failure, ...] = ()
    total: int = 0
    cancelled: bool = False

    def as_json(self) -> dict[str, object]:
        """The shape `correspondence import --json` prints."""
        return {
            "imported": len(self.imported),
            "duplicates": len(self.duplicates),
            "duplicate_files": [
                {"path": d.path, "reference": d.reference} for d in self.duplicates
            ],
            "failed": [{"path": f.path, "error": f.error} for f in self.failed],
            "cases": [
                {"reference": c.reference, "path": c.path, "campaign": c.campaign}
                for c in self.imported
            ],
        }
