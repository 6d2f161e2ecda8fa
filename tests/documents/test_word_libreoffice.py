"""Letters as LibreOffice prints them: convert to PDF and read the PDF's text and pages."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from correspondence.documents.fast_word import combined_letters
from correspondence.documents.letter_spec import BodyParagraph, LetterSpec
from correspondence.documents.seed_reply import render_seed_body
from correspondence.documents.word import write_letter

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed"
    ),
    pytest.mark.skipif(
        shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
        reason="poppler-utils (pdftotext, pdfinfo) not installed",
    ),
]

A4_POINTS = (595.3, 841.9)
# Three letters of the print file, each the whole seed reply under a reference of its own.
PRINT_FILE_LETTERS = (
    ("Tessa", "2009/0007948POSoS"),
    ("Mr Brown", "2009/0007951POSoS"),
    ("Ms Okafor", "2009/0007960POSoS"),
)


@pytest.fixture(scope="module")
def pdfs(
    tmp_path_factory: pytest.TempPathFactory, seed_letter: LetterSpec, draft_letter: LetterSpec
) -> dict[str, Path]:
    """Every letter these tests look at, converted by one LibreOffice run (start-up is slow)."""
    work = tmp_path_factory.mktemp("libreoffice")
    long_draft = dataclasses.replace(draft_letter, paragraphs=draft_letter.paragraphs * 4)
    short = (BodyParagraph("Thank you for your letter about the NSPCC's campaign."),)
    campaign = [
        dataclasses.replace(seed_letter, salutation=f"Dear {name}", paragraphs=short)
        for name in ("Tessa", "Mr Brown")
    ]
    # The whole seed reply of 3 February 2009: three pages, six numbered points.
    numbered = re.compile(r"^(\d+)\. ")
    whole = tuple(
        BodyParagraph(numbered.sub("", text), int(m[1]) if (m := numbered.match(text)) else None)
        for text in render_seed_body()
    )
    docs = [
        write_letter(seed_letter, work / "final.docx"),
        write_letter(dataclasses.replace(seed_letter, paragraphs=whole), work / "seed.docx"),
        write_letter(long_draft, work / "draft.docx"),
        combined_letters(campaign, work / "campaign.docx"),
        combined_letters(
            [
                dataclasses.replace(
                    seed_letter, salutation=f"Dear {name}", paragraphs=whole, reference=reference
                )
                for name, reference in PRINT_FILE_LETTERS
            ],
            work / "campaign_long.docx",
        ),
    ]
    out = work / "pdf"
    # A private profile, so parallel runs and a desktop LibreOffice don't share a lock.
    profile = (work / "profile").as_uri()
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, docs),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    converted = {doc.stem: out / f"{doc.stem}.pdf" for doc in docs}
    missing = [name for name, pdf in converted.items() if not pdf.exists()]
    assert not missing, f"soffice did not convert {missing}: {result.stdout}\n{result.stderr}"
    return converted


def _pages(pdf: Path) -> list[str]:
    """The PDF's text page by page, whitespace-normalised."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def _page_size(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout)
    assert match, info.stdout
    return float(match[1]), float(match[2])


def test_printed_letters_are_a4(pdfs: dict[str, Path]) -> None:
    for pdf in pdfs.values():
        assert _page_size(pdf) == pytest.approx(A4_POINTS, abs=1), pdf.name


def test_final_letter_prints_the_house_layout(pdfs: dict[str, Path]) -> None:
    pages = _pages(pdfs["final"])
    text = " ".join(pages)
    assert pages[0].startswith("Rt Hon Ed Balls MP Secretary of State")
    for expected in (
        "2009/0007948POSoS",
        "Rt Hon Tessa Jowell MP House of Commons London SW1A 0AA",
        "3 February 2009",
        "Dear Tessa",
        "1. The NSPCC rightly draw attention",
        "3. We are pleased",
        "Yours sincerely",
        "ED BALLS MP",
    ):
        assert expected in text
    assert text.index("Dear Tessa") < text.index("1. The NSPCC") < text.index("Yours sincerely")
    assert "DRAFT" not in text
    for page in pages:
        assert "department for children, schools and families" in page


