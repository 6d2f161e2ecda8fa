"""Two people editing the same case or draft: the second save is refused, never lost,
and the service layer says what the other person changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.orm.exc import StaleDataError

from correspondence.database import Database, open_database
from correspondence.db.models import Case, Draft
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.cases.conflicts import FieldChange, case_changes, draft_changes
from correspondence.services.desk import Desk
from correspondence.services.errors import ConflictError
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def two_desks(db_url: str) -> Iterator[tuple[Database, Database]]:
    """Two app instances: separate engines and connection pools on one database."""
    first, second = open_database(db_url), open_database(db_url)
    yield first, second
    first.close()
    second.close()


def _new_case(database: Database) -> int:
    desk = Desk(acting_as(database.session_factory, "officer.ada"), clock=lambda: TODAY)
    ref = desk.log_case(
        NewCase(
            received_on=TODAY,
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.PUBLIC, title="Mr", first_name="Omar", last_name="Pennick"
            ),
            summary="Asks about school transport",
        )
    )
    return desk.find_reference(ref)


def test_second_move_from_a_stale_view_is_refused_and_explained(
    two_desks: tuple[Database, Database],
) -> None:
    one, two = two_desks
    case_id = _new_case(one)
    ada = Desk(acting_as(one.session_factory, "officer.ada"), clock=lambda: TODAY)
    ben = Desk(acting_as(two.session_factory, "officer.ben"), clock=lambda: TODAY)
    seen = ben.detail(case_id).version
    ada.move(case_id, CaseStatus.TRIAGED)

    with pytest.raises(ConflictError, match="changed by someone else"):
        ben.move(case_id, CaseStatus.NO_REPLY, reason="Duplicate", expected_version=seen)
    assert ada.detail(case_id).status is CaseStatus.TRIAGED

    with two.session_factory() as s:
        changes = case_changes(s, case_id, seen, {"status": CaseStatus.NO_REPLY.value})
    assert changes == [
        FieldChange(
            "status",
            "Status",
            theirs="triaged",
            mine="no_reply",
            changed_by="officer.ada",
            changed_at=changes[0].changed_at,
        )
    ]
    assert changes[0].changed_at is not None


def test_two_sessions_editing_a_case_lose_nothing(two_desks: tuple[Database, Database]) -> None:
    one, two = two_desks
    case_id = _new_case(one)
    with one.session_factory() as a_s, two.session_factory() as b_s:
        a, b = a_s.get(Case, case_id), b_s.get(Case, case_id)
        assert a is not None and b is not None
        loaded = {"summary": b.summary, "priority": b.priority, "due_on": b.due_on}
        version = b.version
        b_s.commit()  # Ben keeps the form open, outside any transaction

        a.summary = "Ada: asks about transport to a special school"
        a_s.commit()

        b.summary = "Ben: transport complaint"
        b.priority = "high"
        with pytest.raises(StaleDataError):
            b_s.commit()
        b_s.rollback()

        mine = {"summary": "Ben: transport complaint", "priority": "high", "due_on": b.due_on}
        changes = case_changes(b_s, case_id, version, mine, original=loaded)
    # Only the summary clashes: Ben alone changed the priority, nobody the due date.
    assert [(c.field, c.theirs, c.mine) for c in changes] == [
        ("summary", "Ada: asks about transport to a special school", "Ben: transport complaint")
    ]
    with one.session_factory() as s:
        saved = s.get(Case, case_id)
        assert saved is not None
        assert saved.summary.startswith("Ada:") and saved.priority == "normal"


def test_two_sessions_editing_a_draft_lose_nothing(two_desks: tuple[Database, Database]) -> None:
    one, two = two_desks
    case_id = _new_case(one)
    with one.session_factory.begin() as s:
        draft = Draft(case_id=case_id, subject="School transport", salutation="Dear Mr Pennick")
        s.add(draft)
        s.flush()
        draft_id = draft.id
    with one.session_factory() as a_s, two.session_factory() as b_s:
        a, b = a_s.get(Draft, draft_id), b_s.get(Draft, draft_id)
        assert a is not None and b is not None
        version = b.version
        b_s.commit()
        a.subject = "Home to school transport"
        a_s.commit()
        b.subject = "Transport to school"
        with pytest.raises(StaleDataError):
            b_s.commit()
        b_s.rollback()
        changes = draft_changes(b_s, draft_id, version, {"subject": "Transport to school"})
        assert [(c.label, c.theirs, c.mine) for c in changes] == [
            ("Subject", "Home to school transport", "Transport to school")
        ]
        # Seen the change and saved again on the current version: accepted.
        b = b_s.get(Draft, draft_id)
        assert b is not None
        b.subject = "Transport to school"
        b_s.commit()
    with one.session_factory() as s:
        assert s.get(Draft, draft_id).subject == "Transport to school"  # type: ignore[union-attr]


def test_no_changes_when_nobody_saved_and_unknown_fields_are_refused(db: Database) -> None:
    case_id = _new_case(db)
    with db.session_factory() as s:
        version = s.get(Case, case_id).version  # type: ignore[union-attr]
        assert case_changes(s, case_id, version, {"summary": "Something else"}) == []
        with pytest.raises(ValueError, match="no field"):
            case_changes(s, case_id, version, {"colour": "red"})
