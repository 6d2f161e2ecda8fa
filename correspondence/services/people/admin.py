"""Administration: users and their roles, teams, office codes; and who sits at a shared desk.

Every change needs the admin role (checked here, not only in the window) and is recorded
in the event log. Users and teams carry a `version`: a save made from a stale screen is
refused with ConflictError rather than overwriting another admin's change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from correspondence.db.models import Office, Team, User, now_utc, user_roles
from correspondence.domain.references import validate_office_code
from correspondence.services import events
from correspondence.services.actors import (
    Actor,
    Role,
    roles_of,
)
from correspondence.services.cases.history import WITHHELD, is_personal
from correspondence.services.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from correspondence.services.people import server_logins
from correspondence.services.unit_of_work import UnitOfWorkFactory

USER_FIELDS = ("display_name", "email", "team_id", "db_login", "active", "roles")
TEAM_FIELDS = ("name", "mailbox", "active")


@dataclass(frozen=True)
class UserView:
    id: int
    version: int
    username: str
    display_name: str
    email: str
    team_id: int | None
    team: str
    db_login: str
    active: bool
    roles: frozenset[Role]


@dataclass(frozen=True)
class TeamView:
    id: int
    version: int
    code: str
    name: str
    mailbox: str
    active: bool
    members: int


@dataclass(frozen=True)
class OfficeView:
    code: str
    name: str
    is_default: bool


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    email: str = ""
    team_id: int | None = None
    db_login: str = ""
    roles: frozenset[Role] = frozenset({Role.OFFICER})


def _require(actor: Actor, action: str) -> None:
    if Role.ADMIN not in actor.roles:
        raise PermissionDenied(
            f"{actor.display_name} ({actor.username}) may not {action}: this needs the admin role."
        )


def _record(
    session: Session,
    actor: Actor,
    entity: str,
    entity_id: int | None,
    action: str,
    field: str = "",
    old: object = "",
    new: object = "",
) -> None:
    def text(v: object) -> str:
        if v is None:
            return ""
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, frozenset | set | list | tuple):
            return ", ".join(sorted(str(x) for x in v))
        return str(v)

    before, after = text(old), text(new)
    if is_personal(field):  # names and emails stay out of the append-only log
        before, after = (WITHHELD if before else ""), (WITHHELD if after else "")
    events.record(session, actor, entity, entity_id, action, field=field, old=before, new=after)


def _clean(value: object) -> str:
    return str(value or "").strip()


# --- users -----------------------------------------------------------------------------


def _user_view(session: Session, user: User) -> UserView:
    return UserView(
        id=user.id,
        version=user.version,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        team_id=user.team_id,
        team=user.team.name if user.team else "",
        db_login=user.db_login or "",
        active=user.active,
        roles=roles_of(session, user.id),
    )


def list_users(session: Session) -> list[UserView]:
    return [
        _user_view(session, u)
        for u in session.scalars(select(User).order_by(User.display_name, User.username))
    ]


def _check_roles(roles: Iterable[Role | str]) -> frozenset[Role]:
    try:
        return frozenset(Role(r) for r in roles)
    except ValueError as exc:
        raise ValidationError("Roles", str(exc)) from exc


def _check_team(session: Session, team_id: int | None) -> None:
    if team_id is not None and session.get(Team, team_id) is None:
        raise ValidationError("Team", f"no team #{team_id}")


def _check_login(session: Session, login: str, user_id: int | None) -> None:
    if not login:
        return
    other = session.scalar(
        select(User.id).where(
            ((User.db_login == login) | (User.username == login)) & (User.id != (user_id or -1))
        )
    )
    if other is not None:
        raise ValidationError("Database login", f"{login!r} already belongs to another user")


def add_user(
    session: Session, actor: Actor, data: NewUser, password_verifier: str | None = None
) -> UserView:
    """Add a person; on a team server also create (or reuse) their login and grant its roles.

    `password_verifier` (see server_logins.scram_verifier) sets the new login's password.
    """
    _require(actor, "add users")
    username = _clean(data.username)
    if not username:
        raise ValidationError("Username", "enter a username, e.g. j.smith")
    if any(c.isspace() for c in username):
        raise ValidationError("Username", "a username has no spaces")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationError("Username", f"{username!r} already exists")
    display = _clean(data.display_name) or username
    login = _clean(data.db_login)
    _check_login(session, login, None)
    _check_team(session, data.team_id)
    roles = _check_roles(data.roles)
    if not roles:
        raise ValidationError("Roles", "give the user at least one role")
    user = User(
        username=username,
        display_name=display,
        email=_clean(data.email),
        team_id=data.team_id,
        db_login=login or None,
        active=True,
    )
    session.add(user)
    session.flush()
    session.execute(insert(user_roles), [{"user_id": user.id, "role": r.value} for r in roles])
    _record(session, actor, "user", user.id, "user added", new=username)
    _record(session, actor, "user", user.id, "edited", "roles", "", roles)
    if login and server_logins.enforced(session):
        # The server's group roles follow the app's roles: it is what the server checks.
        server_logins.create_login(session, login, password_verifier)
        server_logins.set_roles(session, login, roles)
    return _user_view(session, user)


def _active_admins(session: Session) -> int:
    return (
        session.scalar(
            select(func.count(func.distinct(User.id)))
            .join(user_roles, user_roles.c.user_id == User.id)
            .where(User.active.is_(True), user_roles.c.role == Role.ADMIN.value)
        )
        or 0
    )


def update_user(
    session: Session,
    actor: Actor,
    user_id: int,
    expected_version: int,
    changes: Mapping[str, Any],
) -> UserView:
    """Change a user's details, roles or active flag; refused if someone saved them since."""
    _require(actor, "change users")
    unknown = sorted(set(changes) - set(USER_FIELDS))
    if unknown:
        raise ValidationError("Field", f"cannot change {', '.join(unknown)} here")
    user = session.get(User, user_id, populate_existing=True)
    if user is None:
        raise NotFound(f"No user #{user_id}")
    if user.version != expected_version:
        raise ConflictError(
            f"The user {user.username} was changed by someone else since you opened it; "
            "the screen now shows their version."
        )
    before = _user_view(session, user)
    log: dict[str, tuple[object, object]] = {}
    if "display_name" in changes:
        name = _clean(changes["display_name"])
        if not name:
            raise ValidationError("Display name", "enter the name people see")
        log["display_name"] = (user.display_name, name)
        user.display_name = name
    if "email" in changes:
        log["email"] = (user.email, _clean(changes["email"]))
        user.email = _clean(changes["email"])
    if "team_id" in changes:
        _check_team(session, changes["team_id"])
        log["team"] = (before.team, _team_name(session, changes["team_id"]))
        user.team_id = changes["team_id"]
    if "db_login" in changes:
        login = _clean(changes["db_login"])
        _check_login(session, login, user.id)
        log["db_login"] = (before.db_login, login)
        user.db_login = login or None
    roles = _check_roles(changes["roles"]) if "roles" in changes else before.roles
    active = bool(changes["active"]) if "active" in changes else before.active
    if "roles" in changes and not roles:
        raise ValidationError("Roles", "give the user at least one role")
    losing_admin = before.active and Role.ADMIN in before.roles
    losing_admin = losing_admin and (not active or Role.ADMIN not in roles)
    if losing_admin and _active_admins(session) <= 1:
        raise ValidationError(
            "Roles", f"{user.username} is the last active admin: make someone else admin first"
        )
    if "active" in changes:
        log["active"] = (before.active, active)
        user.active = active
    if roles != before.roles:
        log["roles"] = (before.roles, roles)
        session.execute(delete(user_roles).where(user_roles.c.user_id == user.id))
        session.execute(insert(user_roles), [{"user_id": user.id, "role": r.value} for r in roles])
    user.updated_at = now_utc()  # roles live in another table: move the version on anyway
    _flush(session, f"The user {user.username}")
    _sync_login(session, before, user.db_login or "", roles, active)
    for name, (old, new) in log.items():
        if _text_of(old) != _text_of(new):
            _record(session, actor, "user", user.id, "edited", name, old, new)
    return _user_view(session, user)


