"""Who is working: a PostgreSQL login maps to its user; SQLite uses the OS user name."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from correspondence.database import Database, open_database
from correspondence.db.models import Event, User, user_roles
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus
from correspondence.services.actors import Role, default_username
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.errors import NotFound, PermissionDenied
from correspondence.services.unit_of_work import UnitOfWorkFactory
from tests.pg import PgServer


def _add_user(database: Database, username: str, login: str | None, *roles: Role) -> None:
    with database.session_factory.begin() as s:
        user = User(username=username, display_name=username.title(), db_login=login)
        s.add(user)
        s.flush()
        s.execute(user_roles.insert(), [{"user_id": user.id, "role": r.value} for r in roles])


def _users(database: Database) -> int:
    with database.session_factory() as s:
        return s.scalar(select(func.count(User.id))) or 0


@pytest.mark.postgres
def test_each_postgresql_login_acts_as_its_own_user(pg_server: PgServer, pg_database: str) -> None:
    dbname = pg_database.rsplit("/", 1)[1]
    setup = open_database(pg_database)
    _add_user(setup, "first.admin", None, Role.ADMIN)
    _add_user(setup, "a.lindqvist", "alice", Role.DRAFTER)
    _add_user(setup, "chief", "chief", Role.ADMIN)
    setup.close()

    alice = open_database(pg_server.create_login("alice", dbname))
    bob = open_database(pg_server.create_login("bob", dbname))
    chief = open_database(pg_server.create_login("chief", dbname))
    try:
        me = UnitOfWorkFactory.connect(alice.session_factory)
        assert me.username == "a.lindqvist" and me.identity.login == "alice"
        assert Desk(me).actor().roles == {Role.DRAFTER}
        # Asking to be yourself, by username or by login, is no request at all.
        assert UnitOfWorkFactory.connect(alice.session_factory, "alice").on_behalf_of == ""
        # A login the office has not added is refused, and no user is made for it.
        before = _users(alice)
        with pytest.raises(PermissionDenied, match="ask an administrator to add you"):
            UnitOfWorkFactory.connect(bob.session_factory)
        assert _users(alice) == before
        # --user cannot turn Alice into someone else: she is not an admin.
        with pytest.raises(PermissionDenied, match="only an admin may act on behalf of"):
            UnitOfWorkFactory.connect(alice.session_factory, "first.admin")
        # An admin may act for someone, as themself: the event names both.
        uow = UnitOfWorkFactory.connect(chief.session_factory, "a.lindqvist")
        assert (uow.username, uow.on_behalf_of) == ("chief", "a.lindqvist")
        desk = Desk(uow)
        ref = desk.log_case(
            NewCase(
                received_on=desk.clock(),
                new_correspondent=NewCorrespondent(
                    kind=CorrespondentKind.PUBLIC, first_name="Ivy", last_name="Example"
                ),
                theme_codes=["SCR"],
            )
        )
        desk.move(desk.find_reference(ref), CaseStatus.TRIAGED)
        with chief.session_factory() as s:
            ev = s.scalars(select(Event).order_by(Event.id.desc()).limit(1)).one()
        assert (ev.username, ev.on_behalf_of) == ("chief", "a.lindqvist")
        with pytest.raises(NotFound, match="no user 'nobody'"):
            UnitOfWorkFactory.connect(chief.session_factory, "nobody")
    finally:
        alice.close()
        bob.close()
        chief.close()


@pytest.mark.postgres
def test_the_owner_of_an_empty_database_becomes_its_first_admin(
    pg_server: PgServer, pg_database: str
) -> None:
    dbname = pg_database.rsplit("/", 1)[1]
    db = open_database(pg_database)  # the cluster's superuser, who owns the test database
    stranger = open_database(pg_server.create_login("stranger", dbname))
    try:
        assert _users(db) == 0
        # A plain login may not found the office...
        with pytest.raises(PermissionDenied, match="ask an administrator"):
            UnitOfWorkFactory.connect(stranger.session_factory)
        # ...its owner may, and is then the admin, mapped by login.
        owner = UnitOfWorkFactory.connect(db.session_factory)
        actor = Desk(owner).actor()
        assert Role.ADMIN in actor.roles and owner.identity.login == "postgres"
        with db.session_factory() as s:
            assert s.scalar(select(User.db_login).where(User.id == actor.user_id)) == "postgres"
        # Nobody else joins by connecting once a user exists.
        with pytest.raises(PermissionDenied, match="ask an administrator"):
            UnitOfWorkFactory.connect(stranger.session_factory)
    finally:
        db.close()
        stranger.close()


@pytest.mark.postgres
def test_a_disabled_login_is_refused(pg_server: PgServer, pg_database: str) -> None:
    dbname = pg_database.rsplit("/", 1)[1]
    setup = open_database(pg_database)
    _add_user(setup, "first.admin", None, Role.ADMIN)
    _add_user(setup, "leaver", "leaver", Role.OFFICER)
    leaver = open_database(pg_server.create_login("leaver", dbname))
    try:
        uow = UnitOfWorkFactory.connect(leaver.session_factory)
        with setup.session_factory.begin() as s:
            s.execute(User.__table__.update().where(User.username == "leaver").values(active=False))
        # Already running: the next unit of work refuses; a new start is refused at once.
        with pytest.raises(PermissionDenied, match="disabled"):
            Desk(uow).actor()
        with pytest.raises(PermissionDenied, match="disabled"):
            UnitOfWorkFactory.connect(leaver.session_factory)
    finally:
        setup.close()
        leaver.close()


def test_on_sqlite_the_os_user_name_is_used(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'solo.db'}")
    try:
        assert UnitOfWorkFactory.connect(database.session_factory).username == default_username()
        shared = UnitOfWorkFactory.connect(database.session_factory, "shared.desk")
        assert (shared.username, shared.on_behalf_of) == ("shared.desk", "")
        # The first user of a new file may do everything; the next is an officer.
        first = Desk(UnitOfWorkFactory.connect(database.session_factory)).actor()
        assert first.roles == {Role.OFFICER, Role.ADMIN}
        assert Desk(shared).actor().roles == {Role.OFFICER}
    finally:
        database.close()
