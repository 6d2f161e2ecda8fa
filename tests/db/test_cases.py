"""Logging cases, references, deadlines, moves and the event log on a real database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm.exc import StaleDataError

from correspondence.database import Database
from correspondence.db.models import Case
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus, IllegalTransition
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.errors import (
    ConflictError,
    RuleRefused,
    ServiceError,
    ValidationError,
)
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 11, 23)


def _public(last: str = "Fenwick") -> NewCorrespondent:
    return NewCorrespondent(
        kind=CorrespondentKind.PUBLIC, title="Mrs", first_name="Ada", last_name=last
    )


@pytest.fixture
def desk(db: Database) -> Desk:
    return Desk(acting_as(db.session_factory, "officer.one"), clock=lambda: TODAY)


def test_logging_gives_sequential_references_and_a_20_working_day_deadline(desk: Desk) -> None:
    refs = [
        desk.log_case(NewCase(received_on=dt.date(2026, 11, 20), new_correspondent=_public()))
        for _ in range(3)
    ]
    assert refs == ["2026/0000001POSoS", "2026/0000002POSoS", "2026/0000003POSoS"]
    d = desk.detail(desk.find_reference(refs[0]))
    # Received Friday 20 Nov 2026: day 1 is Mon 23 Nov; day 20 is Fri 18 Dec.
    assert d.due_on == dt.date(2026, 12, 18)
    assert d.status is CaseStatus.LOGGED
    assert [e.action for e in d.history] == ["logged"]
    assert d.history[0].username == "officer.one"


def test_references_restart_each_year_and_use_the_office_code(desk: Desk) -> None:
    a = desk.log_case(NewCase(received_on=dt.date(2025, 12, 31), new_correspondent=_public()))
    b = desk.log_case(
        NewCase(received_on=dt.date(2026, 1, 2), new_correspondent=_public(), office="POMoS")
    )
    assert a == "2025/0000001POSoS"
    assert b == "2026/0000001POMoS"


def test_validation_names_the_field(desk: Desk) -> None:
    with pytest.raises(ValidationError, match="Received date"):
        desk.log_case(
            NewCase(received_on=TODAY + dt.timedelta(days=1), new_correspondent=_public())
        )
    with pytest.raises(ValidationError, match="Correspondent"):
        desk.log_case(NewCase(received_on=TODAY))
    with pytest.raises(ValidationError, match="Themes: unknown theme code"):
        desk.log_case(NewCase(received_on=TODAY, new_correspondent=_public(), theme_codes=["NOPE"]))


def test_illegal_move_is_refused_with_a_clear_message(desk: Desk) -> None:
    case_id = desk.find_reference(
        desk.log_case(NewCase(received_on=TODAY, new_correspondent=_public()))
    )
    # The domain's refusal leaves the service as a ServiceError, the one family callers catch.
    with pytest.raises(RuleRefused, match="Cannot move a case from Logged to Signed off") as got:
        desk.move(case_id, CaseStatus.SIGNED_OFF)
    assert isinstance(got.value, ServiceError) and isinstance(
        got.value.__cause__, IllegalTransition
    )
    assert not isinstance(got.value, ValueError)
    assert desk.detail(case_id).status is CaseStatus.LOGGED


def test_moves_are_recorded_with_who_and_why(desk: Desk) -> None:
    case_id = desk.find_reference(
        desk.log_case(NewCase(received_on=TODAY, new_correspondent=_public()))
    )
    with pytest.raises(ValidationError, match="Reason"):
        desk.move(case_id, CaseStatus.NO_REPLY)
    d = desk.move(case_id, CaseStatus.NO_REPLY, reason="Copy for information only")
    last = d.history[-1]
    assert (last.old, last.new, last.reason) == (
        "logged",
        "no_reply",
        "Copy for information only",
    )
    assert d.status is CaseStatus.NO_REPLY


def test_a_stale_version_is_refused(desk: Desk) -> None:
    case_id = desk.find_reference(
        desk.log_case(NewCase(received_on=TODAY, new_correspondent=_public()))
    )
    seen = desk.detail(case_id).version
    desk.move(case_id, CaseStatus.TRIAGED)
    with pytest.raises(ConflictError, match="changed by someone else"):
        desk.move(case_id, CaseStatus.DRAFTING, expected_version=seen)


def test_two_sessions_editing_one_case_never_silently_overwrite(db: Database, desk: Desk) -> None:
    case_id = desk.find_reference(
        desk.log_case(NewCase(received_on=TODAY, new_correspondent=_public()))
    )
    first, second = db.session_factory(), db.session_factory()
    a = first.get(Case, case_id)
    b = second.get(Case, case_id)
    assert a is not None and b is not None
    second.commit()  # the second officer holds the case open in a form, outside a transaction
    a.summary = "First officer's summary"
    first.commit()
    b.summary = "Second officer's summary"
    with pytest.raises(StaleDataError):
        second.commit()
    second.rollback()
    first.close()
    second.close()
    assert desk.detail(case_id).summary == "First officer's summary"
