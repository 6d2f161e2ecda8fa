"""Who is acting: the one rule that maps a connection (or a name) to a user and their roles.

On PostgreSQL the person is the connection's login (`session_user`), mapped through
`users.db_login` (or a username equal to the login); nobody becomes a user by connecting,
except the owner of an empty database, who becomes its first admin. Naming someone else
is for admins, and then the admin acts *on behalf of* that person (both are recorded).
On SQLite -- one person's file -- the person is the name asked for (`--user`, the
switch-user choice), else `CORRESPONDENCE_USER`, else the operating-system login; a new
name gets a user row on first use, created race-free.

Only `unit_of_work.py` calls `resolve_identity`; every use case gets its actor from there.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, null, select, text
from sqlalchemy.orm import Session

from correspondence.db.models import User, user_roles
from correspondence.services.errors import NotFound, PermissionDenied

ENV_USER = "CORRESPONDENCE_USER"


class Role(StrEnum):
    OFFICER = "officer"
    DRAFTER = "drafter"
    POLICY_LEAD = "policy_lead"
    PRIVATE_SECRETARY = "private_secretary"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    display_name: str
    roles: frozenset[Role]
    # Set when an admin acts for another person: that person's username. The event log
    # then names both the admin (who really acted) and this person (migration 0007).
    on_behalf_of: str = ""

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles)) or Role.ADMIN in self.roles

    def require(self, action: str, *roles: Role) -> None:
        if not self.has(*roles):
            needed = " or ".join(r.label.lower() for r in roles)
            raise PermissionDenied(
                f"{self.display_name} ({self.username}) may not {action}: "
                f"this needs the {needed} role."
            )


def default_username() -> str:
    """`CORRESPONDENCE_USER`, else the operating-system login."""
    name = os.environ.get(ENV_USER)
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "officer"


def roles_of(session: Session, user_id: int) -> frozenset[Role]:
    rows = session.execute(select(user_roles.c.role).where(user_roles.c.user_id == user_id))
    return frozenset(Role(r) for (r,) in rows if r in Role._value2member_map_)


@dataclass(frozen=True)
class Identity:
    """Who a unit of work acts as, settled once when the desk or command starts."""

    user_id: int
    username: str
    login: str | None = None  # the PostgreSQL login; None on SQLite (and for `acting_as`)
    on_behalf_of: str = ""  # set when an admin acts for another person


# An arbitrary constant key: PostgreSQL advisory lock taken while a first user is made,
# so two first connections to an empty database cannot both become its admin.
_FIRST_USER_LOCK = 0x434F5252  # "CORR"


def _insert_ignoring_conflict(session: Session, table, values: list[dict]) -> None:  # noqa: ANN001
    """INSERT ... ON CONFLICT DO NOTHING on either backend: many first uses at once all pass."""
    if not values:
        return
    # Imported here: the PostgreSQL dialect package (~25 ms) is not needed to open SQLite.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        session.execute(postgresql.insert(table).on_conflict_do_nothing(), values)
    else:
        from sqlalchemy.dialects import sqlite

        session.execute(sqlite.insert(table).on_conflict_do_nothing(), values)


def _lock_first_user(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _FIRST_USER_LOCK})


def ensure_user(session: Session, username: str, *, db_login: str | None = None) -> User:
    """The user called `username`, added on first use (race-free); the very first user of
    an empty database becomes its admin, so a person working alone can do everything."""
    user = session.scalar(select(User).where(User.username == username))
    if user is not None:
        return user
    _lock_first_user(session)
    first = session.scalar(select(func.count()).select_from(User)) == 0
    _insert_ignoring_conflict(
        session,
        User.__table__,
        [
            {
                "username": username,
                "display_name": username,
                "email": "",
                "db_login": db_login,
                "active": True,
                "version": 1,
            }
        ],
    )
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None  # inserted now, or by someone else a moment ago
    roles = [Role.OFFICER, Role.ADMIN] if first else [Role.OFFICER]
    if not session.scalar(select(func.count()).where(user_roles.c.user_id == user.id)):
        _insert_ignoring_conflict(
            session, user_roles, [{"user_id": user.id, "role": r.value} for r in roles]
        )
    return user


def actor_query(identity: Identity) -> Select[Any]:
    """One statement: the user, a row per role and, when acting for someone, whether that
    person is still active (every write pays for it; over a distant link each statement is
    a round trip). Columns: id, username, display_name, active, role, served-is-active."""
    served = (
        select(User.active).where(User.username == identity.on_behalf_of).scalar_subquery()
        if identity.on_behalf_of
        else null()
    )
    return (
        select(User.id, User.username, User.display_name, User.active, user_roles.c.role, served)
        .outerjoin(user_roles, user_roles.c.user_id == User.id)
        .where(User.id == identity.user_id)
    )


def actor_from_rows(identity: Identity, rows: Sequence[Sequence[Any]]) -> Actor:
    """The actor from `actor_query`'s rows; PermissionDenied if gone or disabled."""
    if not rows:
        raise PermissionDenied(f"The account {identity.username!r} no longer exists.")
    user_id, username, display, active, _role, served = rows[0]
    if not active:
        raise PermissionDenied(f"The account {username!r} is disabled.")
    if identity.on_behalf_of and not served:
        raise PermissionDenied(
            f"The account {identity.on_behalf_of!r} is disabled or gone: "
            "nobody may act on its behalf."
        )
    roles = frozenset(Role(r) for r in (row[4] for row in rows) if r in Role._value2member_map_)
    return Actor(user_id, username, display, roles, on_behalf_of=identity.on_behalf_of)


