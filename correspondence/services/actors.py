"""Who is acting: maps a login name to a user row and checks roles."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from correspondence.db.models import User, user_roles
from correspondence.services.errors import PermissionDenied

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


def actor_for(session: Session, username: str) -> Actor:
    """The acting user; a first-time login is added as an officer.

    The very first user of an empty database becomes its admin, so a person
    running the app alone can do everything.
    """
    user = session.scalar(
        select(User).where((User.username == username) | (User.db_login == username))
    )
    if user is None:
        first = session.scalar(select(func.count()).select_from(User)) == 0
        user = User(username=username, display_name=username)
        session.add(user)
        session.flush()
        roles = [Role.OFFICER, Role.ADMIN] if first else [Role.OFFICER]
        session.execute(user_roles.insert(), [{"user_id": user.id, "role": r.value} for r in roles])
    if not user.active:
        raise PermissionDenied(f"The account {username!r} is disabled.")
    return Actor(user.id, user.username, user.display_name, roles_of(session, user.id))


def connection_login(session: Session) -> str | None:
    """The database login of this connection (PostgreSQL `current_user`); None on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return session.scalar(text("SELECT current_user"))


def actor_from_connection(session: Session, requested: str | None = None) -> Actor:
    """Who is working: on PostgreSQL the person's own login, mapped to their user.

    The login is matched against `users.db_login`, then `users.username` (a new
    login becomes an officer, as in `actor_for`). Acting as someone else
    (`requested`) is for admins only, e.g. setting up a shared desk. On SQLite
    there are no logins: `requested`, else the operating-system user.
    """
    login = connection_login(session)
    if login is None:
        return actor_for(session, requested or default_username())
    actor = actor_for(session, login)
    if requested and requested not in (actor.username, login):
        if Role.ADMIN not in actor.roles:
            raise PermissionDenied(
                f"You are connected to the database as {login!r}, which is "
                f"{actor.display_name} ({actor.username}); only an admin may act as {requested!r}."
            )
        return actor_for(session, requested)
    return actor


def acting_username(session_factory: sessionmaker[Session], requested: str | None = None) -> str:
    """The username a Desk should act as on this database (see actor_from_connection).

    On SQLite this touches nothing; on PostgreSQL a new login's user row is created.
    """
    bind = session_factory.kw.get("bind")
    if bind is None or bind.dialect.name != "postgresql":
        return requested or default_username()
    with session_factory.begin() as s:
        return actor_from_connection(s, requested).username