def test_every_page_of_a_draft_says_draft(pdfs: dict[str, Path]) -> None:
    pages = _pages(pdfs["draft"])
    assert len(pages) >= 2, "the long draft should run over a page"
    for number, page in enumerate(pages, start=1):
        assert "DRAFT" in page, f"page {number} has no DRAFT marking"
    assert "[date]" in pages[0]
    assert "ED BALLS MP" in pages[-1]


def test_combined_print_file_starts_each_letter_on_its_own_page(pdfs: dict[str, Path]) -> None:
    pages = _pages(pdfs["campaign"])
    assert len(pages) == 2
    assert "Dear Tessa" in pages[0] and "Dear Mr Brown" not in pages[0]
    assert pages[1].startswith("Rt Hon Ed Balls MP") and "Dear Mr Brown" in pages[1]


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts not installed")
def test_letter_prints_in_arial_or_its_metric_twin(pdfs: dict[str, Path]) -> None:
    fonts = subprocess.run(
        ["pdffonts", str(pdfs["final"])], capture_output=True, text=True, check=True
    ).stdout
    names = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:] if line.strip()}
    assert names, fonts
    # fonts-liberation stands in for Arial with identical metrics; anything else (Carlito,
    # DejaVu) means the theme fonts leaked through.
    assert all(re.match(r"(Arial|LiberationSans)", name) for name in names), names


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm not installed")
def test_first_page_renders_to_an_a4_picture(pdfs: dict[str, Path], tmp_path: Path) -> None:
    out_dir = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = out_dir / "letter_page1"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"]
        + [str(pdfs["final"]), str(prefix)],
        check=True,
        timeout=60,
    )
    png = prefix.with_suffix(".png")
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert height / width == pytest.approx(297 / 210, rel=0.01)


def test_later_pages_carry_the_reference_and_page_number_and_points_stay_whole(
    pdfs: dict[str, Path], tmp_path: Path
) -> None:
    pages = _pages(pdfs["seed"])
    assert len(pages) >= 2
    assert "department for children, schools and families" in pages[0]
    assert "Page 1" not in pages[0]
    for number, page in enumerate(pages[1:], start=2):
        assert page.startswith(f"2009/0007948POSoS Page {number} "), page[:60]
    # No numbered point is split across pages (point 5 used to leave two lines on page 3).
    for text in render_seed_body():
        if not re.match(r"\d+\. ", text):
            continue
        words = " ".join(text.split())
        head, tail = words[:40], words[-40:]
        assert any(head in page and tail in page for page in pages), head
    out_dir = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", str(pdfs["seed"]), str(out_dir / "seed_reply_page")],
        check=True,
        timeout=60,
    )


def test_each_letter_of_a_print_file_numbers_its_own_pages(pdfs: dict[str, Path]) -> None:
    pages = _pages(pdfs["campaign_long"])
    # Each letter prints exactly as the same reply on its own does.
    per_letter = len(_pages(pdfs["seed"]))
    assert per_letter >= 2 and len(pages) == per_letter * len(PRINT_FILE_LETTERS)
    firsts = [i for i, page in enumerate(pages) if page.startswith("Rt Hon Ed Balls MP")]
    assert firsts == [per_letter * n for n in range(len(PRINT_FILE_LETTERS))]
    for start, (name, reference) in zip(firsts, PRINT_FILE_LETTERS, strict=True):
        assert "department for children" in pages[start]
        assert f"Dear {name}" in pages[start] and reference in pages[start]
        for number, page in enumerate(pages[start + 1 : start + per_letter], start=2):
            assert page.startswith(f"{reference} Page {number} "), page[:60]
            assert "department for children" not in page
