"""Scanned letters read by Tesseract: the text, how sure it was, and a searchable PDF.

A scan is a picture (.png, .jpg, .tif, several pages in a .tif) or a PDF with no text
in it. Each page is read by one ``tesseract`` run (PDF pages are first drawn at 300 dpi
by poppler's ``pdftoppm``) which writes, in one pass, the text, the words with their
confidence (TSV), and a PDF page with an invisible text layer over the picture. The
pages' PDFs are joined into the searchable PDF kept beside the original scan.

Page by page, so a person can follow the progress and cancel between pages; the
running ``tesseract`` is stopped when they cancel.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
IMAGE_MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
# Below this mean word confidence (0-100) a page is flagged "check the text".
LOW_CONFIDENCE = 80.0
RENDER_DPI = 300
MAX_PAGES = 200
PAGE_TIMEOUT_S = 180
LANGUAGE = os.environ.get("CORRESPONDENCE_OCR_LANG", "eng")

Progress = Callable[[int, int, str], None]
ShouldCancel = Callable[[], bool]


class OcrError(Exception):
    """The scan could not be read; the message says why, for the person at the desk."""


class OcrUnavailable(OcrError):
    pass


class OcrCancelled(OcrError):
    pass


@dataclass(frozen=True)
class OcrPage:
    number: int  # from 1
    text: str
    confidence: float  # mean over the page's words, 0-100; 0 for a page with no words
    words: int

    @property
    def check(self) -> bool:
        """A page a person should read against the scan."""
        return self.words == 0 or self.confidence < LOW_CONFIDENCE


@dataclass(frozen=True)
class OcrResult:
    pages: tuple[OcrPage, ...]
    searchable_pdf: bytes
    seconds: float

    @property
    def text(self) -> str:
        return "\n\n".join(p.text.strip() for p in self.pages if p.text.strip())

    @property
    def confidence(self) -> float:
        """Mean word confidence over the whole scan, weighted by words per page."""
        words = sum(p.words for p in self.pages)
        if words == 0:
            return 0.0
        return round(sum(p.confidence * p.words for p in self.pages) / words, 1)

    @property
    def check_pages(self) -> tuple[int, ...]:
        return tuple(p.number for p in self.pages if p.check)


def is_image(filename: str) -> bool:
    return Path(filename).suffix.lower() in IMAGE_SUFFIXES


def _program(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise OcrUnavailable(
            f"Reading scans needs {name}, which is not installed "
            f"(on Debian or Ubuntu: apt-get install {package})."
        )
    return found


def available() -> bool:
    try:
        _program("tesseract", "tesseract-ocr tesseract-ocr-eng")
    except OcrUnavailable:
        return False
    return True


def read_scan(
    filename: str,
    content: bytes,
    *,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> OcrResult:
    """Read a scanned letter (picture or text-less PDF)."""
    tesseract = _program("tesseract", "tesseract-ocr tesseract-ocr-eng")
    started = time.monotonic()
    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="cd-ocr-") as tmp:
        work = Path(tmp)
        pages = _page_images(work, suffix, content, filename)
        results: list[OcrPage] = []
        pdf_pages: list[bytes] = []
        for index, image in enumerate(pages, start=1):
            if should_cancel is not None and should_cancel():
                raise OcrCancelled(f"Reading {filename} was cancelled")
            if progress is not None:
                progress(index - 1, len(pages), f"{filename}: reading page {index} of {len(pages)}")
            page, page_pdf = _read_page(tesseract, work, image, index, filename, should_cancel)
            results.append(page)
            pdf_pages.append(page_pdf)
        if progress is not None:
            progress(len(pages), len(pages), filename)
        return OcrResult(tuple(results), _join_pdfs(pdf_pages), time.monotonic() - started)


def _page_images(work: Path, suffix: str, content: bytes, filename: str) -> list[Path]:
    if suffix == ".pdf":
        source = work / "scan.pdf"
        source.write_bytes(content)
        pdftoppm = _program("pdftoppm", "poppler-utils")
        done = subprocess.run(
            [pdftoppm, "-r", str(RENDER_DPI), "-gray", "-png", "-l", str(MAX_PAGES),
             str(source), str(work / "page")],
            capture_output=True, text=True, timeout=PAGE_TIMEOUT_S * 4, check=False,
        )  # fmt: skip
        pages = sorted(work.glob("page-*.png"))
        if done.returncode != 0 or not pages:
            detail = (done.stderr or "").strip().splitlines()
            raise OcrError(
                f"{filename}: the PDF's pages could not be drawn for reading"
                + (f" ({detail[-1]})" if detail else "")
            )
        return pages
    if suffix in (".tif", ".tiff"):
        return _tiff_pages(work, content, filename)
    image = work / f"scan{suffix}"
    image.write_bytes(content)
    return [image]


def _tiff_pages(work: Path, content: bytes, filename: str) -> list[Path]:
    """A multi-page TIFF split into its pages (Tesseract reads one picture per run here)."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # without Pillow, Tesseract reads the first page only
        image = work / "scan.tif"
        image.write_bytes(content)
        return [image]
    try:
        with Image.open(io.BytesIO(content)) as tiff:
            pages = []
            for index in range(min(getattr(tiff, "n_frames", 1), MAX_PAGES)):
                tiff.seek(index)
                path = work / f"page-{index + 1:04d}.png"
                tiff.convert("L").save(path, dpi=tiff.info.get("dpi", (RENDER_DPI, RENDER_DPI)))
                pages.append(path)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise OcrError(f"{filename} is not a readable TIFF picture ({exc})") from exc
    return pages


