"""Triage on the demo data: confirm themes, allocate, close as no reply or transfer, in bulk."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import (
    Case,
    Correspondent,
    Event,
    Setting,
    Team,
    User,
    case_themes,
)
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.errors import PermissionDenied, ValidationError
from correspondence.services.triage.triage import Triage, TriageDecision
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def triage(demo_db: Database) -> Triage:
    return Triage(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: TODAY)


def _ids(db: Database) -> dict[str, int]:
    with db.session_factory() as s:
        teams = {code: i for code, i in s.execute(select(Team.code, Team.id))}
        users = {u: i for u, i in s.execute(select(User.username, User.id))}
    return {**teams, **users}


def test_queue_is_the_logged_cases_oldest_first(triage: Triage, demo_db: Database) -> None:
    queue = triage.queue()
    with demo_db.session_factory() as s:
        rows = s.execute(select(Case.id, Case.received_on, Case.status)).all()
    logged = sorted((r.received_on, r.id) for r in rows if r.status == "logged")
    assert queue == [i for _, i in logged]
    assert len(queue) > 10


def test_triaging_a_case_records_confirmed_themes_and_every_change(
    triage: Triage, demo_db: Database
) -> None:
    ids = _ids(demo_db)
    case_id = triage.queue()[0]
    before = triage.load(case_id)
    assert before.suggestions, "a logged letter with text gets theme suggestions"
    assert all(s.because for s in before.suggestions)
    triage.apply(
        case_id,
        TriageDecision(
            themes=["CARE", "FUND"],
            reply_type="official",
            team_id=ids["FLC"],
            drafter_id=ids["r.clarke"],
            priority="urgent",
        ),
    )
    after = triage.load(case_id)
    assert after.status is CaseStatus.TRIAGED
    assert after.themes == ("CARE", "FUND")
    assert (after.team_id, after.drafter_id, after.priority) == (
        ids["FLC"],
        ids["r.clarke"],
        "urgent",
    )
    with demo_db.session_factory() as s:
        rows = s.execute(
            select(
                case_themes.c.source, case_themes.c.confirmed_by_id, case_themes.c.confirmed_at
            ).where(case_themes.c.case_id == case_id)
        ).all()
        assert {(src, who) for src, who, _ in rows} == {("officer", ids["a.okoro"])}
        assert all(at is not None for _, _, at in rows)
        evs = s.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id)).all()
    changed = {e.field: (e.old_value, e.new_value) for e in evs if e.action == "triage"}
    assert changed["themes"][1] == "CARE, FUND"
    assert changed["team"] == ("", "Family Law and Care Team")
    assert changed["drafter"] == ("", "Rachel Clarke")
    assert changed["priority"][1] == "urgent"
    assert (evs[-1].field, evs[-1].old_value, evs[-1].new_value) == ("status", "logged", "triaged")
    assert all(e.username == "a.okoro" for e in evs[-5:])


def test_triage_without_a_team_is_refused_and_nothing_is_saved(triage: Triage) -> None:
    case_id = triage.queue()[0]
    before = triage.load(case_id)
    with pytest.raises(ValidationError, match="Team"):
        triage.apply(case_id, TriageDecision(themes=["SCR"], priority="high"))
    after = triage.load(case_id)
    assert after.status is CaseStatus.LOGGED
    assert after.themes == before.themes and after.priority == before.priority


def test_only_officers_may_triage(demo_db: Database) -> None:
    drafter = Triage(acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: TODAY)
    case_id = drafter.queue()[0]
    with pytest.raises(PermissionDenied, match="officer"):
        drafter.apply(case_id, TriageDecision(priority="high"), finish=False)
    with pytest.raises(PermissionDenied):
        drafter.bulk_apply([case_id], TriageDecision(priority="high"))
    assert not drafter.can_triage()
    admin = Triage(acting_as(demo_db.session_factory, "admin"), clock=lambda: TODAY)
    admin.apply(case_id, TriageDecision(priority="high"), finish=False)
    assert admin.load(case_id).priority == "high"


def test_no_reply_needs_a_reason_and_closes_the_case(triage: Triage) -> None:
    case_id = triage.queue()[0]
    with pytest.raises(ValidationError, match="Reason"):
        triage.no_reply(case_id, "  ")
    triage.no_reply(case_id, "Round-robin letter with no question")
    c = triage.load(case_id)
    assert c.status is CaseStatus.NO_REPLY and c.reply_type == "no_reply"
    assert c.deadlines.due_on is None


def test_transfer_records_where_and_why(triage: Triage, demo_desk: Desk) -> None:
    case_id = triage.queue()[0]
    with pytest.raises(ValidationError, match="Transfer to"):
        triage.transfer(case_id, "", "not ours")
    triage.transfer(case_id, "Home Office", "Policing is a Home Office matter")
    d = demo_desk.detail(case_id)
    assert d.status is CaseStatus.TRANSFERRED
    assert (d.transfer_to, d.transfer_reason) == ("Home Office", "Policing is a Home Office matter")
    assert any(e.field == "transfer_to" and e.new == "Home Office" for e in d.history)


def test_changing_reply_type_moves_the_due_date(triage: Triage) -> None:
    case_id = triage.queue()[0]
    c = triage.load(case_id)
    triage.apply(case_id, TriageDecision(reply_type="acknowledgement"), finish=False)
    after = triage.load(case_id)
    assert after.deadlines.target_days == 5
    assert after.deadlines.due_on is not None and c.deadlines.due_on is not None
    assert after.deadlines.due_on < c.deadlines.due_on


def test_bulk_sets_a_selection_and_reports_the_ones_it_could_not(
    triage: Triage, demo_db: Database
) -> None:
    ids = _ids(demo_db)
    queue = triage.queue()[:4]
    with demo_db.session_factory() as s:
        closed = s.scalar(select(Case.id).where(Case.status == "dispatched"))
    result = triage.bulk_apply(
        queue, TriageDecision(team_id=ids["SPU"], drafter_id=ids["p.mehta"], themes=["SCR"])
    )
    assert len(result.changed) == 4 and not result.failed
    for cid in queue:
        c = triage.load(cid)
        assert (c.team_id, c.drafter_id, c.themes) == (ids["SPU"], ids["p.mehta"], ("SCR",))
        assert c.status is CaseStatus.LOGGED  # bulk edits do not triage unless asked

    result = triage.bulk_transfer([*queue[:2], closed], "Ministry of Justice", "Court matter")
    assert len(result.changed) == 2
    assert len(result.failed) == 1 and "Dispatched" in result.failed[0][1]
    assert triage.load(queue[0]).status is CaseStatus.TRANSFERRED
    result = triage.bulk_no_reply(queue[2:], "Duplicate of an earlier letter")
    assert len(result.changed) == 2
    assert triage.load(queue[3]).status is CaseStatus.NO_REPLY


def test_a_stop_listed_writer_is_proposed_an_acknowledgement(
    triage: Triage, demo_db: Database, demo_desk: Desk
) -> None:
    with demo_db.session_factory() as s:
        stop_id = s.scalar(select(Correspondent.id).where(Correspondent.on_stop_list.is_(True)))
    assert stop_id is not None
    ref = demo_desk.log_case(
        NewCase(
            received_on=TODAY,
            correspondent_id=stop_id,
            letter_text="Once again I write about the Haringey case.",
        )
    )
    c = triage.load(demo_desk.find_reference(ref))
    assert c.on_stop_list and c.stop_list_reason
    assert c.proposed_reply_type == "acknowledgement"
    plain = demo_desk.log_case(
        NewCase(
            received_on=TODAY,
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.PUBLIC, first_name="Ivo", last_name="Brand"
            ),
            letter_text="Health visitors",
        )
    )
    assert triage.load(demo_desk.find_reference(plain)).proposed_reply_type == "ministerial"


def test_choosing_a_team_proposes_its_drafter(triage: Triage, demo_db: Database) -> None:
    ids = _ids(demo_db)
    # SPU has a plain drafter and a policy lead who also drafts: the plain drafter is proposed.
    assert triage.default_drafter(ids["SPU"]) == ids["p.mehta"]
    assert triage.default_drafter(ids["CHI"]) == ids["n.osei"]
    with demo_db.session_factory.begin() as s:
        s.add(Setting(key="team.SPU.default_drafter", value="policy.lead.safeguarding"))
    assert triage.default_drafter(ids["SPU"]) == ids["policy.lead.safeguarding"]
