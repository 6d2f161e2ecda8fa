"""The builders of tests/factories.py work on a new, empty database on both backends, and
what they build is what a person would see in the services."""

from __future__ import annotations

import datetime as dt

from correspondence.database import Database
from correspondence.domain.states import CaseStatus
from correspondence.services.actors import Role
from correspondence.services.campaigns.campaigns import Campaigns
from correspondence.services.reports.reports import Period, ReportParams, Reports, Scope
from correspondence.services.unit_of_work import acting_as
from tests import factories as f
from tests.report_cases import END, START, TODAY

DAY = dt.date(2026, 3, 9)


def test_people_teams_and_a_triaged_case_on_an_empty_database(db: Database) -> None:
    spu = f.team(db, "first.admin", "SPU", "Safeguarding Policy Unit")
    f.user(db, "first.admin", "o.lusk", [Role.OFFICER], display_name="Orla Lusk", team_id=spu)
    case_id = f.triaged_case(
        db,
        "o.lusk",
        today=DAY,
        correspondent=f.mp("Nell", "Yarrow"),
        summary="Asks about kinship carers",
        theme_codes=["SCR"],
        team_code="SPU",
    )
    detail = f.desk_for(db, "o.lusk", DAY).detail(case_id)
    assert detail.status is CaseStatus.TRIAGED
    assert detail.received_on == DAY - dt.timedelta(days=1)
    assert detail.correspondent is not None and "Yarrow" in detail.correspondent.name
    assert detail.summary == "Asks about kinship carers"
    assert "SPU" in detail.team or "Safeguarding" in detail.team


def test_a_campaign_with_five_members(db: Database) -> None:
    campaign, members = f.campaign_with_members(db, "o.lusk", 5, today=DAY)
    detail = Campaigns(acting_as(db.session_factory, "o.lusk"), clock=lambda: DAY).detail(campaign)
    assert sorted(m.case_id for m in detail.members) == sorted(members)
    assert len(members) == 5


def test_the_hand_counted_letters_for_reports(db: Database) -> None:
    ids = f.cases_for_reports(db)
    assert sorted(ids) == list("ABCDEFGHIJKLM")
    reports = Reports(acting_as(db.session_factory, "keeper"), clock=lambda: TODAY)
    assert reports.report(ReportParams(START, END, Scope.ALL, Period.MONTH)).summary.received == 12
