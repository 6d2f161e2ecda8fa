"""Status and kind columns come back as enums, and a value outside the enum is never stored."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from correspondence.database import Database
from correspondence.db.models import Case, Correspondent
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus
from tests.factories import logged_case

TODAY = dt.date(2026, 3, 2)


def test_a_logged_case_reads_back_as_enums_and_is_stored_as_plain_text(db: Database) -> None:
    case_id = logged_case(db, "a.okoro", today=TODAY)
    with db.session_factory() as s:
        case = s.get(Case, case_id)
        assert case is not None
        assert case.status is CaseStatus.LOGGED
        writer = s.get(Correspondent, case.correspondent_id)
        assert writer is not None and isinstance(writer.kind, CorrespondentKind)
        # The database keeps the same text the server's triggers and reports compare with.
        stored = s.execute(text("SELECT status FROM cases WHERE id = :i"), {"i": case_id})
        assert stored.scalar_one() == "logged"
        # A plain string still works in a query, as the list's filters write them.
        found = s.scalars(select(Case.id).where(Case.status == "logged")).all()
        assert case_id in found


def test_a_status_outside_the_enum_is_refused_naming_it(db: Database) -> None:
    case_id = logged_case(db, "a.okoro", today=TODAY)
    with db.session_factory() as s:
        case = s.get(Case, case_id)
        assert case is not None
        case.status = "lost_in_the_post"  # type: ignore[assignment]  # what a bad caller might do
        with pytest.raises(StatementError, match="'lost_in_the_post' is not a CaseStatus"):
            s.flush()
        s.rollback()
    with db.session_factory() as s:
        assert s.scalar(select(Case.status).where(Case.id == case_id)) is CaseStatus.LOGGED
