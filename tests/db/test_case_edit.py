"""Editing a case's details: saved with events, and a stale save refused, never lost.

Runs on SQLite and PostgreSQL; "two app instances" are two engines on one database.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from correspondence.database import Database, open_database
from correspondence.db.models import Case, Event, Team, User
from correspondence.services.actors import Role
from correspondence.services.cases.case_edit import CaseEditing, changes_between
from correspondence.services.errors import ConflictError, PermissionDenied, ValidationError
from correspondence.services.unit_of_work import acting_as
from tests import factories as f
from tests.conftest import DEMO_TODAY

SEED = "2009/0007948POSoS"


@pytest.fixture
def second(demo_db: Database) -> Iterator[Database]:
    """Another app instance on the same database: its own engine and pool."""
    other = open_database(demo_db.url)
    yield other
    other.close()


def _case_id(db: Database, reference: str = SEED) -> int:
    with db.session_factory() as s:
        case_id = s.scalar(select(Case.id).where(Case.reference == reference))
    assert case_id is not None
    return case_id


def _id(db: Database, model: type, **where: object) -> int:
    with db.session_factory() as s:
        found = s.scalar(select(model.id).filter_by(**where))  # type: ignore[attr-defined]
    assert found is not None
    return found


def test_saving_changes_records_each_field_and_moves_the_version(demo_db: Database) -> None:
    editing = CaseEditing(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    case_id = _case_id(demo_db)
    before = editing.load(case_id)
    team = _id(demo_db, Team, code="SWR")
    saved = editing.save(
        case_id,
        before.version,
        {
            "summary": "NSPCC campaign: Baby P",
            "priority": "urgent",
            "team_id": team,
            "themes": ["babyp", "LAMING"],
            "subject_phrase": "  the NSPCC's   proposals ",
        },
    )
    assert saved.version > before.version
    assert saved.subject_phrase == "the NSPCC's proposals"
    assert (saved.summary, saved.priority, saved.team_id) == (
        "NSPCC campaign: Baby P",
        "urgent",
        team,
    )
    assert saved.themes == ("BABYP", "LAMING")
    with demo_db.session_factory() as s:
        edits = s.execute(
            select(Event.field, Event.new_value, Event.username)
            .where(Event.case_id == case_id, Event.action == "edited")
            .order_by(Event.id)
        ).all()
    fields = {f: (new, who) for f, new, who in edits}
    assert fields["priority"] == ("urgent", "a.okoro")
    assert fields["themes"][0] == "BABYP, LAMING"
    assert fields["team"][0] != str(team)  # the team's name, as people read it
    assert fields["summary"][0] == "NSPCC campaign: Baby P"
    assert fields["subject_phrase"][0] == "the NSPCC's proposals"


def test_a_themes_only_edit_still_makes_other_forms_stale(demo_db: Database) -> None:
    editing = CaseEditing(acting_as(demo_db.session_factory, "a.okoro"))
    case_id = _case_id(demo_db)
    seen = editing.load(case_id)
    editing.save(case_id, seen.version, {"themes": ["SCR"]})
    with pytest.raises(ConflictError):
        editing.save(case_id, seen.version, {"priority": "high"})


def test_second_save_from_a_stale_form_is_refused_and_explained(
    demo_db: Database, second: Database
) -> None:
    case_id = _case_id(demo_db)
    ada = CaseEditing(acting_as(demo_db.session_factory, "a.okoro"))
    jo = CaseEditing(acting_as(second.session_factory, "j.whitfield"))
    ada_form, jo_form = ada.load(case_id), jo.load(case_id)

    ada.save(case_id, ada_form.version, {"summary": "Ada's summary", "priority": "high"})
    jo_mine = {
        **jo_form.values(),
        "summary": "Jo's summary",
        "drafter_id": None,
        "themes": ("SMACK",),
    }
    with pytest.raises(ConflictError, match="changed by someone else"):
        jo.save(case_id, jo_form.version, changes_between(jo_form.values(), jo_mine))
    now = ada.load(case_id)
    assert (now.summary, now.priority) == ("Ada's summary", "high")  # nothing overwritten

    clash = jo.conflict(case_id, jo_form.version, jo_mine, jo_form.values())
    rows = {c.field: c for c in clash.fields}
    assert set(rows) == {"summary", "priority"}  # what Ada changed
    assert (rows["summary"].theirs, rows["summary"].mine) == ("Ada's summary", "Jo's summary")
    assert rows["summary"].changed_by == "a.okoro"
    assert (rows["priority"].theirs, rows["priority"].mine) == ("High", "Normal")
    assert {"summary", "themes"} <= clash.mine_changed and "priority" not in clash.mine_changed
    assert clash.current.version == now.version

    # Re-apply: Ada's version is the base and Jo's own changes go on top.
    redo = jo.save(case_id, clash.current.version, changes_between(jo_form.values(), jo_mine))
    assert (redo.summary, redo.priority, redo.themes) == ("Jo's summary", "high", ("SMACK",))


def test_nothing_to_report_when_nobody_saved(db: Database) -> None:
    case_id = f.logged_case(db, "o.fficer", today=DEMO_TODAY, summary="Asks about adoption")
    editing = CaseEditing(acting_as(db.session_factory, "o.fficer"))
    form = editing.load(case_id)
    clash = editing.conflict(case_id, form.version, {"summary": "x"}, form.values())
    assert clash.fields == () and clash.current == form


def test_people_without_the_officer_role_may_not_edit(db: Database) -> None:
    case_id = f.logged_case(db, "o.fficer", today=DEMO_TODAY)  # the file's first user: admin
    f.user(db, "o.fficer", "d.rafter", [Role.DRAFTER])
    editing = CaseEditing(acting_as(db.session_factory, "d.rafter"))  # a drafter
    form = editing.load(case_id)
    assert not editing.can_edit()
    with pytest.raises(PermissionDenied, match="officer"):
        editing.save(case_id, form.version, {"summary": "mine now"})
    assert editing.load(case_id).summary == form.summary


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"priority": "whenever"}, "Priority"),
        ({"reply_type_code": "carrier pigeon"}, "Reply type"),
        ({"themes": ["NOPE"]}, "Themes"),
        ({"team_id": 999_999}, "Team"),
        ({"status": "dispatched"}, "Field"),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    demo_db: Database, changes: dict, field: str
) -> None:
    editing = CaseEditing(acting_as(demo_db.session_factory, "a.okoro"))
    case_id = _case_id(demo_db)
    form = editing.load(case_id)
    with pytest.raises(ValidationError) as info:
        editing.save(case_id, form.version, changes)
    assert info.value.field == field
    assert editing.load(case_id) == form


def test_a_disabled_drafter_cannot_be_given_the_case(demo_db: Database) -> None:
    with demo_db.session_factory.begin() as s:
        user = s.scalar(select(User).where(User.username == "n.osei"))
        assert user is not None
        user.active = False
        uid = user.id
    editing = CaseEditing(acting_as(demo_db.session_factory, "a.okoro"))
    case_id = _case_id(demo_db)
    assert uid not in {o.value for o in editing.choices().drafters}
    with pytest.raises(ValidationError, match="Drafter"):
        editing.save(case_id, editing.load(case_id).version, {"drafter_id": uid})
