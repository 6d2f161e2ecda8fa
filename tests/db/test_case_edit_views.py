"""Saving a case's details shows the form a view made from what the save read and wrote:
it must be exactly the form loaded afterwards, and a refused save must change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from correspondence.database import Database
from correspondence.db.models import Case, Event, ReplyType, Team, User, case_themes
from correspondence.services import events
from correspondence.services.cases.case_edit import CaseEditing
from correspondence.services.cases.deadlines import due_for
from correspondence.services.errors import ConflictError, ValidationError
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY


def _editing(db: Database) -> CaseEditing:
    return CaseEditing(acting_as(db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)


def _a_case(db: Database) -> int:
    with db.session_factory() as s:
        found = s.scalar(
            select(Case.id)
            .where(Case.status == "triaged", Case.direction == "incoming")
            .where(select(case_themes.c.case_id).where(case_themes.c.case_id == Case.id).exists())
            .order_by(Case.id)
        )
    assert found is not None
    return found


def _edits(db: Database, case_id: int) -> list[tuple[str, str, str]]:
    with db.session_factory() as s:
        return [
            (f, old, new)
            for f, old, new in s.execute(
                select(Event.field, Event.old_value, Event.new_value)
                .where(Event.case_id == case_id, Event.action == "edited")
                .order_by(Event.id)
            )
        ]


def test_each_save_shows_exactly_the_form_loaded_after_it(demo_db: Database) -> None:
    editing = _editing(demo_db)
    case_id = _a_case(demo_db)
    form = editing.load(case_id)
    with demo_db.session_factory() as s:
        team = s.scalar(select(Team).where(Team.id != form.team_id).order_by(Team.id.desc()))
        drafter = s.scalar(select(User).where(User.username == "t.harding"))
        other_type = s.scalar(
            select(ReplyType.code)
            .where(ReplyType.code != form.reply_type_code, ReplyType.needs_reply.is_(True))
            .order_by(ReplyType.code)
        )
        scores = dict(
            s.execute(
                select(case_themes.c.theme_id, case_themes.c.score).where(
                    case_themes.c.case_id == case_id
                )
            ).all()
        )
    assert team is not None and drafter is not None and other_type is not None
    edited = editing.save(case_id, form.version, {"summary": "  Asks about school buses "})
    assert edited == editing.load(case_id) and edited.version == form.version + 1
    assert edited.summary == "Asks about school buses"
    # Allocating: a team and a drafter, named in the history as people read them.
    allocated = editing.save(
        case_id, edited.version, {"team_id": team.id, "drafter_id": drafter.id}
    )
    assert allocated == editing.load(case_id)
    assert (allocated.team_id, allocated.drafter_id) == (team.id, drafter.id)
    (team_field, old_team, new_team), (drafter_field, _old, new_drafter) = _edits(demo_db, case_id)[
        -2:
    ]
    assert (team_field, old_team) == ("team", _team_name(demo_db, form.team_id))
    assert (new_team, drafter_field, new_drafter) == (team.name, "drafter", drafter.display_name)
    # A reply type: the due date follows it.
    typed = editing.save(case_id, allocated.version, {"reply_type_code": other_type})
    assert typed == editing.load(case_id) and typed.reply_type_code == other_type
    with demo_db.session_factory() as s:
        case = s.get(Case, case_id)
        assert case is not None
        assert case.due_on == due_for(s, case.received_on, other_type)
    # Themes: the kept ones keep their score; the new set is confirmed by this person.
    kept = sorted(form.themes)[0]
    themed = editing.save(case_id, typed.version, {"themes": [f" {kept.lower()} ", "SCR"]})
    assert themed == editing.load(case_id) and themed.themes == tuple(sorted({kept, "SCR"}))
    with demo_db.session_factory() as s:
        rows = s.execute(
            select(case_themes.c.theme_id, case_themes.c.score, case_themes.c.source).where(
                case_themes.c.case_id == case_id
            )
        ).all()
    assert {source for _t, _s, source in rows} == {"officer"}
    assert any(theme_id in scores and score == scores[theme_id] for theme_id, score, _ in rows)
    # A save that changes nothing returns the form as it was and writes nothing.
    logged = len(_edits(demo_db, case_id))
    same = editing.save(case_id, themed.version, {"summary": themed.summary})
    assert same == themed == editing.load(case_id) and len(_edits(demo_db, case_id)) == logged
    with demo_db.session_factory() as s:
        assert events.verify_chain(s) is None


def _team_name(db: Database, team_id: int | None) -> str:
    if team_id is None:
        return ""
    with db.session_factory() as s:
        team = s.get(Team, team_id)
        return team.name if team is not None else ""


def test_a_refused_save_changes_nothing(demo_db: Database) -> None:
    editing = _editing(demo_db)
    case_id = _a_case(demo_db)
    form = editing.load(case_id)
    with demo_db.session_factory() as s:
        logged = s.scalar(select(func.count(Event.id)))
    with pytest.raises(ValidationError, match="no active team #99999"):
        editing.save(case_id, form.version, {"summary": "Changed", "team_id": 99_999})
    with pytest.raises(ValidationError, match="unknown theme code"):
        editing.save(case_id, form.version, {"themes": ["NOPE"]})
    with pytest.raises(ValidationError, match="unknown reply type"):
        editing.save(case_id, form.version, {"reply_type_code": "nope"})
    saved = editing.save(case_id, form.version, {"priority": "urgent"})
    with pytest.raises(ConflictError, match="changed by someone else since you opened it"):
        editing.save(case_id, form.version, {"summary": "Old copy"})
    assert editing.load(case_id) == saved
    with demo_db.session_factory() as s:
        assert s.scalar(select(func.count(Event.id))) == (logged or 0) + 1
