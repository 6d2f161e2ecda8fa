"""The proof the product needs: the seed reply of 3 February 2009 rebuilt from the library."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from correspondence.documents.context import CampaignView
from correspondence.documents.line_files import LineFile, library_dir, read_library
from correspondence.documents.rendering import render_line
from correspondence.documents.seed_reply import (
    SEED_FILE_PATTERN,
    SEED_REPLY_LINES,
    render_seed_body,
    seed_body_paragraphs,
    seed_context,
    seeds_dir,
)

pytestmark = pytest.mark.skipif(
    not any(seeds_dir().glob(SEED_FILE_PATTERN)),
    reason=f"seed letters not found in {seeds_dir()} (set CORRESPONDENCE_SEEDS)",
)


def normalised(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def library() -> dict[str, LineFile]:
    return {line.key: line for line in read_library(library_dir())}


def rendered_reply(library: dict[str, LineFile], context=None) -> list[str]:
    """Numbered as the drafting code does: "1. ", "2. " ... on numbered lines, in order."""
    mapping = (context or seed_context()).as_mapping()
    paragraphs = []
    number = 0
    for key in SEED_REPLY_LINES:
        text = render_line(library[key].body, mapping)
        if library[key].numbered:
            number += 1
            text = f"{number}. {text}"
        paragraphs.append(text)
    return paragraphs


def test_seed_body_is_read_without_page_furniture() -> None:
    paragraphs = seed_body_paragraphs()
    assert len(paragraphs) == 16
    assert paragraphs[0].startswith("Thank you for your letter enclosing an example")
    assert paragraphs[-1].startswith("I will shortly be meeting the new Chief Executive")
    assert not any("schools and families" in p.lower() for p in paragraphs)
    numbers = [m.group(1) for p in paragraphs if (m := re.match(r"(\d)\. ", p))]
    assert numbers == ["1", "2", "3", "4", "5", "6"]


def test_library_reproduces_the_seed_reply_paragraph_by_paragraph(
    library: dict[str, LineFile],
) -> None:
    expected = seed_body_paragraphs()
    actual = rendered_reply(library)
    assert len(actual) == len(expected)
    for index, (want, got) in enumerate(zip(expected, actual, strict=True), start=1):
        assert normalised(got) == normalised(want), f"paragraph {index}"


def test_render_seed_body_helper_agrees(library: dict[str, LineFile]) -> None:
    assert render_seed_body(library) == rendered_reply(library)
    assert render_seed_body() == rendered_reply(library)


def test_seed_lines_were_approved_before_the_reply_was_sent(
    library: dict[str, LineFile],
) -> None:
    sent = seed_context().letter_date
    assert sent == date(2009, 2, 3)
    for key in SEED_REPLY_LINES:
        line = library[key]
        assert line.status == "approved", key
        assert line.approved_on is not None and line.approved_on < sent, key
        assert line.review_by is not None and line.review_by > sent, key


def test_numbers_are_not_written_into_the_lines(library: dict[str, LineFile]) -> None:
    for key in SEED_REPLY_LINES:
        assert not re.match(r"\s*\d+\.", library[key].body), key
    assert sum(library[key].numbered for key in SEED_REPLY_LINES) == 6


def test_the_same_lines_serve_another_campaign(library: dict[str, LineFile]) -> None:
    """The NSPCC and the constituents are variables, not fixed text."""
    seed = seed_context()
    other = replace(
        seed,
        campaign=CampaignView(name="Safe at Home", organisation="Children First Trust", size=40),
        constituents=seed.constituents[:1],
    )
    keys = [k for k in SEED_REPLY_LINES if k != "nspcc-closing-meeting-chief-executive"]
    mapping = other.as_mapping()
    text = " ".join(render_line(library[key].body, mapping) for key in keys)
    assert "NSPCC" not in text
    assert "the Children First Trust's proposals to Government" in text
    assert "from your constituent, Mrs Alison Marchetti, which endorses" in text
    assert "a number of your constituents" not in text


def test_seed_context_is_the_reply_to_tessa_jowell() -> None:
    context = seed_context()
    assert context.correspondent.salutation_name == "Tessa"
    assert context.correspondent.kind == "mp"
    assert context.case.reference == "2009/0007948POSoS"
    assert context.case.received_on == date(2009, 2, 4)
    assert context.campaign is not None and context.campaign.organisation == "NSPCC"
    assert len(context.constituents) >= 2
