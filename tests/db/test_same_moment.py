"""Two officers saving at the same moment on a team's PostgreSQL server.

Found by the office-load benchmark (bench/bench_office.py): the second of two saves that
meet is told plainly that someone else saved first, and the first officers to confirm
themes in a new office do not fail on each other. SQLite queues writers at BEGIN, so
these meetings happen only on PostgreSQL.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import delete, event, select

from correspondence.database import Database, open_database
from correspondence.db.models import Case, Draft, Setting
from correspondence.domain.states import CaseStatus
from correspondence.services import theme_suggest
from correspondence.services.desk import Desk
from correspondence.services.drafting import Drafting, ParagraphInput, save_draft
from correspondence.services.errors import ConflictError
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY


def _only_postgres(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN: two saves never meet mid-way")


def test_a_draft_saved_by_someone_else_mid_save_is_a_conflict_naming_the_case(
    demo_db: Database,
) -> None:
    _only_postgres(demo_db)
    sf = demo_db.session_factory
    desk = Desk(acting_as(sf, "a.okoro"), clock=lambda: DEMO_TODAY)
    with sf() as s:
        case_id, ref = s.execute(
            select(Case.id, Case.reference)
            .where(Case.status == CaseStatus.TRIAGED.value, Case.correspondent_id.is_not(None))
            .where(~select(Draft.id).where(Draft.case_id == Case.id).exists())
            .order_by(Case.id)
        ).first()  # type: ignore[misc]
    assert desk.detail(case_id).status is CaseStatus.TRIAGED
    mine = acting_as(sf, "p.mehta")
    draft = Drafting(mine, clock=lambda: DEMO_TODAY).create(case_id)
    other_db = open_database(demo_db.url)
    try:
        theirs = Drafting(acting_as(other_db.session_factory, "p.mehta"))
        mine_too = [*(p.as_input() for p in draft.paragraphs), ParagraphInput("free", "Mine")]
        with pytest.raises(ConflictError, match=f"reply to {ref} was saved by someone else at"):
            with mine.begin() as uow:
                # They save after this save checked the version and before it writes.
                event.listen(
                    uow.session,
                    "before_flush",
                    lambda *_: theirs.save(draft.id, draft.version, subject="Their subject"),
                    once=True,
                )
                save_draft(uow.session, uow.actor, draft.id, draft.version, mine_too)
    finally:
        other_db.close()
    assert Drafting(mine).view(draft.id).subject == "Their subject"


def test_the_first_two_theme_confirmations_in_an_office_both_count(demo_db: Database) -> None:
    _only_postgres(demo_db)
    with demo_db.session_factory.begin() as s:
        s.execute(delete(Setting).where(Setting.key == theme_suggest.GENERATION_KEY))
    other_db = open_database(demo_db.url)
    failed: list[BaseException] = []

    def second_officer() -> None:
        try:
            with other_db.session_factory.begin() as s2:
                theme_suggest.note_confirmations(s2)  # waits for the first one's new row
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failed.append(exc)

    try:
        with demo_db.session_factory.begin() as s1:
            theme_suggest.note_confirmations(s1)
            t = threading.Thread(target=second_officer)
            t.start()
            time.sleep(0.5)  # the second is now waiting on the first one's row
        t.join(30)
    finally:
        other_db.close()
    assert failed == []
    with demo_db.session_factory() as s:
        assert s.get(Setting, theme_suggest.GENERATION_KEY).value == "2"  # type: ignore[union-attr]
