"""Scans imported: their words searchable, themed and seen by campaign detection."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Case, Document
from correspondence.services.cases.case_list import CaseFilter
from correspondence.services.demo.demo_letters import NSPCC_CAMPAIGN_LETTER
from correspondence.services.desk import Desk
from correspondence.services.intake.intake import Intake
from correspondence.services.unit_of_work import acting_as
from tests import scans
from tests.conftest import DEMO_TODAY

LAMING = Path(__file__).parent.parent / "fixtures" / "seeds" / "001_9356301f243812d3.txt"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr not installed"),
    pytest.mark.skipif(not scans.font_available(), reason="fonts-liberation2 not installed"),
]


def test_a_scan_of_the_laming_letter_imports_with_its_words_searchable(
    demo_db: Database, tmp_path: Path
) -> None:
    pages = scans.draw_pages(LAMING.read_text(encoding="utf-8"), dpi=300)
    scan = tmp_path / "laming-scan.pdf"
    scan.write_bytes(scans.pdf_bytes(pages, 300))
    seen: list[tuple[int, int]] = []
    result = Intake(
        acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY
    ).import_paths([scan], progress=lambda d, t, _p: seen.append((d, t)))
    [imported] = result.imported
    assert not imported.needs_text and seen[-1] == (1, 1)
    assert "LAMING" in imported.themes  # suggested from the words read

    desk = Desk(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    for words in ("Climbié", "universally applied", "safeguarding"):
        found = desk.list_page(CaseFilter(search=words), limit=500)
        assert imported.reference in {r.reference for r in found.rows}, words

    with demo_db.session_factory() as s:
        case = s.scalar(select(Case).where(Case.reference == imported.reference))
        assert case is not None
        assert "Thank you for agreeing to take" in " ".join(case.letter_text.split())
        docs = {d.role: d for d in s.scalars(select(Document).where(Document.case_id == case.id))}
        original, searchable = docs["original"], docs["searchable"]
        assert original.content == scan.read_bytes() and original.media_type == "application/pdf"
        assert original.ocr_read and original.ocr_confidence and original.ocr_confidence > 80
        assert original.ocr_check_pages == ""
        assert (
            searchable.parent_id == original.id
            and searchable.filename == "laming-scan-searchable.pdf"
        )
        assert searchable.content.startswith(b"%PDF")


def test_a_scanned_campaign_letter_joins_its_campaign(demo_db: Database, tmp_path: Path) -> None:
    text = NSPCC_CAMPAIGN_LETTER.replace("Dear Secretary of State", "Dear Mr Balls")
    page = scans.roughen(
        scans.draw_pages(text + "\n\nYours sincerely\n\nMrs Ada Quill", dpi=200)[0]
    )
    scan = tmp_path / "campaign-scan.png"
    scan.write_bytes(scans.png_bytes(page, 200))
    result = Intake(
        acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY
    ).import_paths([scan])
    [imported] = result.imported
    assert imported.campaign is not None and "NSPCC" in imported.campaign


def officer_intake(db: Database) -> Intake:
    return Intake(acting_as(db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
