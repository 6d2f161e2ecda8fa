"""Changing a case's status shows the detail pane made from what the move read and wrote:
it must be exactly the pane opened afterwards, and a refused move must change nothing."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from correspondence.database import Database
from correspondence.db.models import Case, Event, case_themes
from correspondence.domain.states import CaseStatus
from correspondence.services import events
from correspondence.services.cases import cases
from correspondence.services.desk import Desk
from correspondence.services.errors import ConflictError, RuleRefused, ValidationError
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY


def _desk(db: Database) -> Desk:
    return Desk(acting_as(db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)


def _case(db: Database, *conditions: Any) -> int:
    with db.session_factory() as s:
        found = s.scalar(select(Case.id).where(*conditions).order_by(Case.id))
    assert found is not None
    return found


def _stored(db: Database, case_id: int) -> tuple[Any, ...]:
    with db.session_factory() as s:
        row = s.execute(
            select(
                Case.status,
                Case.version,
                Case.no_reply_reason,
                Case.transfer_reason,
                Case.dispatched_on,
            ).where(Case.id == case_id)
        ).one()
        return (*row, s.scalar(select(func.count(Event.id))))


def test_each_move_shows_exactly_the_pane_opened_after_it(demo_db: Database) -> None:
    desk = _desk(demo_db)
    has_themes = select(case_themes.c.case_id).where(case_themes.c.case_id == Case.id).exists()
    # A case with its correspondent, team and themes, moved on to drafting.
    case_id = _case(demo_db, Case.status == "triaged", Case.campaign_id.is_(None), has_themes)
    before = desk.detail(case_id)
    moved = desk.move(case_id, CaseStatus.DRAFTING, expected_version=before.version)
    assert moved == desk.detail(case_id)
    assert moved.status is CaseStatus.DRAFTING and moved.version == before.version + 1
    assert moved.themes and moved.themes == before.themes
    last = moved.history[-1]
    assert (last.username, last.old, last.new) == ("a.okoro", "triaged", "drafting")
    assert len(moved.history) == len(before.history) + 1

    # A campaign's member (its history takes in the campaign's reply): no reply needed.
    member = _case(demo_db, Case.status == "triaged", Case.campaign_id.is_not(None))
    shown = desk.move(member, CaseStatus.NO_REPLY, reason="Copy for information only")
    assert shown == desk.detail(member) and shown.history[-1].reason == "Copy for information only"
    assert _stored(demo_db, member)[2] == "Copy for information only"

    # Transferred elsewhere with no department named: the reason is kept as the transfer's.
    elsewhere = _case(demo_db, Case.status == "logged", Case.transfer_to == "")
    shown = desk.move(elsewhere, CaseStatus.TRANSFERRED, reason="Not for this department")
    assert shown == desk.detail(elsewhere) and shown.transfer_reason == "Not for this department"

    # Dispatched: dated today.
    signed = _case(demo_db, Case.status == "signed_off")
    shown = desk.move(signed, CaseStatus.DISPATCHED)
    assert shown == desk.detail(signed) and shown.dispatched_on == DEMO_TODAY
    assert shown.days_left is None and shown.allowed_next == ()
    with demo_db.session_factory() as s:
        assert events.verify_chain(s) is None


def test_a_refused_move_writes_nothing(demo_db: Database) -> None:
    desk = _desk(demo_db)
    case_id = _case(demo_db, Case.status == "triaged")
    seen = desk.detail(case_id)
    before = _stored(demo_db, case_id)
    with pytest.raises(ConflictError, match=f"Case {seen.reference} was changed by someone"):
        desk.move(case_id, CaseStatus.DRAFTING, expected_version=seen.version - 1)
    with pytest.raises(RuleRefused, match="Cannot move a case from Triaged to Signed off"):
        desk.move(case_id, CaseStatus.SIGNED_OFF)
    with pytest.raises(ValidationError, match="Reason"):
        desk.move(case_id, CaseStatus.NO_REPLY, reason="  ")
    assert _stored(demo_db, case_id) == before
    assert desk.detail(case_id) == seen


@pytest.mark.parametrize("demo_template", ["postgresql"], indirect=True)
def test_a_move_waits_for_anothers_and_judges_the_case_as_they_left_it(
    demo_db: Database,
) -> None:
    """The case is read locked: a move made while someone else is moving it waits, and is
    then refused against the status they gave it, not the one it had when it started."""
    case_id = _case(demo_db, Case.status == "triaged")
    other = acting_as(demo_db.session_factory, "t.harding")
    got: list[BaseException | cases.CaseDetail] = []
    with other.begin() as w:
        cases.move(w.session, w.actor, case_id, CaseStatus.DRAFTING)
        w.session.flush()
        waiting = threading.Thread(target=lambda: got.append(_attempt(demo_db, case_id)))
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive()  # held by the other person's lock on the case
    waiting.join(10)
    (refused,) = got
    assert isinstance(refused, RuleRefused)
    assert "already in the Drafting state" in str(refused)
    shown = _desk(demo_db).detail(case_id)
    assert shown.status is CaseStatus.DRAFTING and shown.history[-1].username == "t.harding"


def _attempt(db: Database, case_id: int) -> BaseException | cases.CaseDetail:
    try:
        return _desk(db).move(case_id, CaseStatus.DRAFTING)
    except Exception as exc:
        return exc
