"""A standard line that runs away is refused before anyone can use it, and never freezes
or crashes the editor's preview: the policy lead sees which line and why."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from correspondence.database import Database
from correspondence.documents.context import sample_context
from correspondence.documents.line_files import library_dir
from correspondence.services.errors import ValidationError
from correspondence.services.lines.library import Library
from correspondence.services.lines.line_editing import NewLine
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 11, 23)
LEAD = "policy.lead.safeguarding"
TOWER = "Thank you. {% set x = (((9**100)**100)**100)**100 %}{{ x }}"
SQUARED = (
    "Thank you. {% set ns = namespace(x=3) %}{% for i in range(30) %}"
    "{% set ns.x = ns.x * ns.x %}{% endfor %}{{ ns.x }}"
)
TABS = "Thank you. {{ ('\\t' * 99999).expandtabs(99999) }}"


def _lead(db: Database) -> Library:
    return Library(acting_as(db.session_factory, LEAD), clock=lambda: TODAY)


@pytest.mark.parametrize("body", [TOWER, SQUARED, TABS], ids=["tower", "squared", "tabs"])
def test_a_runaway_line_is_refused_when_proposed_with_its_reason(
    demo_db: Database, body: str
) -> None:
    lead = _lead(demo_db)
    started = time.monotonic()
    with pytest.raises(ValidationError, match="cannot be filled in: Template code not allowed"):
        lead.propose(NewLine(key="runaway", title="Runaway", themes=["SCR"], body=body))
    assert time.monotonic() - started < 10  # the budget is 2 s; CI machines are shared
    assert all(line.key != "runaway" for line in lead.lines())


def test_a_runaway_edit_of_a_draft_or_new_version_is_refused(demo_db: Database) -> None:
    lead = _lead(demo_db)
    detail = lead.detail("babyp-tragedy")
    with pytest.raises(ValidationError, match="thousands of digits"):
        lead.new_version(detail.id, TOWER)
    good = lead.new_version(detail.id, "Thank you for writing.").latest
    with pytest.raises(ValidationError, match="building more text"):
        lead.save_draft(good.id, TABS)
    assert lead.detail("babyp-tragedy").latest.body == "Thank you for writing."


def test_the_preview_names_the_reason_quickly(demo_db: Database) -> None:
    lead = _lead(demo_db)
    started = time.monotonic()
    preview = lead.preview(SQUARED, sample_context())
    assert time.monotonic() - started < 10
    assert preview.text is None
    assert "thousands of digits" in preview.problems[0].message


def test_a_runaway_line_file_is_named_and_nothing_is_imported(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "lines"
    folder.mkdir()
    good = (library_dir() / "babyp-tragedy.txt").read_text(encoding="utf-8")
    (folder / "babyp-tragedy.txt").write_text(good, encoding="utf-8")
    runaway = good.replace("key: babyp-tragedy", "key: runaway").replace(
        "The death", "{% set x = (((9**100)**100)**100)**100 %}{{ x }} The death"
    )
    (folder / "runaway.txt").write_text(runaway, encoding="utf-8")
    library = Library(acting_as(db.session_factory, "tester"), clock=lambda: TODAY)
    with pytest.raises(ValidationError) as refused:
        library.import_dir(folder)
    assert "runaway.txt" in str(refused.value) and "thousands of digits" in str(refused.value)
    assert library.lines() == []
