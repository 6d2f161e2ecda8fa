"""Scanned letters read by Tesseract: the seed letters drawn as scans, clean and rough."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from correspondence.documents import ocr
from correspondence.documents.extract import extract
from tests import scans

SEEDS = sorted((Path(__file__).parent.parent / "fixtures" / "seeds").glob("*.txt"))

pytestmark = [
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr not installed"),
    pytest.mark.skipif(not scans.font_available(), reason="fonts-liberation2 not installed"),
]


def seed_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem[:3])
def test_clean_scans_at_300_dpi_read_at_least_98_percent_of_words(seed: Path) -> None:
    text = seed_text(seed)
    pages = scans.draw_pages(text, dpi=300)
    got = ocr.read_scan(seed.stem + ".pdf", scans.pdf_bytes(pages, 300))
    accuracy = scans.word_accuracy(text, got.text)
    assert accuracy >= 0.98, f"{accuracy:.3f} of words right"
    assert len(got.pages) == len(pages) and got.check_pages == ()
    assert got.confidence >= ocr.LOW_CONFIDENCE


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem[:3])
def test_rough_skewed_noisy_scans_at_200_dpi_read_at_least_90_percent(seed: Path) -> None:
    text = seed_text(seed)
    pages = [scans.roughen(p, seed=n) for n, p in enumerate(scans.draw_pages(text, dpi=200))]
    got = ocr.read_scan(seed.stem + ".tif", scans.tiff_bytes(pages, 200))
    accuracy = scans.word_accuracy(text, got.text)
    assert accuracy >= 0.90, f"{accuracy:.3f} of words right"


def test_a_scan_becomes_text_marked_as_read_by_ocr_with_a_searchable_pdf() -> None:
    page = scans.draw_pages("Dear Lord Laming\n\nPROGRESS REPORT ON SAFEGUARDING", dpi=300)[0]
    got = extract("laming.png", scans.png_bytes(page, 300))
    assert "PROGRESS REPORT ON SAFEGUARDING" in got.text and not got.needs_text
    assert got.media_type == "image/png"
    assert got.ocr is not None and got.ocr.confidence > 80 and got.ocr.check_pages == ()
    layer = PdfReader(io.BytesIO(got.ocr.searchable_pdf)).pages[0].extract_text()
    assert "SAFEGUARDING" in layer


def test_a_page_read_with_low_confidence_is_flagged_check_the_text() -> None:
    clean = scans.draw_pages("The Social Work Task Force reported in November.", dpi=300)[0]
    # Squeezed to a few pixels high and blown up again: barely legible.
    smudged = clean.resize((clean.width // 12, clean.height // 12)).resize(clean.size)
    got = ocr.read_scan("smudged.pdf", scans.pdf_bytes([clean, scans.roughen(smudged)], 300))
    assert [p.check for p in got.pages] == [False, True]
    assert got.check_pages == (2,)


def test_cancelling_stops_between_pages_with_progress_reported() -> None:
    pages = scans.draw_pages("Working Together to Safeguard Children\n" * 80, dpi=150)
    assert len(pages) >= 2
    seen: list[tuple[int, int]] = []
    with pytest.raises(ocr.OcrCancelled):
        ocr.read_scan(
            "long.tif",
            scans.tiff_bytes(pages, 150),
            progress=lambda done, total, _what: seen.append((done, total)),
            should_cancel=lambda: len(seen) >= 2,
        )
    assert seen[0] == (0, len(pages)) and len(seen) == 2


def test_without_tesseract_a_scan_is_kept_as_needing_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    page = scans.draw_pages("Dear Sir or Madam", dpi=150)[0]
    got = extract("scan.jpg", scans.png_bytes(page, 150))
    assert got.needs_text and got.text == "" and got.ocr is None
