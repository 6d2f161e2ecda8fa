"""Sorting the list by correspondent, team, campaign and status, on keys kept on the case.

The names are copied onto each case (migration 0014) by the database itself, so
these tests change names and assignments the ways the app does and check the list's
order straight after, on both databases.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select, text, update

from correspondence.database import Database
from correspondence.db.models import Campaign, Case, Correspondent
from correspondence.domain.states import CaseStatus
from correspondence.services.campaigns.campaigns import Campaigns
from correspondence.services.cases.case_list import CaseFilter, CaseRow, SortKey
from correspondence.services.desk import Desk
from correspondence.services.people.admin import Administration
from correspondence.services.triage.triage import Triage, TriageDecision
from correspondence.services.unit_of_work import acting_as
from tests.factories import desk_for, log_letter, member_of_public, team

TODAY = dt.date(2026, 11, 23)
ADMIN = "a.okoro"
# Capitals differ on purpose: the order ignores them ("anna" before "Beth").
PEOPLE = [("anna", "Lowe"), ("Beth", "Marsh"), ("Carys", "nye"), ("dafydd", "Owen")]


def _all(desk: Desk, flt: CaseFilter, sort: SortKey, descending: bool) -> list[CaseRow]:
    """Every row, two to a page, following each page's keyset as the window does."""
    rows: list[CaseRow] = []
    after = None
    while True:
        page = desk.list_page(flt, sort=sort, descending=descending, after=after, limit=2)
        rows.extend(page.rows)
        if not page.has_more:
            return rows
        after = page.last_key


def _shown(row: CaseRow, sort: SortKey) -> str:
    return {
        SortKey.CORRESPONDENT: row.correspondent,
        SortKey.TEAM: row.team,
        SortKey.CAMPAIGN: row.campaign,
    }[sort]


def _expected(rows: list[CaseRow], sort: SortKey, descending: bool) -> list[int]:
    """Ids in order of the shown name ignoring capitals, then id; no name is ''."""
    keyed = sorted(rows, key=lambda r: (_shown(r, sort).lower(), r.id), reverse=descending)
    return [r.id for r in keyed]


@pytest.fixture
def office(db: Database) -> dict[str, int]:
    """Eight letters from four people, in three teams or none, two in campaigns."""
    ids = {
        "adoption": team(db, ADMIN, "ADO", "adoption"),
        "Benefits": team(db, ADMIN, "BEN", "Benefits"),
        "Childcare": team(db, ADMIN, "CHI", "Childcare"),
    }
    desk = desk_for(db, ADMIN, TODAY)
    cases = []
    for i in range(8):
        first, last = PEOPLE[i % 4]
        ref = log_letter(
            desk,
            received_on=TODAY - dt.timedelta(days=i + 1),
            correspondent=member_of_public(first, last, "Ms"),
            summary=f"Letter {i}",
            letter_text=f"About school transport, letter number {i}.",
        )
        cases.append(desk.find_reference(ref))
    triage = Triage(acting_as(db.session_factory, ADMIN), clock=lambda: TODAY)
    teams = [ids["Childcare"], ids["adoption"], None, ids["Benefits"]]
    for case_id, team_id in zip(cases, teams * 2, strict=True):
        if team_id is not None:
            triage.apply(case_id, TriageDecision(team_id=team_id), finish=False)
    with db.session_factory.begin() as s:  # no service starts a campaign by hand
        for name in ("zebra crossings", "Allotments"):
            s.add(Campaign(name=name, organisation=f"{name} group", canonical_text=""))
    with db.session_factory() as s:
        found = {name: id_ for name, id_ in s.execute(select(Campaign.name, Campaign.id))}
    campaigns = Campaigns(acting_as(db.session_factory, ADMIN), clock=lambda: TODAY)
    campaigns.add_members(found["zebra crossings"], cases[:2])
    campaigns.add_members(found["Allotments"], cases[2:3])
    return {**ids, **{f"case{i}": c for i, c in enumerate(cases)}, **found}


@pytest.mark.parametrize("sort", [SortKey.CORRESPONDENT, SortKey.TEAM, SortKey.CAMPAIGN])
@pytest.mark.parametrize("descending", [False, True])
def test_names_sort_ignoring_capitals_and_every_case_comes_once(
    db: Database, office: dict[str, int], sort: SortKey, descending: bool
) -> None:
    desk = desk_for(db, ADMIN, TODAY)
    for flt in (
        CaseFilter(),
        CaseFilter(search="school transport"),  # two words
        CaseFilter(search='"school transport"'),  # a phrase: its ids fetched once
        CaseFilter(search='"school transport"', status="open"),
        CaseFilter(status="open"),
    ):
        rows = _all(desk, flt, sort, descending)
        assert len(rows) == 8 == len({r.id for r in rows}), flt
        assert [r.id for r in rows] == _expected(rows, sort, descending), flt


