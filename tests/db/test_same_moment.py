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
from correspondence.services.drafting.draft_save import save_draft
from correspondence.services.drafting.draft_start import start_reply
from correspondence.services.drafting.draft_view import ParagraphInput
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.errors import ConflictError
from correspondence.services.triage import theme_suggest
from correspondence.services.triage.triage import Triage, TriageDecision
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY
from tests.factories import undrafted_case


def _only_postgres(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN: two saves never meet mid-way")


def test_a_draft_saved_by_someone_else_mid_save_waits_and_is_a_conflict_naming_the_case(
    demo_db: Database,
) -> None:
    """The save reads the draft locked: a colleague saving the same version at that moment
    waits for it, then is told the draft was saved since they opened it; nothing of
    theirs is written over it, nor anything of this save lost."""
    _only_postgres(demo_db)
    sf = demo_db.session_factory
    with sf() as s:
        case_id, ref = s.execute(
            select(Case.id, Case.reference)
            .where(Case.status == CaseStatus.TRIAGED.value, Case.correspondent_id.is_not(None))
            .where(~select(Draft.id).where(Draft.case_id == Case.id).exists())
            .order_by(Case.id)
        ).first()  # type: ignore[misc]
    mine = acting_as(sf, "p.mehta")
    draft = Drafting(mine, clock=lambda: DEMO_TODAY).create(case_id)
    other_db = open_database(demo_db.url)
    outcome: list[BaseException | None] = []

    def colleague() -> None:
        theirs = Drafting(acting_as(other_db.session_factory, "p.mehta"))
        try:
            theirs.save(draft.id, draft.version, subject="Their subject")
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - checked below
            outcome.append(exc)

    started: list[threading.Thread] = []

    def start_colleague(*_args: object) -> None:
        t = threading.Thread(target=colleague)
        t.start()
        started.append(t)
        time.sleep(0.5)  # they are now waiting for the draft this save holds

    mine_too = [*(p.as_input() for p in draft.paragraphs), ParagraphInput("free", "Mine")]
    try:
        with mine.begin() as uow:
            event.listen(uow.session, "before_commit", start_colleague, once=True)
            save_draft(uow.session, uow.actor, draft.id, draft.version, mine_too)
        started[0].join(30)
    finally:
        other_db.close()
    assert len(outcome) == 1 and isinstance(outcome[0], ConflictError), outcome
    assert f"reply to {ref} was saved by someone else" in str(outcome[0])
    saved = Drafting(mine).view(draft.id)
    assert saved.subject == "" and [p.text for p in saved.paragraphs][-1] == "Mine"
    assert saved.version == draft.version + 1


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


def _triaged_case_without_draft(db: Database) -> int:
    return undrafted_case(db, in_campaign=None)


def test_two_drafters_starting_the_same_reply_at_once_get_one_draft_and_a_conflict(
    demo_db: Database,
) -> None:
    """Starting a reply reads the case locked: a colleague starting the same reply at that
    moment waits, then finds this one's draft and is told to open it."""
    _only_postgres(demo_db)
    case_id = _triaged_case_without_draft(demo_db)
    other_db = open_database(demo_db.url)
    mine = acting_as(demo_db.session_factory, "p.mehta")
    outcome: list[BaseException | None] = []

    def colleague() -> None:
        theirs = Drafting(acting_as(other_db.session_factory, "p.mehta"), lambda: DEMO_TODAY)
        try:
            theirs.create(case_id)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - checked below
            outcome.append(exc)

    started: list[threading.Thread] = []

    def start_colleague(*_args: object) -> None:
        t = threading.Thread(target=colleague)
        t.start()
        started.append(t)
        time.sleep(0.5)  # they are now waiting for the case this one holds

    try:
        with mine.begin() as uow:
            # They start theirs after this one read the case and before it writes.
            event.listen(uow.session, "before_commit", start_colleague, once=True)
            start_reply(uow.session, uow.actor, case_id, today=DEMO_TODAY)
        started[0].join(30)
    finally:
        other_db.close()
    assert len(outcome) == 1 and isinstance(outcome[0], ConflictError), outcome
    assert "already has a draft reply" in str(outcome[0])
    with demo_db.session_factory() as s:
        assert len(s.scalars(select(Draft.id).where(Draft.case_id == case_id)).all()) == 1


def test_two_officers_triaging_the_same_letter_at_once_one_wins_one_is_told(
    demo_db: Database,
) -> None:
    _only_postgres(demo_db)
    triage = Triage(acting_as(demo_db.session_factory, "a.okoro"), lambda: DEMO_TODAY)
    case_id = triage.queue()[0]
    seen = triage.load(case_id).version
    other_db = open_database(demo_db.url)
    theirs = Triage(acting_as(other_db.session_factory, "a.okoro"), lambda: DEMO_TODAY)
    outcome: list[BaseException | None] = []

    def colleague() -> None:
        try:
            theirs.apply(
                case_id,
                TriageDecision(themes=["SMACK"], priority="urgent"),
                finish=False,
                expected_version=seen,
            )
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - checked below
            outcome.append(exc)

    started: list[threading.Thread] = []

    def start_colleague(*_args: object) -> None:
        t = threading.Thread(target=colleague)
        t.start()
        started.append(t)
        time.sleep(0.5)  # they are now at the same case, before this save writes

    try:
        event.listen(triage.uow.session_factory, "before_flush", start_colleague, once=True)
        triage.apply(
            case_id,
            TriageDecision(themes=["SCR", "LSCB"], priority="high"),
            finish=False,
            expected_version=seen,
        )
        started[0].join(30)
    finally:
        other_db.close()
    assert len(outcome) == 1 and isinstance(outcome[0], ConflictError), outcome
    assert triage.load(case_id).themes == ("LSCB", "SCR")
