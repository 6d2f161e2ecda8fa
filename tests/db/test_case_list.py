"""The case list pages by keyset in SQL: every case once, in order, with filters."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from correspondence.domain.states import CaseStatus
from correspondence.services.cases.case_list import CaseFilter, DueFilter, SortKey
from correspondence.services.desk import Desk


def _all(desk: Desk, flt: CaseFilter, sort: SortKey, descending: bool, limit: int = 37) -> list:
    rows, after = [], None
    while True:
        page = desk.list_page(flt, sort=sort, descending=descending, after=after, limit=limit)
        rows.extend(page.rows)
        if not page.has_more:
            return rows
        after = page.last_key


@pytest.mark.parametrize("sort", list(SortKey))
@pytest.mark.parametrize("descending", [True, False])
def test_pages_cover_every_case_once_in_order(
    demo_desk: Desk, sort: SortKey, descending: bool
) -> None:
    rows = _all(demo_desk, CaseFilter(), sort, descending)
    total = demo_desk.counts(CaseFilter()).shown
    assert len(rows) == total == len({r.id for r in rows})
    keys = [(r.sort_value, r.id) for r in rows]
    assert keys == sorted(keys, reverse=descending)


def test_filters_combine(demo_desk: Desk) -> None:
    flt = CaseFilter(status="open", theme="SMACK")
    rows = _all(demo_desk, flt, SortKey.RECEIVED, True)
    assert rows and all(r.is_open and "SMACK" in r.themes for r in rows)
    assert len(rows) == demo_desk.counts(flt).shown


def test_overdue_filter_lists_only_open_cases_past_their_deadline(demo_desk: Desk) -> None:
    rows = _all(demo_desk, CaseFilter(due=DueFilter.OVERDUE), SortKey.DUE, False)
    assert rows, "the demo data should have overdue cases"
    assert all(r.overdue and r.is_open for r in rows)
    assert demo_desk.counts(CaseFilter()).overdue == len(rows)


def test_due_this_week_is_within_five_working_days(demo_desk: Desk) -> None:
    rows = _all(demo_desk, CaseFilter(due=DueFilter.THIS_WEEK), SortKey.DUE, False)
    assert all(r.days_left is not None and 0 <= r.days_left <= 5 for r in rows)


def test_search_finds_a_phrase_from_the_letter_and_a_reference(demo_desk: Desk) -> None:
    rows = _all(demo_desk, CaseFilter(search="Tessa Jowell"), SortKey.RECEIVED, True)
    assert [r.reference for r in rows] == ["2009/0007948POSoS"]
    rows = _all(demo_desk, CaseFilter(search="0007948"), SortKey.RECEIVED, True)
    assert [r.reference for r in rows] == ["2009/0007948POSoS"]
    rows = _all(demo_desk, CaseFilter(search="reasonable punishment"), SortKey.RECEIVED, True)
    assert len(rows) > 10


def test_campaign_and_constituents_show_in_the_list(demo_desk: Desk) -> None:
    seed = _all(demo_desk, CaseFilter(search="0007948"), SortKey.RECEIVED, True)[0]
    assert seed.correspondent == "Rt Hon Tessa Jowell MP"
    assert seed.on_behalf_of == "Mrs Joan Abbott and 2 others"
    assert seed.campaign.startswith("NSPCC")
    assert seed.status is CaseStatus.DISPATCHED and seed.days_left is None


@pytest.mark.parametrize("descending", [True, False])
def test_sorting_by_due_date_walks_an_index_instead_of_sorting_every_case(
    demo_desk: Desk, descending: bool
) -> None:
    """At a million cases, sorting every one by due date took seconds (migration 0006)."""
    engine = demo_desk.uow.engine
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if "ORDER BY" in statement and "coalesce(cases.due_on" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        first = demo_desk.list_page(CaseFilter(), sort=SortKey.DUE, descending=descending)
        demo_desk.list_page(
            CaseFilter(), sort=SortKey.DUE, descending=descending, after=first.last_key
        )
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(seen) == 2, "both pages ordered by the indexed expression"
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            for statement, parameters in seen:
                plan = " | ".join(
                    row[-1]
                    for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                )
                assert "ix_cases_due_sort" in plan, plan
                assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
        else:
            # A small table is read whole whatever the indexes; the index must be there for
            # the planner to choose at scale.
            definition = conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_cases_due_sort'")
            ).scalar_one()
            assert "COALESCE(due_on, '9999-12-31'::date)" in definition


def test_most_urgent_first_walks_its_index_and_puts_closed_cases_last(demo_desk: Desk) -> None:
    """The list's default order (migration 0009): open cases by due date, closed after."""
    engine = demo_desk.uow.engine
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if "ORDER BY" in statement and "CASE WHEN cases.status IN" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        first = demo_desk.list_page(CaseFilter(), sort=SortKey.URGENCY, descending=False)
        demo_desk.list_page(
            CaseFilter(), sort=SortKey.URGENCY, descending=False, after=first.last_key
        )
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(seen) == 2
    rows = _all(demo_desk, CaseFilter(), SortKey.URGENCY, False)
    open_left = [r.days_left for r in rows if r.days_left is not None]
    assert open_left == sorted(open_left) and open_left[0] < 0
    assert all(r.days_left is None for r in rows[len(open_left) :])
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            for statement, parameters in seen:
                plan = " | ".join(
                    row[-1]
                    for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                )
                assert "ix_cases_urgency_sort" in plan, plan
                assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
        else:
            assert (
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_cases_urgency_sort'"
                    )
                ).scalar_one()
                == 1
            )


def test_every_row_shows_its_cases_themes_and_the_people_written_for(demo_desk: Desk) -> None:
    """On PostgreSQL a page's themes and people come folded into its one statement; what
    the list shows must be what the case holds, in the same order, on either database."""
    from correspondence.db.models import Constituent
    from correspondence.services.cases import case_list

    with demo_desk.uow.begin() as uow:
        s = uow.session
        # One case written for a person with no title and an empty first name, beside
        # another person: "Lee and 1 other".
        some = _all(demo_desk, CaseFilter(), SortKey.RECEIVED, True)[5]
        s.query(Constituent).filter(Constituent.case_id == some.id).delete()
        s.add_all(
            [
                Constituent(case_id=some.id, title=None, first_name="", last_name="Lee"),
                Constituent(case_id=some.id, title="Dr", first_name="Ann", last_name="Oyelaran"),
            ]
        )
    rows = _all(demo_desk, CaseFilter(), SortKey.RECEIVED, True, limit=200)
    assert {r.id: r.on_behalf_of for r in rows}[some.id] == "Lee and 1 other"
    with demo_desk.uow.read() as uow:
        ids = [r.id for r in rows]
        themes = case_list._themes_for(uow.session, ids)
        people = case_list._constituents_for(uow.session, ids)
    assert sum(1 for r in rows if len(r.themes) > 1) > 0  # the demo has cases with several
    assert {r.id: list(r.themes) for r in rows if r.themes} == dict(themes)
    assert {r.id: r.on_behalf_of for r in rows if r.on_behalf_of} == people


def test_a_page_of_the_list_is_one_statement_on_postgresql(demo_desk: Desk) -> None:
    """Each statement is a round trip to a shared server; a page with its names, themes
    and people is one."""
    engine = demo_desk.uow.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite is in the same process: its separate lookups cost no trip")
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = demo_desk.list_page(CaseFilter(status="open"), sort=SortKey.CORRESPONDENT)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert page.rows and len(statements) == 1
