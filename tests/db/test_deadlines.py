"""Due dates: per reply type, stage deadlines, extensions with a reason, holding replies."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Event, Extension
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.workdays import StagePlan
from correspondence.services.actors import Role, actor_for
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.cases.deadlines import Deadlines, configure_reply_type
from correspondence.services.desk import Desk
from correspondence.services.errors import PermissionDenied, ValidationError
from correspondence.services.unit_of_work import acting_as
from tests import factories as f

TODAY = dt.date(2026, 11, 23)  # a Monday


def _log(desk: Desk, received: dt.date, reply_type: str = "ministerial") -> int:
    ref = desk.log_case(
        NewCase(
            received_on=received,
            reply_type=reply_type,
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.PUBLIC, first_name="Ada", last_name="Quill"
            ),
            letter_text="About health visitors.",
        )
    )
    return desk.find_reference(ref)


@pytest.fixture
def desk(db: Database) -> Desk:
    return Desk(acting_as(db.session_factory, "officer.one"), clock=lambda: TODAY)


@pytest.fixture
def deadlines(db: Database, desk: Desk) -> Deadlines:
    desk.actor()  # the first user of an empty database becomes officer + admin
    return Deadlines(acting_as(db.session_factory, "officer.one"), clock=lambda: TODAY)


def test_stage_deadlines_follow_the_reply_type(desk: Desk, deadlines: Deadlines) -> None:
    # Received Fri 20 Nov 2026: Day 1 is Mon 23 Nov.
    v = deadlines.view(_log(desk, dt.date(2026, 11, 20)))
    assert v.due_on == dt.date(2026, 12, 18) and v.target_days == 20
    stages = {s.key: s.due for s in v.stages}
    assert stages["draft_by"] == dt.date(2026, 12, 4)  # Day 10
    assert stages["dispatch_by"] == v.due_on
    assert [s.due for s in v.stages] == sorted(s.due for s in v.stages)
    assert not any(s.done for s in v.stages)

    ack = deadlines.view(_log(desk, dt.date(2026, 11, 20), "acknowledgement"))
    assert ack.target_days == 5 and ack.due_on == dt.date(2026, 11, 27)
    assert ack.stages[-1].due == ack.due_on
    assert all(s.due <= ack.due_on for s in ack.stages)


def test_a_reply_type_target_is_configurable(
    db: Database, desk: Desk, deadlines: Deadlines
) -> None:
    with db.session_factory.begin() as s:
        configure_reply_type(
            s, actor_for(s, "officer.one"), "official", target=15, plan=StagePlan(5, 8, 11, 14, 15)
        )
    v = deadlines.view(_log(desk, dt.date(2026, 11, 20), "official"))
    assert v.target_days == 15 and v.due_on == dt.date(2026, 12, 11)
    assert v.stages[0].due == dt.date(2026, 11, 27)  # Day 5
    with db.session_factory.begin() as s:
        with pytest.raises(PermissionDenied):
            configure_reply_type(s, actor_for(s, "someone.else"), "official", target=10)


def test_an_extension_keeps_the_old_date_and_the_reason(
    db: Database, desk: Desk, deadlines: Deadlines
) -> None:
    case_id = _log(desk, dt.date(2026, 11, 20))
    with pytest.raises(ValidationError, match="Reason"):
        deadlines.extend_deadline(case_id, dt.date(2027, 1, 8), " ")
    with pytest.raises(ValidationError, match="after the current due date"):
        deadlines.extend_deadline(case_id, dt.date(2026, 12, 1), "need policy input")
    v = deadlines.extend_deadline(case_id, dt.date(2027, 1, 8), "Awaiting Home Office input")
    assert v.due_on == dt.date(2027, 1, 8)
    assert [(e.old_due_on, e.new_due_on, e.reason) for e in v.extensions] == [
        (dt.date(2026, 12, 18), dt.date(2027, 1, 8), "Awaiting Home Office input")
    ]
    # The stages stretch to the new due date.
    assert v.stages[-1].due == dt.date(2027, 1, 8)
    assert v.stages[0].due > dt.date(2026, 12, 4)
    with db.session_factory() as s:
        ev = s.scalars(select(Event).where(Event.action == "deadline extended")).one()
        assert (ev.old_value, ev.new_value) == ("2026-12-18", "2027-01-08")
        assert s.scalar(select(Extension.granted_by_id)) is not None


def test_only_officers_and_private_secretaries_extend(db: Database, desk: Desk) -> None:
    case_id = _log(desk, dt.date(2026, 11, 20))  # officer.one: the file's first user, its admin
    f.user(db, "officer.one", "d.rafter", [Role.DRAFTER])
    f.user(db, "officer.one", "p.sec", [Role.PRIVATE_SECRETARY])
    new_due = dt.date(2027, 1, 8)
    with pytest.raises(PermissionDenied):
        Deadlines(acting_as(db.session_factory, "d.rafter"), lambda: TODAY).extend_deadline(
            case_id, new_due, "why not"
        )
    ps = Deadlines(acting_as(db.session_factory, "p.sec"), lambda: TODAY)
    assert ps.extend_deadline(case_id, new_due, "Minister away").due_on == new_due


def test_a_holding_reply_is_offered_when_the_target_is_close(
    desk: Desk, deadlines: Deadlines
) -> None:
    # Received 23 Oct: Day 20 is Fri 20 Nov, already past on 23 Nov.
    late = _log(desk, dt.date(2026, 10, 23))
    fresh = _log(desk, dt.date(2026, 11, 20))
    v = deadlines.view(late)
    assert v.days_left is not None and v.days_left < 0
    assert v.offer_holding_reply
    assert not deadlines.view(fresh).offer_holding_reply
    v = deadlines.record_holding_reply(late)
    assert v.holding_reply_on == TODAY and not v.offer_holding_reply
    assert v.due_on == dt.date(2026, 11, 20)  # the target itself does not move
    assert any(e.action == "holding reply" for e in desk.detail(late).history)
    with pytest.raises(ValidationError, match="future"):
        deadlines.record_holding_reply(fresh, TODAY + dt.timedelta(days=1))
