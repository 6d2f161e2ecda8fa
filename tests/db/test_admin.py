"""Administration: only admins change users, roles, teams and office codes; every change is
an event; a stale save is refused. Also: handing a shared desk to another user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from correspondence.database import Database, open_database
from correspondence.db.models import Event, Team, User
from correspondence.services.actors import Role
from correspondence.services.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from correspondence.services.people.admin import Administration, NewUser
from correspondence.services.unit_of_work import UnitOfWorkFactory, acting_as
from tests.pg import PgServer


def _ids(db: Database) -> tuple[int, int, int, int]:
    with db.session_factory() as s:
        user = s.scalar(select(User).where(User.username == "p.mehta"))
        team = s.scalar(select(Team).where(Team.code == "SPU"))
        assert user is not None and team is not None
        return user.id, user.version, team.id, team.version


FORBIDDEN: dict[str, Callable[[Administration, tuple[int, int, int, int]], Any]] = {
    "add a user": lambda a, i: a.add_user(NewUser("x.new", "X New")),
    "rename a user": lambda a, i: a.update_user(i[0], i[1], {"display_name": "Someone"}),
    "grant a role": lambda a, i: a.update_user(i[0], i[1], {"roles": {Role.ADMIN}}),
    "deactivate a user": lambda a, i: a.update_user(i[0], i[1], {"active": False}),
    "add a team": lambda a, i: a.add_team("NEW", "New Team"),
    "rename a team": lambda a, i: a.update_team(i[2], i[3], {"name": "Renamed"}),
    "deactivate a team": lambda a, i: a.update_team(i[2], i[3], {"active": False}),
    "add an office code": lambda a, i: a.add_office("POPUSS", "Private Office of the PUSS"),
    "set the default office": lambda a, i: a.set_default_office("POMoS"),
}


@pytest.mark.parametrize("action", sorted(FORBIDDEN))
@pytest.mark.parametrize("who", ["a.okoro", "policy.lead.safeguarding", "ps.sos"])
def test_non_admins_are_refused_and_nothing_changes(
    demo_db: Database, who: str, action: str
) -> None:
    admin = Administration(acting_as(demo_db.session_factory, who))
    before = (admin.users(), admin.teams(), admin.offices())
    with pytest.raises(PermissionDenied, match="needs the admin role"):
        FORBIDDEN[action](admin, _ids(demo_db))
    assert (admin.users(), admin.teams(), admin.offices()) == before


def test_an_admin_adds_a_user_with_roles_who_can_then_work(demo_db: Database) -> None:
    admin = Administration(acting_as(demo_db.session_factory, "admin"))
    team = next(t for t in admin.teams() if t.code == "SPU")
    added = admin.add_user(
        NewUser(
            "k.adeyemi",
            "Kemi Adeyemi",
            email="k.adeyemi@dcsf.example",
            team_id=team.id,
            db_login="kadeyemi",
            roles=frozenset({Role.DRAFTER, Role.POLICY_LEAD}),
        )
    )
    assert added.roles == {Role.DRAFTER, Role.POLICY_LEAD} and added.team == team.name
    assert Administration(
        acting_as(demo_db.session_factory, "kadeyemi")
    ).users()  # login maps to her
    with demo_db.session_factory() as s:
        logged = s.execute(
            select(Event.action, Event.field, Event.new_value)
            .where(Event.entity == "user", Event.entity_id == added.id)
            .order_by(Event.id)
        ).all()
    assert ("user added", "", "k.adeyemi") in logged
    assert ("edited", "roles", "drafter, policy_lead") in logged
    with pytest.raises(ValidationError, match="already exists"):
        admin.add_user(NewUser("k.adeyemi", "Another"))
    with pytest.raises(ValidationError, match="already belongs"):
        admin.add_user(NewUser("k.other", "Other", db_login="kadeyemi"))


def test_editing_a_user_records_changes_and_withholds_personal_values(demo_db: Database) -> None:
    admin = Administration(acting_as(demo_db.session_factory, "admin"))
    user = next(u for u in admin.users() if u.username == "p.mehta")
    saved = admin.update_user(
        user.id,
        user.version,
        {"email": "priya.m@dcsf.example", "roles": {Role.DRAFTER, Role.OFFICER}, "active": False},
    )
    assert saved.email == "priya.m@dcsf.example" and not saved.active
    assert saved.roles == {Role.DRAFTER, Role.OFFICER}
    with demo_db.session_factory() as s:
        logged = dict(
            s.execute(
                select(Event.field, Event.new_value).where(
                    Event.entity == "user", Event.entity_id == user.id, Event.action == "edited"
                )
            ).all()
        )
    assert logged["email"] == "(withheld: personal data)"
    assert logged["roles"] == "drafter, officer" and logged["active"] == "no"
    # A disabled account cannot work any more.
    with pytest.raises(PermissionDenied, match="disabled"):
        Administration(acting_as(demo_db.session_factory, "p.mehta")).is_admin()


def test_a_stale_user_or_team_save_is_refused(demo_db: Database) -> None:
    other = open_database(demo_db.url)
    try:
        one = Administration(acting_as(demo_db.session_factory, "admin"))
        two = Administration(acting_as(other.session_factory, "admin"))
        uid, uver, tid, tver = _ids(demo_db)
        one.update_user(uid, uver, {"display_name": "Priya Mehta-Jones"})
        with pytest.raises(ConflictError, match="changed by someone else"):
            two.update_user(uid, uver, {"email": "p@dcsf.example"})
        one.update_team(tid, tver, {"mailbox": "spu.new@dcsf.example"})
        with pytest.raises(ConflictError):
            two.update_team(tid, tver, {"name": "Safeguarding"})
        team = next(t for t in two.teams() if t.id == tid)
        assert (team.name, team.mailbox) == ("Safeguarding Policy Unit", "spu.new@dcsf.example")
        assert next(u for u in two.users() if u.id == uid).email == "p.mehta@dcsf.example"
    finally:
        other.close()


def test_the_last_admin_cannot_be_removed(demo_db: Database) -> None:
    admin = Administration(acting_as(demo_db.session_factory, "admin"))
    for u in admin.users():  # leave "admin" as the only admin
        if Role.ADMIN in u.roles and u.username != "admin":
            admin.update_user(u.id, u.version, {"roles": u.roles - {Role.ADMIN} or {Role.OFFICER}})
    me = next(u for u in admin.users() if u.username == "admin")
    with pytest.raises(ValidationError, match="last active admin"):
        admin.update_user(me.id, me.version, {"active": False})
    with pytest.raises(ValidationError, match="last active admin"):
        admin.update_user(me.id, me.version, {"roles": {Role.OFFICER}})


def test_teams_are_added_renamed_and_deactivated(demo_db: Database) -> None:
    admin = Administration(acting_as(demo_db.session_factory, "admin"))
    team = admin.add_team("ccu", "Children's Commissioner Unit", "ccu@dcsf.example")
    assert team.code == "CCU"
    team = admin.update_team(team.id, team.version, {"name": "Commissioner Unit"})
    team = admin.update_team(team.id, team.version, {"active": False})
    assert (team.name, team.active) == ("Commissioner Unit", False)
    with pytest.raises(ValidationError, match="already exists"):
        admin.add_team("CCU", "Again")
    with pytest.raises(ValidationError, match="Name"):
        admin.update_team(team.id, team.version, {"name": "  "})


def test_office_codes_are_validated_and_the_default_moves(demo_db: Database) -> None:
    from tests.conftest import DEMO_TODAY
    from tests.factories import desk_for, log_letter, member_of_public

    admin = Administration(acting_as(demo_db.session_factory, "admin"))
    with pytest.raises(ValidationError, match="2 to 12 letters"):
        admin.add_office("PO-1", "Hyphenated")
    added = admin.add_office("POPUSS", "Private Office of the Parliamentary Under-Secretary")
    assert not added.is_default
    with pytest.raises(ValidationError, match="already exists"):
        admin.add_office("POPUSS", "Again")
    with pytest.raises(NotFound):
        admin.set_default_office("NOPE")
    admin.set_default_office("POPUSS")
    assert [o.code for o in admin.offices() if o.is_default] == ["POPUSS"]
    reference = log_letter(
        desk_for(demo_db, "a.okoro"),
        received_on=DEMO_TODAY,
        correspondent=member_of_public("Ines", "Varga", "Ms"),
        summary="Asks about foster care allowances",
    )
    assert reference.endswith("POPUSS")


# --- a shared desk -------------------------------------------------------------------------


def test_on_sqlite_the_desk_passes_to_an_active_user_and_is_recorded(tmp_path) -> None:  # noqa: ANN001
    from correspondence.services.demo.demo import load_demo
    from tests.conftest import DEMO_TODAY

    database = open_database(f"sqlite:///{tmp_path / 'desk.db'}")
    try:
        load_demo(database.session_factory, today=DEMO_TODAY)
        desk = Administration(acting_as(database.session_factory, "a.okoro"))
        assert "a.okoro" in {u.username for u in desk.desk_users()}
        actor = desk.switch_to("j.whitfield")
        assert actor.username == "j.whitfield"
        with database.session_factory() as s:
            ev = s.scalars(select(Event).order_by(Event.id.desc()).limit(1)).one()
        assert (ev.action, ev.username, ev.old_value, ev.new_value) == (
            "desk switched",
            "a.okoro",
            "a.okoro",
            "j.whitfield",
        )
        with database.session_factory.begin() as s:
            s.scalars(select(User).where(User.username == "n.osei")).one().active = False
        assert "n.osei" not in {u.username for u in desk.desk_users()}
        with pytest.raises(PermissionDenied, match="disabled"):
            desk.switch_to("n.osei")
        with pytest.raises(NotFound):
            desk.switch_to("nobody")
    finally:
        database.close()


@pytest.mark.postgres
def test_on_postgresql_only_an_admin_may_switch(pg_server: PgServer, pg_database: str) -> None:
    dbname = pg_database.rsplit("/", 1)[1]
    setup = Administration(acting_as(open_database(pg_database).session_factory, "first.admin"))
    setup.is_admin()  # the first user of an empty database is its admin
    setup.add_user(NewUser("c.rowe", "Chris Rowe", db_login="crowe"))
    setup.add_user(NewUser("d.lamb", "Dee Lamb", db_login="dlamb"))
    setup.uow.engine.dispose()

    chris = open_database(pg_server.create_login("crowe", dbname))
    root = open_database(pg_database)  # the postgres login, mapped to an admin below
    try:
        mine = Administration(UnitOfWorkFactory.connect(chris.session_factory))
        assert mine.username == "c.rowe"
        with pytest.raises(PermissionDenied, match="only an admin may act on behalf of 'd.lamb'"):
            mine.switch_to("d.lamb")
        admin = Administration(acting_as(root.session_factory, "first.admin"))
        me = next(u for u in admin.users() if u.username == "first.admin")
        admin.update_user(me.id, me.version, {"db_login": "postgres"})
        # The admin at the desk acts for Dee, as themself: both are on the record.
        admin = Administration(UnitOfWorkFactory.connect(root.session_factory))
        switched = admin.switch_to("d.lamb")
        assert (switched.username, switched.on_behalf_of) == ("first.admin", "d.lamb")
    finally:
        chris.close()
        root.close()
