"""Who is working: a PostgreSQL login maps to its user; SQLite uses the OS user name."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from correspondence.database import Database, open_database
from correspondence.db.models import User, user_roles
from correspondence.services.actors import (
    Role,
    acting_username,
    actor_from_connection,
    default_username,
)
from correspondence.services.desk import Desk
from correspondence.services.errors import PermissionDenied
from tests.pg import PgServer


def _add_user(database: Database, username: str, login: str | None, *roles: Role) -> None:
    with database.session_factory.begin() as s:
        user = User(username=username, display_name=username.title(), db_login=login)
        s.add(user)
        s.flush()
        s.execute(user_roles.insert(), [{"user_id": user.id, "role": r.value} for r in roles])


@pytest.mark.postgres
def test_each_postgresql_login_acts_as_its_own_user(pg_server: PgServer, pg_database: str) -> None:
    dbname = pg_database.rsplit("/", 1)[1]
    setup = open_database(pg_database)
    _add_user(setup, "first.admin", None, Role.ADMIN)  # so no login becomes the admin by luck
    _add_user(setup, "a.lindqvist", "alice", Role.DRAFTER)
    setup.close()

    alice = open_database(pg_server.create_login("alice", dbname))
    bob = open_database(pg_server.create_login("bob", dbname))
    try:
        with alice.session_factory.begin() as s:
            me = actor_from_connection(s)
        assert me.username == "a.lindqvist" and me.roles == {Role.DRAFTER}
        # A login the office has not set up yet gets a user of its own, as an officer.
        assert acting_username(bob.session_factory) == "bob"
        with bob.session_factory.begin() as s:
            assert actor_from_connection(s).roles == {Role.OFFICER}
            logins = dict(s.execute(select(User.username, User.db_login)).all())
        assert logins["a.lindqvist"] == "alice"
        # What the CLI or window passes as --user cannot turn Bob into Alice.
        with pytest.raises(PermissionDenied, match="only an admin may act as 'a.lindqvist'"):
            acting_username(bob.session_factory, "a.lindqvist")
        # The desk records the mapped user in the history.
        desk = Desk(alice.session_factory, acting_username(alice.session_factory, "alice"))
        assert desk.actor().username == "a.lindqvist"
    finally:
        alice.close()
        bob.close()


def test_on_sqlite_the_os_user_name_is_used(tmp_path) -> None:  # noqa: ANN001
    database = open_database(f"sqlite:///{tmp_path / 'solo.db'}")
    try:
        assert acting_username(database.session_factory) == default_username()
        assert acting_username(database.session_factory, "shared.desk") == "shared.desk"
        with database.session_factory.begin() as s:
            assert actor_from_connection(s).username == default_username()
    finally:
        database.close()