def _sync_login(
    session: Session, before: UserView, login: str, roles: frozenset[Role], active: bool
) -> None:
    """Bring the person's login on a team server in line with their row."""
    if not server_logins.enforced(session):
        return
    if before.db_login and before.db_login != login and before.active:
        server_logins.disable_login(session, before.db_login)
    if not login:
        return
    if not active:
        if before.active or before.db_login != login:
            server_logins.disable_login(session, login)
        return
    if not before.active or before.db_login != login:
        server_logins.create_login(session, login)
    if not before.active or before.db_login != login or roles != before.roles:
        server_logins.set_roles(session, login, roles)


def disable_user(session: Session, actor: Actor, username: str) -> UserView:
    """A leaver: the row made inactive and, on a team server, the login locked out."""
    _require(actor, "disable users")
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise NotFound(f"No user {username.strip()!r}")
    if user.id == actor.user_id:
        raise ValidationError("User", "you cannot disable yourself")
    if not user.active:
        return _user_view(session, user)
    return update_user(session, actor, user.id, user.version, {"active": False})


def _text_of(v: object) -> object:
    return sorted(v) if isinstance(v, frozenset) else ("" if v is None else v)


def _team_name(session: Session, team_id: int | None) -> str:
    team = session.get(Team, team_id) if team_id is not None else None
    return team.name if team else ""


