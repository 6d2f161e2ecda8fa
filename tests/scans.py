"""Seed letters drawn as scanned pages (Pillow), clean or rough, for the OCR tests and bench."""

from __future__ import annotations

import io
import random
import re
from difflib import SequenceMatcher
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf")
A4_MM = (210, 297)


def font_available() -> bool:
    return FONT.is_file()


def draw_pages(text: str, dpi: int = 300, point: float = 12.0) -> list[Image.Image]:
    """The text on A4 pages in 12-point Liberation Sans, 25 mm margins, as a printer would."""
    width, height = (round(mm / 25.4 * dpi) for mm in A4_MM)
    margin = round(25 / 25.4 * dpi)
    font = ImageFont.truetype(str(FONT), round(point / 72 * dpi))
    line_height = round(point / 72 * dpi * 1.35)
    lines: list[str] = []
    for paragraph in text.splitlines():
        words, line = paragraph.split(), ""
        if not words:
            lines.append("")
            continue
        for word in words:
            trial = f"{line} {word}".strip()
            if font.getlength(trial) <= width - 2 * margin:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    per_page = (height - 2 * margin) // line_height
    pages = []
    for start in range(0, max(len(lines), 1), per_page):
        page = Image.new("L", (width, height), 255)
        pen = ImageDraw.Draw(page)
        for row, line in enumerate(lines[start : start + per_page]):
            pen.text((margin, margin + row * line_height), line, font=font, fill=0)
        pages.append(page)
    return pages


def roughen(page: Image.Image, seed: int = 7, degrees: float = 1.5) -> Image.Image:
    """A page as a tired office scanner gives it: skewed, a little blurred, speckled."""
    rng = random.Random(seed)
    out = page.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=255)
    out = out.filter(ImageFilter.GaussianBlur(0.6))
    pixels = out.load()
    assert pixels is not None
    w, h = out.size
    for _ in range(w * h // 400):  # 0.25% of the pixels flipped to black or white
        x, y = rng.randrange(w), rng.randrange(h)
        pixels[x, y] = 0 if rng.random() < 0.5 else 255
    # Grey paper and uneven ink.
    return out.point(lambda v: min(255, max(0, int(v * 0.85 + 25 + rng.uniform(-8, 8)))))


def png_bytes(page: Image.Image, dpi: int) -> bytes:
    out = io.BytesIO()
    page.save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def tiff_bytes(pages: list[Image.Image], dpi: int) -> bytes:
    out = io.BytesIO()
    pages[0].save(
        out, "TIFF", save_all=True, append_images=pages[1:], dpi=(dpi, dpi), compression="tiff_lzw"
    )
    return out.getvalue()


def pdf_bytes(pages: list[Image.Image], dpi: int) -> bytes:
    """A PDF holding only pictures of the pages: what a scanner writes."""
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return out.getvalue()


_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def words(text: str) -> list[str]:
    """Words for comparison: lower case, straight quotes, outer punctuation dropped."""
    out = []
    for token in text.translate(_QUOTES).lower().split():
        token = re.sub(r"^[^\w£]+|[^\w£%]+$", "", token)
        if token:
            out.append(token)
    return out


def word_accuracy(expected: str, got: str) -> float:
    """Share of the expected words read right, in order (longest matching blocks)."""
    want = words(expected)
    blocks = SequenceMatcher(None, want, words(got), autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / max(len(want), 1)
