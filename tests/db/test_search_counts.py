"""The status bar's count of a search: exact while small, an estimate it says is one."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from correspondence.services.cases import case_list, search
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
    counts = demo_desk.counts(flt)
    if status and demo_desk.uow.engine.dialect.name == "sqlite":
        # With a filter SQLite still counts exactly (it probes the filtered rows).
        assert counts.shown == exact and not counts.shown_is_estimate
    else:
        assert counts.shown_is_estimate and counts.shown_text.startswith("about ")
        assert counts.shown >= 3


def test_one_common_word_shows_the_statistics_figure_and_several_are_still_counted(
    demo_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: one word the statistics know to be in at least twice the exact limit's
    letters is shown as their figure ("about"), without reading the matches first; words
    together (whose figure multiplies guesses) are still counted up to the limit."""
    engine = demo_desk.uow.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite estimates from windows of the index, after counting to the limit")
    with engine.begin() as conn:
        conn.execute(text("ANALYZE case_search"))
    with demo_desk.uow.read() as uow:
        figure = search.pg_estimate_matches(uow.session, search.parse("school"))
    exact = demo_desk.counts(CaseFilter(search="school")).shown
    assert exact > 4 and figure > 4
    monkeypatch.setattr(case_list, "EXACT_UP_TO", figure // 2)
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    counts = demo_desk.counts(CaseFilter(search="school"))
    assert (counts.shown, counts.shown_is_estimate) == (figure, True)
    assert counts.shown_text.startswith("about ")
    assert not any("count(*)" in sql and "case_search" in sql for sql in sent)
    # Two words: counted, and exact when fewer than the limit match.
    both = demo_desk.list_page(CaseFilter(search="school children"), limit=1000).rows
    monkeypatch.setattr(case_list, "EXACT_UP_TO", len(both) + 1)
    counts = demo_desk.counts(CaseFilter(search="school children"))
    assert (counts.shown, counts.shown_is_estimate) == (len(both), False)