def _flush(session: Session, what: str) -> None:
    try:
        session.flush()
    except StaleDataError as exc:  # a commit slipped in between our read and our write
        raise ConflictError(f"{what} was changed by someone else while you were saving.") from exc


# --- teams ------------------------------------------------------------------------------


def list_teams(session: Session) -> list[TeamView]:
    members = dict(
        session.execute(
            select(User.team_id, func.count(User.id))
            .where(User.active.is_(True))
            .group_by(User.team_id)
        ).all()
    )
    return [
        TeamView(t.id, t.version, t.code, t.name, t.mailbox, t.active, members.get(t.id, 0))
        for t in session.scalars(select(Team).order_by(Team.name))
    ]


def add_team(session: Session, actor: Actor, code: str, name: str, mailbox: str = "") -> TeamView:
    _require(actor, "add teams")
    code, name = _clean(code).upper(), _clean(name)
    if not code or len(code) > 20 or not code.replace("_", "").isalnum():
        raise ValidationError("Code", "enter a short code of letters and digits, e.g. SPU")
    if not name:
        raise ValidationError("Name", "enter the team's name")
    if session.scalar(select(Team.id).where(Team.code == code)) is not None:
        raise ValidationError("Code", f"a team {code!r} already exists")
    team = Team(code=code, name=name, mailbox=_clean(mailbox), active=True)
    session.add(team)
    session.flush()
    _record(session, actor, "team", team.id, "team added", new=f"{code} — {name}")
    return TeamView(team.id, team.version, code, name, team.mailbox, True, 0)


def update_team(
    session: Session,
    actor: Actor,
    team_id: int,
    expected_version: int,
    changes: Mapping[str, Any],
) -> TeamView:
    """Rename a team, change its mailbox, or (de)activate it."""
    _require(actor, "change teams")
    unknown = sorted(set(changes) - set(TEAM_FIELDS))
    if unknown:
        raise ValidationError("Field", f"cannot change {', '.join(unknown)} here")
    team = session.get(Team, team_id, populate_existing=True)
    if team is None:
        raise NotFound(f"No team #{team_id}")
    if team.version != expected_version:
        raise ConflictError(
            f"The team {team.code} was changed by someone else since you opened it; "
            "the screen now shows their version."
        )
    log: dict[str, tuple[object, object]] = {}
    if "name" in changes:
        name = _clean(changes["name"])
        if not name:
            raise ValidationError("Name", "enter the team's name")
        log["team name"] = (team.name, name)
        team.name = name
    if "mailbox" in changes:
        log["mailbox"] = (team.mailbox, _clean(changes["mailbox"]))
        team.mailbox = _clean(changes["mailbox"])
    if "active" in changes:
        log["active"] = (team.active, bool(changes["active"]))
        team.active = bool(changes["active"])
    _flush(session, f"The team {team.code}")
    for name, (old, new) in log.items():
        if old != new:
            _record(session, actor, "team", team.id, "edited", name, old, new)
    return next(t for t in list_teams(session) if t.id == team.id)


# --- office codes ----------------------------------------------------------------------


def list_offices(session: Session) -> list[OfficeView]:
    return [
        OfficeView(o.code, o.name, o.is_default)
        for o in session.scalars(select(Office).order_by(Office.code))
    ]


def add_office(session: Session, actor: Actor, code: str, name: str) -> OfficeView:
    _require(actor, "add office codes")
    code, name = _clean(code), _clean(name)
    try:
        validate_office_code(code)
    except ValueError as exc:
        raise ValidationError("Office code", str(exc)) from exc
    if not name:
        raise ValidationError("Name", "enter the office's name")
    if session.get(Office, code) is not None:
        raise ValidationError("Office code", f"{code!r} already exists")
    session.add(Office(code=code, name=name, is_default=False))
    session.flush()
    _record(session, actor, "office", None, "office added", "office", "", f"{code} — {name}")
    return OfficeView(code, name, False)


def set_default_office(session: Session, actor: Actor, code: str) -> OfficeView:
    """New references use this office code from now on; existing ones keep theirs."""
    _require(actor, "change the default office code")
    office = session.get(Office, code)
    if office is None:
        raise NotFound(f"No office code {code!r}")
    old = session.scalar(select(Office.code).where(Office.is_default.is_(True))) or ""
    if old == code:
        return OfficeView(office.code, office.name, True)
    session.execute(update(Office).values(is_default=False))
    session.execute(update(Office).where(Office.code == code).values(is_default=True))
    _record(session, actor, "office", None, "edited", "default office", old, code)
    return OfficeView(office.code, office.name, True)


