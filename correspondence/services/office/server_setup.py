"""`server setup`: make a PostgreSQL database ready for a team, run by its owner.

Safe to run again after every upgrade: it upgrades the schema, creates the group roles
that are missing, grants each the least it needs (afresh, so new tables are covered),
turns the server's checks on (`desk_enforced()`, migration 0008) and makes sure the
owner is an admin user. The owner needs CREATEROLE (given once by the superuser, see
the README); nobody else ever does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from correspondence.database import open_database
from correspondence.db import migrate
from correspondence.db.models import User, user_roles
from correspondence.db.session import is_sqlite, make_engine, normalise_url
from correspondence.services import events
from correspondence.services.actors import Actor, Role, roles_of
from correspondence.services.errors import PermissionDenied, ValidationError
from correspondence.services.people import server_logins

ALL_USERS = server_logins.ALL_USERS
GROUPS = tuple(server_logins.group_role(r) for r in Role)
# Only admins write these; everyone reads them.
ADMIN_TABLES = ("users", "user_roles", "teams", "offices")
# Written by the server (events, through its trigger) or by migrations only.
NOT_WRITTEN = ("events", "alembic_version")
ADMIN_FUNCTIONS = (
    "desk_create_login(text, text)",
    "desk_set_roles(text, text[])",
    "desk_disable_login(text)",
    "desk_end_sessions(text)",
)


@dataclass
class SetupResult:
    owner: str
    revision_before: str | None
    revision: str
    roles_created: list[str] = field(default_factory=list)
    grants_revoked: list[str] = field(default_factory=list)  # roles that held rights before
    logins_synced: list[str] = field(default_factory=list)  # existing logins given group roles
    logins_skipped: list[str] = field(default_factory=list)  # with the reason
    admin_username: str = ""
    admin_added: bool = False
    tables: int = 0


def _refuse(message: str) -> PermissionDenied:
    return PermissionDenied(f"server setup: {message}")


def _check_owner(conn: Connection, owner: str) -> None:
    row = conn.execute(
        text(
            "SELECT r.rolsuper, r.rolcreaterole, "
            "(SELECT tableowner FROM pg_tables WHERE schemaname = 'public' "
            " AND tablename = 'events') FROM pg_roles r WHERE r.rolname = :o"
        ),
        {"o": owner},
    ).one()
    superuser, createrole, tables_owner = row
    if tables_owner != owner:
        raise _refuse(
            f"the tables belong to {tables_owner!r}, not {owner!r}: run it as the database "
            "owner (the login that created the schema)"
        )
    if not (superuser or createrole):
        raise _refuse(
            f"the owner {owner!r} needs CREATEROLE to create the group roles and the team's "
            f'logins: the superuser runs ALTER ROLE "{owner}" CREATEROLE'
        )


def _create_roles(conn: Connection) -> list[str]:
    have = set(
        conn.execute(
            text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:n)"),
            {"n": [ALL_USERS, *GROUPS]},
        ).scalars()
    )
    made = []
    for role in (ALL_USERS, *GROUPS):
        if role not in have:
            conn.exec_driver_sql(f'CREATE ROLE "{role}" NOLOGIN')
            made.append(role)
    for role in GROUPS:
        conn.exec_driver_sql(f'GRANT "{ALL_USERS}" TO "{role}"')
    return made


def _revoke_others(conn: Connection, owner: str) -> list[str]:
    """Take back grants made outside the app, e.g. the whole-table grants to a `desk_users`
    group that earlier releases' README suggested: only the group roles hold rights now."""
    others = sorted(
        set(
            conn.execute(
                text(
                    "SELECT DISTINCT grantee FROM information_schema.role_table_grants "
                    "WHERE table_schema = 'public' AND grantee <> :o"
                ),
                {"o": owner},
            ).scalars()
        )
        - {ALL_USERS, *GROUPS}
    )
    defaults = set(
        conn.execute(
            text(
                "SELECT DISTINCT (aclexplode(d.defaclacl)).grantee::regrole::text "
                "FROM pg_default_acl d JOIN pg_roles r ON r.oid = d.defaclrole "
                "WHERE r.rolname = :o"
            ),
            {"o": owner},
        ).scalars()
    ) - {ALL_USERS, *GROUPS, owner, f'"{owner}"'}
    for grantee in others:
        who = "PUBLIC" if grantee == "PUBLIC" else f'"{grantee}"'
        conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {who}")
        conn.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {who}")
    for grantee in sorted(defaults):
        who = "PUBLIC" if grantee in ("-", "0") else grantee
        for kind in ("TABLES", "SEQUENCES"):
            conn.exec_driver_sql(
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON {kind} FROM {who}"
            )
    return sorted(set(others) | {d.strip('"') for d in defaults})


