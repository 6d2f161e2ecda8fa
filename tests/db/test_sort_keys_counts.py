"""The status bar's count of a status filter, with and without a search, by every path.

At a million cases each path is chosen by size (a status holding most cases, a word in
half the letters); here the sizes are lowered so that the demo office takes each path,
and every count must still equal the cases the list shows.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from correspondence.services.cases import case_list, search
from correspondence.services.cases.case_list import CaseFilter
from correspondence.services.desk import Desk

STATUSES = ["open", "closed", "dispatched", "drafting", "no_reply"]


def _listed(desk: Desk, flt: CaseFilter) -> int:
    page = desk.list_page(flt, limit=100_000)
    assert not page.has_more
    return len(page.rows)


@pytest.mark.parametrize("status", STATUSES)
def test_a_status_holding_most_cases_is_counted_as_all_less_the_others(
    demo_desk: Desk, monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    flt = CaseFilter(status=status)
    expected = _listed(demo_desk, flt)
    total = _listed(demo_desk, CaseFilter())
    assert demo_desk.counts(flt).shown == expected
    engine = demo_desk.uow.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # the statistics of a table VACUUM or ANALYZE has seen
            conn.execute(text("ANALYZE cases"))
    # "Most" made to mean this status's own size: it holds that many, the others fewer.
    most = expected > total - expected
    monkeypatch.setattr(case_list, "FEW_STATUS", expected if most else total + 1)
    counts = demo_desk.counts(flt)
    assert counts.shown == expected
    # All cases come from PostgreSQL's statistics (exact after ANALYZE of a small table),
    # and the status bar says so; SQLite counts them. The open cases are the status bar's
    # own figure, counted with it whatever their number.
    estimated = most and engine.dialect.name == "postgresql" and status != "open"
    assert counts.shown_is_estimate == estimated
    assert counts.shown_text.startswith("about ") == estimated


def test_the_demo_office_has_a_status_holding_most_cases(demo_desk: Desk) -> None:
    """So that the test above takes the path of all cases less the others."""
    total = _listed(demo_desk, CaseFilter())
    assert any(_listed(demo_desk, CaseFilter(status=s)) * 2 > total for s in STATUSES)


@pytest.mark.parametrize("status", STATUSES)
def test_a_common_word_within_a_status_is_counted_exactly_by_each_path(
    demo_desk: Desk, monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    """SQLite: the matches between the kept cases' ids read once, or each kept case
    probed, or (many kept) an estimate unless it is small; each exact where it says so."""
    if demo_desk.uow.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL counts a search within a filter one way (its planner's)")
    flt = CaseFilter(search="school", status=status)
    expected = _listed(demo_desk, flt)
    monkeypatch.setattr(search, "MANY_MATCHES", 1)  # "school" is a common word
    for stream_per_probe in (10**6, 0):  # read the matches in the ids' range; probe each
        monkeypatch.setattr(case_list, "STREAM_PER_PROBE", stream_per_probe)
        counts = demo_desk.counts(flt)
        assert (counts.shown, counts.shown_is_estimate) == (expected, False)
    monkeypatch.setattr(case_list, "PROBE_AT_MOST", 0)  # too many kept cases to probe
    counts = demo_desk.counts(flt)
    assert (counts.shown, counts.shown_is_estimate) == (expected, False)  # a small guess
    monkeypatch.setattr(case_list, "EXACT_UP_TO", 0)
    counts = demo_desk.counts(flt)
    assert counts.shown_is_estimate and counts.shown_text.startswith("about ")
