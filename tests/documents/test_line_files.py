"""The line-file format and the shipped library."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from correspondence.documents.context import sample_context
from correspondence.documents.line_files import (
    LineFile,
    LineFileError,
    format_line_file,
    library_dir,
    parse_line_file,
    read_library,
    write_library,
)
from correspondence.documents.rendering import render_line, validate_line
from correspondence.documents.seed_reply import seed_context

THEMES = (
    "SCR SWTF SMACK LAMING LSCB CDR CARE WT NSDU HEALTH INSPECT FUND ICT VBS POLICE BABYP"
).split()

GOOD = """---
key: test-line
title: A line: with a colon
themes: LAMING, SCR
status: approved
version: 2
owner: policy.lead.safeguarding
approved_by: policy.lead.safeguarding
approved_on: 2009-01-28
review_by: 2009-07-31
numbered: true
---
Dear {{ correspondent.salutation_name }}
second line & <more>
"""


@pytest.fixture(scope="module")
def library() -> list[LineFile]:
    return read_library(library_dir())


def test_parse_reads_every_field() -> None:
    line = parse_line_file(GOOD)
    assert line == LineFile(
        key="test-line",
        title="A line: with a colon",
        themes=("LAMING", "SCR"),
        status="approved",
        version=2,
        owner="policy.lead.safeguarding",
        approved_by="policy.lead.safeguarding",
        approved_on=date(2009, 1, 28),
        review_by=date(2009, 7, 31),
        numbered=True,
        body="Dear {{ correspondent.salutation_name }}\nsecond line & <more>",
    )
    assert format_line_file(line) == GOOD


def test_draft_without_approval_round_trips() -> None:
    draft = replace(
        parse_line_file(GOOD), status="draft", approved_by=None, approved_on=None, review_by=None
    )
    text = format_line_file(draft)
    assert "approved_by:\n" in text
    assert parse_line_file(text) == draft


def test_body_keeps_trailing_blank_lines_exactly() -> None:
    line = replace(parse_line_file(GOOD), body="Text\n\n")
    assert parse_line_file(format_line_file(line)).body == "Text\n\n"


def _broken(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_broken("key: test-line\n", ""), "missing field 'key'"),
        (
            _broken("approved_on: 2009-01-28", "approved_on: 28/01/2009"),
            "line 9: field 'approved_on'",
        ),
        (_broken("review_by: 2009-07-31", "review_by: 2009-02-30"), "line 10: field 'review_by'"),
        (_broken("status: approved", "status: signed"), "line 5: status 'signed'"),
        (_broken("themes: LAMING, SCR", "themes:"), "line 4: field 'themes' is empty"),
        (_broken("key: test-line", "key: Test Line"), "line 2: key 'Test Line'"),
        (_broken("version: 2", "version: two"), "line 6: version"),
        (_broken("numbered: true", "numbered: yes"), "line 11: numbered"),
        (_broken("owner: policy", "colour: blue\nowner: policy"), "unknown field 'colour'"),
        (_broken("approved_by: policy.lead.safeguarding\n", ""), "needs approved_by"),
        (GOOD.split("---\n", 2)[1], "must start with a '---' line"),
        (GOOD.rsplit("---\n", 1)[0], "not closed"),
        (GOOD.rsplit("---\n", 1)[0] + "---\n\n", "no text"),
    ],
)
def test_errors_name_the_file_and_the_problem(text: str, expected: str) -> None:
    with pytest.raises(LineFileError) as caught:
        parse_line_file(text, source="letter_templates/test-line.txt")
    message = str(caught.value)
    assert message.startswith("letter_templates/test-line.txt")
    assert expected in message


def test_read_library_names_the_bad_file(tmp_path: Path) -> None:
    (tmp_path / "test-line.txt").write_text(GOOD, encoding="utf-8")
    bad = GOOD.replace("key: test-line", "key: other-line").replace(
        "status: approved", "status: published"
    )
    (tmp_path / "other-line.txt").write_text(bad, encoding="utf-8")
    with pytest.raises(LineFileError, match=r"other-line\.txt, line 5: status 'published'"):
        read_library(tmp_path)


def test_read_library_refuses_duplicate_keys_naming_both_files(tmp_path: Path) -> None:
    (tmp_path / "test-line.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "copy-of-test-line.txt").write_text(GOOD, encoding="utf-8")
    with pytest.raises(LineFileError) as caught:
        read_library(tmp_path)
    assert "copy-of-test-line.txt" in str(caught.value)
    assert f"{tmp_path / 'test-line.txt'}" in str(caught.value)


def test_read_library_wants_the_file_named_after_the_key(tmp_path: Path) -> None:
    (tmp_path / "renamed.txt").write_text(GOOD, encoding="utf-8")
    with pytest.raises(LineFileError, match=r"renamed\.txt: .* must be named test-line\.txt"):
        read_library(tmp_path)


def test_write_library_refuses_the_same_key_twice(tmp_path: Path) -> None:
    line = parse_line_file(GOOD)
    with pytest.raises(LineFileError, match="test-line"):
        write_library([line, line], tmp_path)


def test_shipped_library_round_trips_byte_for_byte(library: list[LineFile], tmp_path: Path) -> None:
    written = write_library(library, tmp_path)
    originals = sorted(library_dir().glob("*.txt"))
    assert [p.name for p in written] == [p.name for p in originals]
    for original, copy in zip(originals, written, strict=True):
        assert copy.read_bytes() == original.read_bytes(), original.name


def test_shipped_library_size_and_keys(library: list[LineFile]) -> None:
    assert 40 <= len(library) <= 55
    assert [line.key for line in library] == sorted(line.key for line in library)


def test_every_theme_has_at_least_two_specific_approved_lines(library: list[LineFile]) -> None:
    # General openings and closings carry every code; they do not count as policy wording.
    specific = [line for line in library if line.status == "approved" and len(line.themes) < 16]
    counts = Counter(theme for line in specific for theme in line.themes)
    assert {theme: counts[theme] for theme in THEMES if counts[theme] < 2} == {}
    assert set(counts) <= set(THEMES)


def test_shipped_lines_are_approved_with_review_dates_after_approval(
    library: list[LineFile],
) -> None:
    for line in library:
        assert line.status == "approved", line.key
        assert line.approved_by and line.approved_on and line.review_by, line.key
        assert date(2008, 1, 1) <= line.approved_on < line.review_by, line.key


def test_every_shipped_line_validates(library: list[LineFile]) -> None:
    problems = {line.key: [str(p) for p in validate_line(line.body)] for line in library}
    assert {key: found for key, found in problems.items() if found} == {}


@pytest.mark.parametrize("make_context", [sample_context, seed_context])
def test_every_shipped_line_renders(library: list[LineFile], make_context) -> None:
    mapping = make_context().as_mapping()
    for line in library:
        text = render_line(line.body, mapping)
        assert text and "{" not in text and "  " not in text, line.key


def test_lines_without_campaign_wording_serve_a_plain_letter(library: list[LineFile]) -> None:
    """A member of the public writing alone: no campaign, no constituents."""
    seed = seed_context()
    context = replace(
        seed,
        case=replace(seed.case, summary="the protection of children"),
        campaign=None,
        constituents=(),
    )
    mapping = context.as_mapping()
    for line in library:
        needs_campaign = "campaign." in line.body and "{% if campaign %}" not in line.body
        if needs_campaign or "NSPCC" in line.body:
            continue
        text = render_line(line.body, mapping)
        assert "constituent" not in text and "NSPCC" not in text, line.key
