"""A step of the approval chain, or a save of a case's details, meeting a colleague's write
of the same row on a team's PostgreSQL server: it waits for it, then reads what they
wrote, so a stale copy is still refused and nothing of theirs is written over. (SQLite
queues writers at BEGIN: these meetings happen only on PostgreSQL.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import select, text

from correspondence.database import Database
from correspondence.db.models import Case
from correspondence.domain.states import CaseStatus, DraftStatus
from correspondence.services.cases.case_edit import CaseEditing
from correspondence.services.drafting.draft_view import DraftView
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.errors import ConflictError
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY
from tests.factories import signatory_id, undrafted_case


def _only_postgres(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN: two writes never meet mid-way")


def _submitted(db: Database) -> DraftView:
    drafting = Drafting(acting_as(db.session_factory, "p.mehta"), lambda: DEMO_TODAY)
    sos = signatory_id(db, "sos")
    view = drafting.create(undrafted_case(db), ("babyp-tragedy",), signatory_id=sos)
    return drafting.submit(view.id, view.version)


def _meanwhile(db: Database, colleague_sql: str, click: Callable[[], object]) -> list[object]:
    """`click` made while a colleague's transaction holds the row `colleague_sql` writes,
    which then commits: what the click returned or raised."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(click())
        except Exception as exc:  # noqa: BLE001 - checked by the caller
            outcome.append(exc)

    with db.engine.connect() as colleague:
        colleague.execute(text(colleague_sql))
        clicked = threading.Thread(target=run)
        clicked.start()
        time.sleep(0.5)  # the click now waits for the row the colleague holds
        assert not outcome
        colleague.commit()
    clicked.join(30)
    return outcome


def test_an_approval_meeting_a_save_of_the_draft_waits_and_is_refused(
    demo_db: Database,
) -> None:
    _only_postgres(demo_db)
    view = _submitted(demo_db)
    lead = Drafting(acting_as(demo_db.session_factory, "policy.lead.safeguarding"))
    [result] = _meanwhile(
        demo_db,
        f"UPDATE drafts SET version = version + 1 WHERE id = {view.id}",
        lambda: lead.approve(view.id, "Fine.", view.version),
    )
    assert isinstance(result, ConflictError), result
    assert "saved by someone else since you opened it" in str(result)
    assert lead.view(view.id).status is DraftStatus.IN_QA


def test_an_approval_meeting_a_write_of_its_case_keeps_both(demo_db: Database) -> None:
    """The case is read after its lock is granted: its write goes over the colleague's."""
    _only_postgres(demo_db)
    view = _submitted(demo_db)
    assert view.case_id is not None
    with demo_db.session_factory() as s:
        version = s.scalar(select(Case.version).where(Case.id == view.case_id))
    assert version is not None
    lead = Drafting(acting_as(demo_db.session_factory, "policy.lead.safeguarding"))
    [result] = _meanwhile(
        demo_db,
        f"UPDATE cases SET version = version + 1, priority = 'urgent' WHERE id = {view.case_id}",
        lambda: lead.approve(view.id, "", view.version),
    )
    assert isinstance(result, DraftView) and result == lead.view(view.id), result
    with demo_db.session_factory() as s:
        case = s.get(Case, view.case_id)
        assert case is not None
        assert (case.status, case.priority, case.version) == (
            CaseStatus.WITH_PRIVATE_OFFICE,
            "urgent",
            version + 2,
        )


def test_a_case_edit_meeting_a_colleagues_save_waits_and_is_refused(demo_db: Database) -> None:
    _only_postgres(demo_db)
    editing = CaseEditing(acting_as(demo_db.session_factory, "a.okoro"), lambda: DEMO_TODAY)
    with demo_db.session_factory() as s:
        case_id = s.scalar(select(Case.id).where(Case.status == "triaged").order_by(Case.id))
    assert case_id is not None
    form = editing.load(case_id)
    [result] = _meanwhile(
        demo_db,
        f"UPDATE cases SET version = version + 1, summary = 'Theirs' WHERE id = {case_id}",
        lambda: editing.save(case_id, form.version, {"summary": "Mine"}),
    )
    assert isinstance(result, ConflictError), result
    assert editing.load(case_id).summary == "Theirs"
