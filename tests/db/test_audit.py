"""The event log: a readable timeline per case, append-only, and tampering caught by the chain."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from correspondence.database import Database, open_database
from correspondence.db import migrate
from correspondence.db.models import Case, Event, Team, User, user_roles
from correspondence.db.session import make_engine
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus
from correspondence.services import events
from correspondence.services.actors import actor_for
from correspondence.services.cases import history
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 11, 23)


def _people(db: Database) -> None:
    """An officer (first user: also admin), and Helen Forsyth, a policy lead."""
    with db.session_factory.begin() as s:
        actor_for(s, "a.okoro")
        s.scalar(select(User).where(User.username == "a.okoro")).display_name = "Amara Okoro"
        helen = User(username="h.forsyth", display_name="Helen Forsyth")
        s.add_all([helen, Team(code="SPU", name="Safeguarding Policy Unit")])
        s.flush()
        s.execute(user_roles.insert(), [{"user_id": helen.id, "role": "policy_lead"}])


def _case_through_its_life(db: Database) -> int:
    _people(db)
    officer = Desk(acting_as(db.session_factory, "a.okoro"), clock=lambda: TODAY)
    ref = officer.log_case(
        NewCase(
            received_on=dt.date(2026, 11, 2),
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.PUBLIC, title="Mrs", first_name="Nora", last_name="Pell"
            ),
            summary="Health visitor numbers",
            letter_text="Dear Minister, …",
        )
    )
    case_id = officer.find_reference(ref)
    officer.move(case_id, CaseStatus.TRIAGED)
    officer.move(case_id, CaseStatus.DRAFTING)
    officer.move(case_id, CaseStatus.IN_QA)
    lead = Desk(acting_as(db.session_factory, "h.forsyth"), clock=lambda: TODAY)
    lead.move(case_id, CaseStatus.RETURNED, reason="needs latest figures")
    with db.session_factory.begin() as s:
        history.apply_changes(
            s,
            actor_for(s, "a.okoro"),
            case_id,
            {"summary": "Health visitor numbers in 2009", "letter_text": "Dear Minister, …!"},
        )
        case = s.get(Case, case_id)
        history.record_changes(
            s,
            actor_for(s, "a.okoro"),
            case,
            {"correspondent.email": ("", "nora@example.org"), "priority": ("normal", "normal")},
            entity="correspondent",
            entity_id=case.correspondent_id,
        )
    return case_id


def test_the_timeline_reads_as_sentences(db: Database) -> None:
    case_id = _case_through_its_life(db)
    with db.session_factory() as s:
        lines = [e.description for e in history.timeline(s, case_id)]
    ref = lines[0].rsplit(" ", 1)[-1]
    assert lines == [
        f"Amara Okoro logged the letter as {ref}",
        "Amara Okoro triaged the case",
        "Amara Okoro moved the case to drafting",
        "Amara Okoro sent the case for QA",
        "Helen Forsyth returned the draft: 'needs latest figures'",
        "Amara Okoro changed summary from 'Health visitor numbers' to "
        "'Health visitor numbers in 2009'",
        # Personal data never goes into the (unchangeable) log, only the fact of the change.
        "Amara Okoro changed letter text from (withheld: personal data) to "
        "(withheld: personal data)",
        "Amara Okoro changed the correspondent's email from (blank) to (withheld: personal data)",
    ]  # the unchanged priority wrote nothing


def test_events_hold_no_personal_values_from_edits(db: Database) -> None:
    case_id = _case_through_its_life(db)
    with db.session_factory() as s:
        values = " ".join(
            f"{e.old_value} {e.new_value}"
            for e in s.scalars(select(Event).where(Event.case_id == case_id))
        )
    assert "nora@example.org" not in values and "…!" not in values


def test_describe_other_events() -> None:
    def ev(**kw: object) -> Event:
        base = dict(entity="case", action="", field="", old_value="", new_value="", reason="")
        return Event(**{**base, **kw})

    who = "Jo Bloggs"
    assert history.describe(
        ev(
            action="deadline extended",
            field="due_on",
            old_value="2026-12-01",
            new_value="2026-12-15",
            reason="awaiting Ofsted",
        ),
        who,
    )[1] == ("Jo Bloggs extended the deadline from 01 Dec 2026 to 15 Dec 2026: 'awaiting Ofsted'")
    assert (
        history.describe(ev(entity="draft", action="QA approved", field="status"), who)[1]
        == "Jo Bloggs approved the draft (QA) for the private office"
    )
    assert history.describe(ev(entity="draft", action="signed off", field="status"), who)[1] == (
        "Jo Bloggs signed off the draft"
    )
    assert (
        history.describe(ev(action="dispatched", field="channel", new_value="post"), who)[1]
        == "Jo Bloggs dispatched the reply by post"
    )
    assert (
        history.describe(
            ev(action="triage", field="team", old_value="", new_value="Safeguarding Policy Unit"),
            who,
        )[1]
        == "Jo Bloggs changed team from (blank) to 'Safeguarding Policy Unit'"
    )


# --- the chain ---------------------------------------------------------------------------


def _bypass_append_only(db: Database) -> None:
    """What someone with the database owner's rights could do behind the app's back."""
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER events_no_update"))
            conn.execute(text("DROP TRIGGER events_no_delete"))
        else:
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER events_append_only"))


def _middle(db: Database, case_id: int) -> int:
    with db.session_factory() as s:
        ids = list(s.scalars(select(Event.id).where(Event.case_id == case_id).order_by(Event.id)))
    return ids[len(ids) // 2]


def test_an_intact_log_verifies(db: Database) -> None:
    _case_through_its_life(db)
    with db.session_factory() as s:
        result = history.verify_audit(s)
        total = s.scalar(select(text("count(*)")).select_from(Event))
    assert result.intact and result.message == f"intact: {total} events"


def test_an_edited_event_is_caught(db: Database) -> None:
    case_id = _case_through_its_life(db)
    victim = _middle(db, case_id)
    _bypass_append_only(db)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE events SET reason = 'no reason' WHERE id = :id"), {"id": victim})
    with db.session_factory() as s:
        result = history.verify_audit(s)
    assert result.broken_at == victim
    assert "contents were changed" in result.message and f"#{victim}" in result.message


def test_a_deleted_event_is_caught(db: Database) -> None:
    case_id = _case_through_its_life(db)
    victim = _middle(db, case_id)
    _bypass_append_only(db)
    with db.engine.begin() as conn:
        after = conn.execute(
            text("SELECT min(id) FROM events WHERE id > :id"), {"id": victim}
        ).scalar_one()
        conn.execute(text("DELETE FROM events WHERE id = :id"), {"id": victim})
    with db.session_factory() as s:
        result = history.verify_audit(s)
    assert result.broken_at == after and result.previous_id == victim - 1
    assert "deleted or changed" in result.message and f"{victim}" in result.message


def test_the_database_refuses_to_change_or_delete_events(db: Database) -> None:
    case_id = _case_through_its_life(db)
    victim = _middle(db, case_id)
    statements = [
        "UPDATE events SET reason = 'tampered' WHERE id = :id",
        "DELETE FROM events WHERE id = :id",
    ]
    if db.engine.dialect.name == "postgresql":
        statements.append("TRUNCATE events")
    for sql in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(sql), {"id": victim})
    with db.session_factory() as s:
        assert history.verify_audit(s).intact


def test_even_the_newest_event_cannot_be_amended(db: Database) -> None:
    _people(db)
    with db.session_factory.begin() as s:
        ev = events.record(s, actor_for(s, "a.okoro"), "case", None, "note")
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE events SET reason = 'later' WHERE id = :id"), {"id": ev.id})


def test_upgrading_a_database_makes_its_events_append_only(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO events (at, username, entity, action, field, old_value, new_value,"
                " reason, prev_hash, hash) VALUES ('2009-02-03 10:00:00', 'x', 'case', 'logged',"
                " '', '', '', '', '', 'h')"
            )
        )
        conn.execute(text("UPDATE events SET reason = 'allowed before the upgrade'"))
    engine.dispose()
    db = open_database(f"sqlite:///{path}")
    try:
        with db.engine.connect() as conn:
            triggers = set(
                conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
                .scalars()
                .all()
            )
        assert {"events_no_update", "events_no_delete"} <= triggers
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text("DELETE FROM events"))
        assert "events" in inspect(db.engine).get_table_names()
    finally:
        db.close()