def test_cases_without_a_team_or_campaign_come_first_going_up_and_last_going_down(
    db: Database, office: dict[str, int]
) -> None:
    desk = desk_for(db, ADMIN, TODAY)
    for sort, blanks in ((SortKey.TEAM, 2), (SortKey.CAMPAIGN, 5)):
        up = [_shown(r, sort) for r in _all(desk, CaseFilter(), sort, False)]
        down = [_shown(r, sort) for r in _all(desk, CaseFilter(), sort, True)]
        assert up[:blanks] == [""] * blanks and "" not in up[blanks:]
        assert down[-blanks:] == [""] * blanks and "" not in down[:-blanks]
    teams = [r.team for r in _all(desk, CaseFilter(), SortKey.TEAM, False)]
    assert teams[2:] == ["adoption"] * 2 + ["Benefits"] * 2 + ["Childcare"] * 2


def test_a_renamed_team_campaign_or_correspondent_moves_in_the_order(
    db: Database, office: dict[str, int]
) -> None:
    desk = desk_for(db, ADMIN, TODAY)
    admin = Administration(acting_as(db.session_factory, ADMIN))
    version = next(t.version for t in admin.teams() if t.id == office["adoption"])
    admin.update_team(office["adoption"], version, {"name": "Youth justice"})
    teams = [r.team for r in _all(desk, CaseFilter(), SortKey.TEAM, False)]
    assert teams == [""] * 2 + ["Benefits"] * 2 + ["Childcare"] * 2 + ["Youth justice"] * 2

    Campaigns(acting_as(db.session_factory, ADMIN), clock=lambda: TODAY).rename(
        office["zebra crossings"], "Bus passes"
    )
    named = [r.campaign for r in _all(desk, CaseFilter(), SortKey.CAMPAIGN, True)]
    assert named[:3] == ["Bus passes", "Bus passes", "Allotments"]

    # No screen renames a correspondent yet; anonymising does, and any writer may.
    with db.session_factory.begin() as s:
        s.execute(
            update(Correspondent)
            .where(Correspondent.display_name == "Ms anna Lowe")
            .values(display_name="Zoe Lowe")
        )
    people = [r.correspondent for r in _all(desk, CaseFilter(), SortKey.CORRESPONDENT, False)]
    assert people[-2:] == ["Zoe Lowe"] * 2
    assert [r.correspondent for r in _all(desk, CaseFilter(), SortKey.CORRESPONDENT, True)][:2] == [
        "Zoe Lowe"
    ] * 2


def test_reassigning_a_case_and_changing_its_status_move_it(
    db: Database, office: dict[str, int]
) -> None:
    desk = desk_for(db, ADMIN, TODAY)
    moved = office["case2"]  # no team, so first going up
    assert _all(desk, CaseFilter(), SortKey.TEAM, False)[0].id in (moved, office["case6"])
    Triage(acting_as(db.session_factory, ADMIN), clock=lambda: TODAY).apply(
        moved, TriageDecision(team_id=office["Childcare"]), finish=False
    )
    rows = _all(desk, CaseFilter(), SortKey.TEAM, False)
    assert [r.id for r in rows] == _expected(rows, SortKey.TEAM, False)
    assert next(r.team for r in rows if r.id == moved) == "Childcare"
    assert rows[-1].id == max(r.id for r in rows if r.team == "Childcare")

    Campaigns(acting_as(db.session_factory, ADMIN), clock=lambda: TODAY).remove_members(
        office["Allotments"], [moved], "not part of it"
    )
    rows = _all(desk, CaseFilter(), SortKey.CAMPAIGN, True)
    assert [r.id for r in rows] == _expected(rows, SortKey.CAMPAIGN, True)
    assert "Allotments" not in {r.campaign for r in rows}

    Triage(acting_as(db.session_factory, ADMIN), clock=lambda: TODAY).no_reply(
        office["case0"], "A copy of a letter already answered"
    )
    for descending in (False, True):
        rows = _all(desk, CaseFilter(), SortKey.STATUS, descending)
        keys = [(r.status.value, r.id) for r in rows]
        assert keys == sorted(keys, reverse=descending) and len(rows) == 8
    assert next(r.status for r in rows if r.id == office["case0"]) is CaseStatus.NO_REPLY


