"""The seed reply of 3 February 2009, rebuilt from the shipped line library.

The Secretary of State's reply to Tessa Jowell MP (seeds/000_...) is the archetype of a
reply made of standard lines. This module names the lines that make up its body and the
context they are rendered in, and reads the seed itself so tests can compare the two.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from correspondence.documents.context import (
    CampaignView,
    CaseView,
    LineContext,
    PersonView,
    SignatoryView,
)
from correspondence.documents.line_files import LineFile, library_dir, read_library
from correspondence.documents.rendering import render_line

__all__ = [
    "SEED_REPLY_LINES",
    "SEED_FILE_PATTERN",
    "seed_context",
    "seeds_dir",
    "seed_body_paragraphs",
    "render_seed_body",
]

SEED_REPLY_LINES: tuple[str, ...] = (
    "campaign-opening-forwarded-letters",
    "babyp-tragedy",
    "safeguarding-top-priority-climbie-reforms",
    "reforms-more-to-do",
    "laming-progress-report-commissioned",
    "campaign-laming-call-for-evidence",
    "laming-report-due-comment-on-issues",
    "workforce-child-centred-strategy",  # 1.
    "cdr-prevent-and-learn",  # 2.
    "scr-quality-and-review-panels",
    "swtf-widely-welcomed",  # 3.
    "care-decisions-laming",  # 4.
    "lscb-governance-laming",  # 5.
    "campaign-smacking-disagree",  # 6.
    "smacking-no-ban",
    "nspcc-closing-meeting-chief-executive",
)

SEED_FILE_PATTERN = "000_*.txt"
_SALUTATION = re.compile(r"Dear\s+\S")
_CLOSE = re.compile(r"Yours\s+(sincerely|faithfully)", re.IGNORECASE)
# The department's page footer, which the text extraction left between paragraphs.
_PAGE_FOOTER = "department for children, schools and families"


def seed_context() -> LineContext:
    """The reply's context: Tessa Jowell MP forwarding her constituents' NSPCC letters."""
    return LineContext(
        case=CaseView(
            reference="2009/0007948POSoS",
            received_on=date(2009, 2, 4),  # the scan's date stamp, a day after the reply's date
            summary="the NSPCC's proposals to Government following the death of Baby P",
            themes=("BABYP", "LAMING", "SCR", "CDR", "SWTF", "CARE", "LSCB", "SMACK"),
        ),
        correspondent=PersonView(
            title="Rt Hon",
            first_name="Tessa",
            last_name="Jowell",
            full_name="Tessa Jowell",
            salutation_name="Tessa",
            kind="mp",
            organisation="House of Commons",
            constituency="Dulwich and West Norwood",
            party="Labour",
        ),
        # Invented constituents: the seed does not name them.
        constituents=(
            PersonView(
                title="Mrs",
                first_name="Alison",
                last_name="Marchetti",
                full_name="Mrs Alison Marchetti",
                salutation_name="Mrs Marchetti",
                kind="public",
            ),
            PersonView(
                title="Mr",
                first_name="Kwame",
                last_name="Adeyemi",
                full_name="Mr Kwame Adeyemi",
                salutation_name="Mr Adeyemi",
                kind="public",
            ),
            PersonView(
                title="Ms",
                first_name="Ruth",
                last_name="Pendleton",
                full_name="Ms Ruth Pendleton",
                salutation_name="Ms Pendleton",
                kind="public",
            ),
        ),
        campaign=CampaignView(
            name="NSPCC proposals following the death of Baby P",
            organisation="NSPCC",
            size=3,
        ),
        signatory=SignatoryView(
            name="Ed Balls MP",
            title="Secretary of State",
            department="Department for Children, Schools and Families",
        ),
        letter_date=date(2009, 2, 3),
    )


def seeds_dir() -> Path:
    override = os.environ.get("CORRESPONDENCE_SEEDS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


def _normalise(text: str) -> str:
    return " ".join(text.split())


def seed_body_paragraphs(directory: Path | None = None) -> list[str]:
    """The seed reply's body paragraphs, whitespace-normalised, without page furniture.

    Numbered paragraphs keep their "1. " prefix, as printed.
    """
    folder = directory if directory is not None else seeds_dir()
    matches = sorted(folder.glob(SEED_FILE_PATTERN))
    if not matches:
        raise FileNotFoundError(
            f"No seed reply ({SEED_FILE_PATTERN}) in {folder}; set CORRESPONDENCE_SEEDS"
        )
    text = matches[0].read_text(encoding="utf-8")
    blocks = [_normalise(block) for block in re.split(r"\n[ \t\u00a0]*\n", text)]
    blocks = [block for block in blocks if block]
    start = next(i for i, block in enumerate(blocks) if _SALUTATION.match(block))
    end = next(i for i, block in enumerate(blocks) if i > start and _CLOSE.match(block))
    return [
        block
        for block in blocks[start + 1 : end]
        if block.replace("*", "").strip().lower() != _PAGE_FOOTER
    ]


def render_seed_body(
    lines: Mapping[str, LineFile] | None = None, context: LineContext | None = None
) -> list[str]:
    """Render SEED_REPLY_LINES as the drafting code would, numbering the numbered lines."""
    by_key = (
        lines if lines is not None else {line.key: line for line in read_library(library_dir())}
    )
    mapping = (context or seed_context()).as_mapping()
    paragraphs: list[str] = []
    number = 0
    for key in SEED_REPLY_LINES:
        line = by_key[key]
        text = render_line(line.body, mapping)
        if line.numbered:
            number += 1
            text = f"{number}. {text}"
        paragraphs.append(text)
    return paragraphs
