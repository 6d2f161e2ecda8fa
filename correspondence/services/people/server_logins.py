"""PostgreSQL logins and group roles, managed through the database's own functions.

An admin never holds CREATEROLE: the SECURITY DEFINER functions of migration 0008
(`desk_create_login`, `desk_set_roles`, `desk_disable_login`, `desk_end_sessions`),
owned by the database owner, check that the session's login is in `desk_admin` and do
the one thing asked. Everything here is a no-op on SQLite and on a PostgreSQL database
whose owner has not run `correspondence server setup` (no logins to manage yet).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from correspondence.services.actors import Role
from correspondence.services.errors import PermissionDenied, ValidationError

GROUP_PREFIX = "desk_"
ALL_USERS = "desk_user"
SCRAM_ITERATIONS = 4096


def group_role(role: Role | str) -> str:
    return GROUP_PREFIX + Role(role).value


def enforced(session: Session) -> bool:
    """True on a PostgreSQL database set up for a team (the server checks the roles)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    return bool(session.scalar(text("SELECT desk_enforced()")))


def server_message(exc: DBAPIError) -> str:
    """The first line of what the server said, without the driver's decoration."""
    orig = getattr(exc, "orig", None)
    diag = getattr(orig, "diag", None)
    primary = getattr(diag, "message_primary", None)
    return primary or str(orig or exc).strip().splitlines()[0]


def refusal(exc: BaseException) -> str | None:
    """The server's message if `exc` is PostgreSQL refusing a privilege (SQLSTATE 42501)."""
    if not isinstance(exc, DBAPIError):
        return None
    if getattr(getattr(exc, "orig", None), "sqlstate", None) != "42501":
        return None
    return server_message(exc)


def _call(session: Session, sql: str, **params: object) -> Any:
    try:
        with session.begin_nested():
            return session.scalar(text(sql), params)
    except DBAPIError as exc:
        raise PermissionDenied(server_message(exc)) from exc


def create_login(session: Session, login: str, password_verifier: str | None = None) -> bool:
    """Create the login (or re-enable an existing one); True if it was new."""
    return bool(_call(session, "SELECT desk_create_login(:l, :p)", l=login, p=password_verifier))


def set_roles(session: Session, login: str, roles: Iterable[Role | str]) -> None:
    """Make the login a member of exactly these group roles (and no other desk_ role)."""
    names = sorted(Role(r).value for r in roles)
    _call(session, "SELECT desk_set_roles(:l, CAST(:r AS text[]))", l=login, r=names)


def disable_login(session: Session, login: str) -> None:
    _call(session, "SELECT desk_disable_login(:l)", l=login)


def end_sessions(session: Session, login: str) -> int:
    """End the (disabled) login's open connections; run after the disabling committed."""
    return int(_call(session, "SELECT desk_end_sessions(:l)", l=login) or 0)


def login_roles(session: Session, login: str) -> tuple[list[str], bool | None]:
    """The app roles the login holds on the server, and whether it may log in (None: no role)."""
    if session.get_bind().dialect.name != "postgresql" or not login:
        return [], None
    row = session.execute(
        text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :l"), {"l": login}
    ).first()
    if row is None:
        return [], None
    held = session.scalars(
        text(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member "
            "WHERE u.rolname = :l AND g.rolname LIKE 'desk\\_%' ORDER BY g.rolname"
        ),
        {"l": login},
    ).all()
    return [r[len(GROUP_PREFIX) :] for r in held], bool(row[0])


def scram_verifier(password: str, salt: bytes | None = None) -> str:
    """What PostgreSQL stores for a SCRAM-SHA-256 password; the password never leaves here."""
    if not password:
        raise ValidationError("Password", "enter a password")
    salt = salt or os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(b: bytes) -> str:
        return base64.b64encode(b).decode()

    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"