def load_actor(session: Session, identity: Identity) -> Actor:
    """The actor of a unit of work: the identity's user as it is now (roles, still active)."""
    return actor_from_rows(identity, session.execute(actor_query(identity)).all())


def actor_for(session: Session, username: str) -> Actor:
    """The named user as an actor, added on first use: for the demo loader and tests, which
    own their database. Use cases get their actor from the unit of work instead."""
    user = ensure_user(session, username)
    return load_actor(session, Identity(user.id, user.username))


def connection_login(session: Session) -> str | None:
    """The database login of this connection (PostgreSQL `session_user`); None on SQLite.

    `session_user`, not `current_user`: inside a SECURITY DEFINER function the latter is
    the function's owner.
    """
    if session.get_bind().dialect.name != "postgresql":
        return None
    return session.scalar(text("SELECT session_user"))


def _user_for_login(session: Session, login: str) -> User | None:
    user = session.scalar(select(User).where(User.db_login == login))
    if user is None:
        # A username equal to the login counts only where no other login is mapped to it.
        user = session.scalar(select(User).where(User.username == login, User.db_login.is_(None)))
    return user


def _may_found_office(session: Session, login: str) -> bool:
    """An empty database's owner (or a superuser) may become its first admin."""
    return bool(
        session.scalar(
            text(
                "SELECT r.rolsuper OR pg_has_role(session_user, d.datdba, 'MEMBER') "
                "FROM pg_database d, pg_roles r "
                "WHERE d.datname = current_database() AND r.rolname = session_user"
            )
        )
    )


def not_a_user_message(login: str) -> str:
    return (
        f"The database login {login!r} is not a user of Correspondence Desk: "
        "ask an administrator to add you."
    )


def resolve_identity(session: Session, requested: str | None = None) -> Identity:
    """The acting rule (see the module's docstring); raises PermissionDenied when refused."""
    requested = (requested or "").strip() or None
    login = connection_login(session)
    user: User | None
    if login is None:
        username = requested or default_username()
        user = ensure_user(session, username)
        if not user.active:
            raise PermissionDenied(f"The account {user.username!r} is disabled.")
        return Identity(user.id, user.username)
    user = _user_for_login(session, login)
    if user is None:
        _lock_first_user(session)
        empty = session.scalar(select(func.count()).select_from(User)) == 0
        if not (empty and _may_found_office(session, login)):
            raise PermissionDenied(not_a_user_message(login))
        user = ensure_user(session, login, db_login=login)
    if not user.active:
        raise PermissionDenied(
            f"The account {user.username!r} (login {login!r}) is disabled: ask an administrator."
        )
    if requested and requested not in (user.username, login):
        if Role.ADMIN not in roles_of(session, user.id):
            raise PermissionDenied(
                f"You are connected to the database as {login!r}, which is "
                f"{user.display_name} ({user.username}); only an admin may act on behalf "
                f"of {requested!r}."
            )
        target = session.scalar(select(User).where(User.username == requested))
        if target is None:
            raise NotFound(f"There is no user {requested!r} to act on behalf of.")
        if not target.active:
            raise PermissionDenied(f"The account {requested!r} is disabled.")
        return Identity(user.id, user.username, login, on_behalf_of=target.username)
    return Identity(user.id, user.username, login)
