"""A phrase's page: exactly the letters holding the words in that order, in every sort, and
on PostgreSQL read by one process walking the sort's index (bench/README.md: twice the
speed of the plain join, which PostgreSQL gives two workers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import event, text

from correspondence.database import Database
from correspondence.domain.salutations import CorrespondentKind
from correspondence.services.cases.case_list import CaseFilter, SortKey
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 11, 23)
LETTERS = [
    "School transport costs for rural families have doubled.",  # the phrase
    "Transport to school is too dear.",  # both words, the other way round
    "The school bus, and transport in general, are late.",  # both, apart
    "Our school transport contract ends in March.",  # the phrase
    "Nothing about either.",
    "A complaint about school transport and school meals.",  # the phrase
]
PHRASED = {0, 3, 5}
FREE_WORKERS = (
    "parallel_setup_cost",
    "parallel_tuple_cost",
    "min_parallel_table_scan_size",
    "min_parallel_index_scan_size",
)


@pytest.fixture
def desk(db: Database) -> Desk:
    desk = Desk(acting_as(db.session_factory, "tester"), clock=lambda: TODAY)
    for i, letter in enumerate(LETTERS):
        desk.log_case(
            NewCase(
                received_on=dt.date(2026, 10, 1 + (i * 5) % 7),  # not in logging order
                new_correspondent=NewCorrespondent(
                    kind=CorrespondentKind.PUBLIC, first_name="Imogen", last_name=f"Tarrant{i}"
                ),
                letter_text=letter,
            )
        )
    return desk


def _all_pages(desk: Desk, flt: CaseFilter, sort: SortKey, descending: bool) -> list[Any]:
    rows, after = [], None
    while True:
        page = desk.list_page(flt, sort=sort, descending=descending, after=after, limit=2)
        rows += page.rows
        if not page.has_more:
            return rows
        after = page.last_key


@pytest.mark.parametrize("sort", list(SortKey))
@pytest.mark.parametrize("descending", [True, False])
def test_a_phrase_pages_through_its_letters_once_in_order(
    desk: Desk, sort: SortKey, descending: bool
) -> None:
    everyone = {r.correspondent: r.id for r in _all_pages(desk, CaseFilter(), sort, True)}
    flt = CaseFilter(search='"school transport"')
    rows = _all_pages(desk, flt, sort, descending)
    assert {r.id for r in rows} == {everyone[f"Imogen Tarrant{i}"] for i in PHRASED}
    assert len(rows) == len(PHRASED) == desk.counts(flt).shown
    keys = [(r.sort_value, r.id) for r in rows]
    assert keys == sorted(keys, reverse=descending)


def test_stop_words_alone_are_counted_as_they_are_listed(db: Database, desk: Desk) -> None:
    """PostgreSQL's index drops stop words ("the", "of"): a phrase of nothing else
    searches for nothing, and the list shows every letter. SQLite's index keeps them.
    Either way the status bar counts what the list shows."""
    flt = CaseFilter(search='"the of"')
    rows = _all_pages(desk, flt, SortKey.RECEIVED, True)
    assert desk.counts(flt).shown == len(rows)
    if db.engine.dialect.name == "postgresql":
        assert len(rows) == len(LETTERS)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_phrase_page_is_read_by_one_process(db: Database, desk: Desk) -> None:
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cur: Any, statement: str, params: Any, *_rest: Any) -> None:
        statements.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        rows = desk.list_page(CaseFilter(search='"school transport"')).rows
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert len(rows) == len(PHRASED)
    ((page, params),) = [s for s in statements if "case_search" in s[0]]
    plain = (
        "SELECT cases.id FROM case_search JOIN cases ON cases.id = case_search.case_id"
        " WHERE case_search.document @@ phraseto_tsquery('english', 'school transport')"
        " ORDER BY cases.received_on DESC, cases.id DESC LIMIT 201"
    )
    with db.engine.connect() as conn:
        # Workers made free and any table worth them: the planner would use them if it could.
        for setting in FREE_WORKERS:
            conn.execute(text(f"SET LOCAL {setting} = 0"))
        conn.execute(text("SET LOCAL enable_bitmapscan = off"))  # the walk, as at a million

        def plan(statement: str, params: Any = None) -> str:
            return "\n".join(
                line for (line,) in conn.exec_driver_sql(f"EXPLAIN {statement}", params or {})
            )

        assert "Gather" in plan(plain)  # so the test can tell
        app = plan(page, params)
        assert "Gather" not in app, app
        assert "One-Time Filter: false" in app  # the stop words' branch, planned away