def test_raw_inserts_get_their_keys_too(db: Database, office: dict[str, int]) -> None:
    """A bulk load writing rows directly (as the benchmark does) is sorted right too."""
    with db.session_factory.begin() as s:
        case = s.get(Case, office["case1"])
        assert case is not None
        s.execute(
            text(
                "INSERT INTO cases (reference, ref_year, ref_sequence, office_code, direction,"
                " channel, received_on, logged_at, status, priority, summary, letter_text,"
                " correspondent_id, team_id, campaign_id, transfer_to, transfer_reason,"
                " no_reply_reason, signature_method, dispatch_channel, is_acknowledgement,"
                " version, updated_at) VALUES ('2026/9999999X', 2026, 9999999, :office,"
                " 'incoming', 'post', :day, :at, 'logged', 'normal', '', '', :who, :team,"
                " :campaign, '', '', '', '', '', false, 1, :at)"
            ),
            {
                "office": case.office_code,
                "day": TODAY,
                "at": dt.datetime(2026, 11, 23, 9),
                "who": case.correspondent_id,
                "team": office["Benefits"],
                "campaign": office["Allotments"],
            },
        )
    desk = desk_for(db, ADMIN, TODAY)
    for sort in (SortKey.CORRESPONDENT, SortKey.TEAM, SortKey.CAMPAIGN):
        rows = _all(desk, CaseFilter(), sort, False)
        assert [r.id for r in rows] == _expected(rows, sort, False) and len(rows) == 9


@pytest.mark.parametrize(
    ("sort", "column"),
    [
        (SortKey.CORRESPONDENT, "correspondent_sort"),
        (SortKey.TEAM, "team_sort"),
        (SortKey.CAMPAIGN, "campaign_sort"),
        (SortKey.STATUS, "status"),
    ],
)
@pytest.mark.parametrize("descending", [False, True])
def test_each_sort_walks_an_index_instead_of_sorting_every_case(
    demo_desk: Desk, sort: SortKey, column: str, descending: bool
) -> None:
    """At a million cases, sorting through a join took seconds: no plan may sort the list,
    on the first page or a later one, alone or filtered by status (one status, a status
    holding nearly every case, the open ones, the closed ones; migration 0016)."""
    engine = demo_desk.uow.engine
    filters = [
        CaseFilter(),
        CaseFilter(status="open"),
        CaseFilter(status="closed"),
        CaseFilter(status=CaseStatus.DRAFTING.value),
        CaseFilter(status=CaseStatus.DISPATCHED.value),
    ]
    seen: list[tuple[CaseFilter, str, object]] = []
    for flt in filters:
        statements: list[tuple[str, object]] = []

        def capture(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
            if f"ORDER BY cases.{column}" in statement:
                statements.append((statement, parameters))  # noqa: B023 - used at once

        event.listen(engine, "before_cursor_execute", capture)
        try:
            first = demo_desk.list_page(flt, sort=sort, descending=descending, limit=2)
            assert first.has_more, flt  # so a later page is asked for too
            demo_desk.list_page(
                flt, sort=sort, descending=descending, after=first.last_key, limit=2
            )
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        assert len(statements) == 2, flt
        seen += [(flt, statement, parameters) for statement, parameters in statements]
    with engine.begin() as conn:
        for flt, statement, parameters in seen:
            if engine.dialect.name == "sqlite":
                plan = " | ".join(
                    row[-1]
                    for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                )
                assert "TEMP B-TREE FOR ORDER BY" not in plan, (flt, plan)
                if flt.status == "open":  # the small index of the open cases, not a walk
                    assert "ix_cases_open_" in plan, plan
            else:
                # A small table may be read whole; with sorting priced out, a plan still
                # sorts only if no index gives the order. Statistics as autovacuum keeps
                # them (without, and with, the planner chose differently from run to run).
                conn.exec_driver_sql("ANALYZE cases")
                conn.exec_driver_sql("SET LOCAL enable_sort = off")
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
                plan = "\n".join(
                    row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
                )
                assert "Sort" not in plan.replace("Sort Key", ""), (flt, plan)
                if flt.status == "open":  # the open cases' index, or the status index's range
                    walks_open = "ix_cases_open_" in plan or (
                        "ix_cases_status_" in plan and "(status = ANY" in plan
                    )
                    assert walks_open, plan
