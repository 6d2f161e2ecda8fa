"""The status bar's count of a search: exact while small, an estimate it says is one."""

from __future__ import annotations

import pytest

from correspondence.services.cases import case_list, pg_sample
from correspondence.services.cases.case_list import CaseFilter, Counts
from correspondence.services.desk import Desk


def test_an_estimate_says_about_and_rounds_to_two_figures() -> None:
    assert Counts(532_052, 0, 0, 0, shown_is_estimate=True).shown_text == "about 530,000"
    assert Counts(16_798, 0, 0, 0, shown_is_estimate=True).shown_text == "about 17,000"
    assert Counts(1_234, 0, 0, 0).shown_text == "1,234"


def test_a_search_within_the_exact_limit_is_counted_exactly(demo_desk: Desk) -> None:
    counts = demo_desk.counts(CaseFilter(search="smacking"))
    rows = demo_desk.list_page(CaseFilter(search="smacking"), limit=1000).rows
    assert counts.shown == len(rows) > 0 and not counts.shown_is_estimate


@pytest.mark.parametrize("status", ["", "closed"])
def test_a_search_beyond_the_exact_limit_is_estimated(
    demo_desk: Desk, monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    flt = CaseFilter(search="smacking", status=status)
    exact = demo_desk.counts(flt).shown
    assert exact > 4
    monkeypatch.setattr(case_list, "EXACT_UP_TO", 3)
    # PostgreSQL: a sample that leaves cases out, and no count cheap enough to be exact.
    monkeypatch.setattr(pg_sample, "SAMPLE_SPAN", 2)
    monkeypatch.setattr(case_list, "PG_EXACT_READS", -1)
    monkeypatch.setattr(case_list, "PG_PROBE_AT_MOST", -1)
    counts = demo_desk.counts(flt)
    if status and demo_desk.uow.engine.dialect.name == "sqlite":
        # With a filter SQLite still counts exactly (it probes the filtered rows).
        assert counts.shown == exact and not counts.shown_is_estimate
    else:
        assert counts.shown_is_estimate and counts.shown_text.startswith("about ")
        if demo_desk.uow.engine.dialect.name == "sqlite":
            assert counts.shown >= 3