# --- a shared desk -------------------------------------------------------------------


def desk_users(session: Session) -> list[UserView]:
    """The people who may take over a shared desk: active users."""
    return [u for u in list_users(session) if u.active]


def check_switch_target(session: Session, target: str) -> User:
    """The active user a shared desk may be handed to."""
    user = session.scalar(select(User).where(User.username == target.strip()))
    if user is None:
        raise NotFound(f"No user {target.strip()!r}")
    if not user.active:
        raise PermissionDenied(f"The account {user.username!r} is disabled.")
    return user


# --- the facade -------------------------------------------------------------------------


class Administration:
    """Admin services bound to a database and a user; one transaction per call."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    def _write(self, work: Callable[[Session, Actor], Any]) -> Any:
        with self.uow.begin() as uow:
            s = uow.session
            return work(s, uow.actor)

    def is_admin(self) -> bool:
        with self.uow.read() as uow:
            return Role.ADMIN in uow.actor.roles

    def users(self) -> list[UserView]:
        with self.uow.read() as uow:
            s = uow.session
            return list_users(s)

    def teams(self) -> list[TeamView]:
        with self.uow.read() as uow:
            s = uow.session
            return list_teams(s)

    def offices(self) -> list[OfficeView]:
        with self.uow.read() as uow:
            s = uow.session
            return list_offices(s)

    def add_user(self, data: NewUser, password_verifier: str | None = None) -> UserView:
        return self._write(lambda s, a: add_user(s, a, data, password_verifier))

    def disable_user(self, username: str) -> tuple[UserView, int]:
        """Disable the person; then end their open connections (counted) once that holds."""
        view = self._write(lambda s, a: disable_user(s, a, username))
        return view, self._end_sessions(view.db_login) if view.db_login else 0

    def server_roles(self, login: str) -> tuple[list[str], bool | None]:
        with self.uow.read() as uow:
            return server_logins.login_roles(uow.session, login)

    def team_server(self) -> bool:
        """A PostgreSQL database set up for a team: logins and their roles are managed here."""
        with self.uow.read() as uow:
            return server_logins.enforced(uow.session)

    def login_status(self, login: str) -> str:
        """One line on what the server holds for a login, for the admin screen."""
        if not login:
            return "No database login:\nthis person cannot connect."
        held, can_login = self.server_roles(login)
        if can_login is None:
            return f"Login {login}: not made yet;\nsaving makes it."
        if not can_login:
            return f"Login {login}: disabled."
        labels = ", ".join(Role(r).label.lower() for r in held) or "none"
        return f"Login {login}: may connect.\nServer roles: {labels}."

    def update_user(self, user_id: int, version: int, changes: Mapping[str, Any]) -> UserView:
        view = self._write(lambda s, a: update_user(s, a, user_id, version, changes))
        if "active" in changes and not view.active and view.db_login:
            self._end_sessions(view.db_login)  # a leaver made inactive on the screen
        return view

    def _end_sessions(self, login: str) -> int:
        with self.uow.begin() as uow:
            s = uow.session
            return server_logins.end_sessions(s, login) if server_logins.enforced(s) else 0

    def add_team(self, code: str, name: str, mailbox: str = "") -> TeamView:
        return self._write(lambda s, a: add_team(s, a, code, name, mailbox))

    def update_team(self, team_id: int, version: int, changes: Mapping[str, Any]) -> TeamView:
        return self._write(lambda s, a: update_team(s, a, team_id, version, changes))

    def add_office(self, code: str, name: str) -> OfficeView:
        return self._write(lambda s, a: add_office(s, a, code, name))

    def set_default_office(self, code: str) -> OfficeView:
        return self._write(lambda s, a: set_default_office(s, a, code))

    def desk_users(self) -> list[UserView]:
        with self.uow.read() as uow:
            s = uow.session
            return desk_users(s)

    @property
    def username(self) -> str:
        return self.uow.username

    def switch_to(self, target: str) -> UnitOfWorkFactory:
        """Hand the desk to `target`: units of work for them, the hand-over recorded.

        The acting rule decides (actors.resolve_identity): on SQLite anyone at the desk
        may switch; on PostgreSQL the login decides who you are, and only an admin may
        act for someone else -- then as themself, on that person's behalf.
        """
        with self.uow.read() as uow:
            user = check_switch_target(uow.session, target)
            target, target_id = user.username, user.id
        new = self.uow.switch_to(target)
        with self.uow.begin() as uow:
            who = uow.actor
            if target != (who.on_behalf_of or who.username):
                events.record(
                    uow.session,
                    who,
                    "user",
                    target_id,
                    "desk switched",
                    old=who.on_behalf_of or who.username,
                    new=target,
                )
        return new