def _grant(conn: Connection) -> int:
    tables = list(
        conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        ).scalars()
    )
    everyone = ", ".join(f'"{r}"' for r in (ALL_USERS, *GROUPS))
    run = conn.exec_driver_sql
    run(f'GRANT USAGE ON SCHEMA public TO "{ALL_USERS}"')
    # Before PostgreSQL 15 anyone may create objects in public, next to the app's functions.
    if conn.execute(
        text("SELECT has_schema_privilege('public', 'public', 'CREATE')")
    ).scalar() and conn.execute(
        text("SELECT pg_get_userbyid(nspowner) = session_user FROM pg_namespace "
             "WHERE nspname = 'public'")
    ).scalar():  # fmt: skip
        run("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    run(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {everyone}")
    run(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {everyone}")
    run(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{ALL_USERS}"')
    run(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{ALL_USERS}"')
    work = [t for t in tables if t not in ADMIN_TABLES and t not in NOT_WRITTEN]
    if work:
        names = ", ".join(f'"{t}"' for t in work)
        run(f'GRANT INSERT, UPDATE, DELETE ON {names} TO "{ALL_USERS}"')
    # Insert only: no UPDATE, DELETE or TRUNCATE, and the trigger fills in who and the hash.
    run(f'GRANT INSERT ON events TO "{ALL_USERS}"')
    admin_tables = ", ".join(f'"{t}"' for t in ADMIN_TABLES)
    run(f'GRANT INSERT, UPDATE, DELETE ON {admin_tables} TO "desk_admin"')
    for fn in ADMIN_FUNCTIONS:
        run(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")
        run(f'GRANT EXECUTE ON FUNCTION {fn} TO "desk_admin"')
    return len(tables)


def _first_admin(session: Session, owner: str, username: str, display_name: str) -> bool:
    """The owner's user row, with the admin role; True if it was made now."""
    user = session.scalar(select(User).where(User.db_login == owner))
    if user is None:
        user = session.scalar(
            select(User).where(User.username == (username or owner), User.db_login.is_(None))
        )
    added = user is None
    if user is None:
        name = username or owner
        if session.scalar(select(User.id).where(User.username == name)) is not None:
            raise ValidationError("Username", f"{name!r} already exists with another login")
        user = User(username=name, display_name=display_name or name, active=True)
        session.add(user)
        session.flush()
    user.db_login = owner
    user.active = True
    have = roles_of(session, user.id)
    missing = [r for r in (Role.ADMIN, Role.OFFICER) if r not in have]
    if missing:
        session.execute(
            user_roles.insert(), [{"user_id": user.id, "role": r.value} for r in missing]
        )
    session.flush()
    actor = Actor(user.id, user.username, user.display_name, roles_of(session, user.id))
    if added:
        events.record(session, actor, "user", user.id, "user added", new=user.username)
    if missing:
        events.record(
            session, actor, "user", user.id, "edited", field="roles",
            old=", ".join(sorted(r.value for r in have)),
            new=", ".join(sorted(r.value for r in roles_of(session, user.id))),
            reason="server setup: the database owner is the first admin",
        )  # fmt: skip
    return added


def _sync_existing_logins(session: Session, owner: str) -> tuple[list[str], list[str]]:
    """Give every active person whose login already exists the group roles of their app
    roles (a team from before, or a restored database); logins are never created here."""
    synced, skipped = [], []
    rows = session.execute(
        select(User.id, User.db_login)
        .where(User.active.is_(True), User.db_login.is_not(None), User.db_login != owner)
        .order_by(User.username)
    ).all()
    for user_id, login in rows:
        assert login is not None  # the query keeps only users with a login
        exists = session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :l"), {"l": login})
        if not exists:
            skipped.append(f"{login} (no such login yet: users add or the admin screen makes it)")
            continue
        try:
            server_logins.set_roles(session, login, roles_of(session, user_id))
        except PermissionDenied as exc:
            skipped.append(f"{login} ({exc})")
        else:
            synced.append(login)
    return synced, skipped


def setup(url: str, username: str = "", display_name: str = "") -> SetupResult:
    """Create or upgrade the schema, the roles and the grants; make the owner an admin."""
    url = normalise_url(url)
    if is_sqlite(url):
        raise ValidationError(
            "Database",
            "server setup is for PostgreSQL; a SQLite file is one person's and needs none",
        )
    probe = make_engine(url)
    try:
        before = migrate.current_revision(probe)
    finally:
        probe.dispose()
    database = open_database(url)  # upgrades the schema and adds the reference data
    try:
        with database.session_factory.begin() as s:
            conn = s.connection()
            owner = conn.execute(text("SELECT session_user")).scalar_one()
            _check_owner(conn, owner)
            try:
                made = _create_roles(conn)
                revoked = _revoke_others(conn, owner)
                tables = _grant(conn)
                added = _first_admin(s, owner, username, display_name)
                conn.exec_driver_sql(f'GRANT "desk_admin", "desk_officer" TO "{owner}"')
                # From here the server stamps events and refuses role-bound moves.
                conn.exec_driver_sql(
                    "CREATE OR REPLACE FUNCTION desk_enforced() RETURNS boolean "
                    "LANGUAGE sql STABLE AS $$ SELECT true $$"
                )
            except DBAPIError as exc:
                raise _refuse(server_logins.server_message(exc)) from exc
            synced, skipped = _sync_existing_logins(s, owner)
            admin = s.scalar(select(User.username).where(User.db_login == owner)) or owner
        return SetupResult(
            owner=owner,
            revision_before=before,
            revision=migrate.HEAD,
            roles_created=made,
            grants_revoked=revoked,
            logins_synced=synced,
            logins_skipped=skipped,
            admin_username=admin,
            admin_added=added,
            tables=tables,
        )
    finally:
        database.close()