def _read_page(
    tesseract: str,
    work: Path,
    image: Path,
    number: int,
    filename: str,
    should_cancel: ShouldCancel | None,
) -> tuple[OcrPage, bytes]:
    base = work / f"out-{number:04d}"
    command = [tesseract, str(image), str(base), "-l", LANGUAGE, "txt", "tsv", "pdf"]
    # One thread per run: the machine's other work (and other pages) share the cores.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    errors_path = work / f"errors-{number:04d}.txt"
    # stderr to a file, not a pipe: a chatty run can never block on a full pipe.
    with errors_path.open("wb") as errors_file:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors_file, env=env)
        deadline = time.monotonic() + PAGE_TIMEOUT_S
        while process.poll() is None:
            late = time.monotonic() > deadline
            if late or (should_cancel is not None and should_cancel()):
                process.kill()
                process.wait()
                if late:
                    raise OcrError(f"{filename}: page {number} took too long to read")
                raise OcrCancelled(f"Reading {filename} was cancelled")
            time.sleep(0.05)
    errors = errors_path.read_text(encoding="utf-8", errors="replace")
    txt, tsv, pdf = (base.with_suffix(s) for s in (".txt", ".tsv", ".pdf"))
    if process.returncode != 0 or not txt.exists():
        lines = [x for x in errors.strip().splitlines() if x.strip()]
        raise OcrError(
            f"{filename}: page {number} could not be read"
            + (f" ({lines[-1]})" if lines else f" (tesseract exit status {process.returncode})")
        )
    confidence, words = _confidence(tsv.read_text(encoding="utf-8", errors="replace"))
    text = txt.read_text(encoding="utf-8", errors="replace").replace("\f", "").strip()
    return OcrPage(number, text, confidence, words), pdf.read_bytes() if pdf.exists() else b""


def _confidence(tsv: str) -> tuple[float, int]:
    """Mean confidence of the recognised words (level 5 rows with text)."""
    total, count = 0.0, 0
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5" or not (row.get("text") or "").strip():
            continue
        try:
            conf = float(row.get("conf") or -1)
        except ValueError:
            continue
        if conf >= 0:
            total += conf
            count += 1
    return (round(total / count, 1) if count else 0.0), count


def _join_pdfs(pages: list[bytes]) -> bytes:
    pages = [p for p in pages if p]
    if not pages:
        return b""
    if len(pages) == 1:
        return pages[0]
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in pages:
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


__all__ = [
    "IMAGE_MEDIA_TYPES",
    "IMAGE_SUFFIXES",
    "LOW_CONFIDENCE",
    "OcrCancelled",
    "OcrError",
    "OcrPage",
    "OcrResult",
    "OcrUnavailable",
    "available",
    "is_image",
    "read_scan",
]
