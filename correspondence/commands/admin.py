"""`serve-check`: is a (shared) database ready, how far away is it; `users add/list/disable`."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from correspondence.commands.shared import Common, add_command, print_json, unit_of_work
from correspondence.db.session import default_url

EXIT_NOT_AT_HEAD = 3  # 1 is any other error, e.g. the server cannot be reached


def register(sub: argparse._SubParsersAction, common: Common) -> None:
    p = add_command(
        sub,
        common,
        "serve-check",
        "check a database: schema at the current version (or upgrade it), server version, "
        f"latency; exit {EXIT_NOT_AT_HEAD} if the schema needs upgrading",
        cmd_serve_check,
    )
    p.add_argument(
        "--upgrade", action="store_true", help="upgrade the schema to the current version first"
    )
    p.add_argument("--json", action="store_true")
    _register_users(sub, common)


def _register_users(sub: argparse._SubParsersAction, common: Common) -> None:
    users = sub.add_parser(
        "users",
        help="people and their logins (admins only)",
        description="People and their logins (admins only)",
    )
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    p = add_command(
        actions,
        common,
        "add",
        "add a person with their roles; on a team's PostgreSQL server also create (or reuse) "
        "their login and grant it the matching group roles",
        cmd_users_add,
    )
    p.add_argument("username")
    p.add_argument("--login", default="", help="their PostgreSQL login (default: none)")
    p.add_argument(
        "--roles",
        default="officer",
        help="comma-separated: officer, drafter, policy_lead, private_secretary, admin",
    )
    p.add_argument("--team", default="", metavar="CODE", help="their team's code")
    p.add_argument("--name", default="", help="their name as people see it")
    p.add_argument("--email", default="")
    p.add_argument(
        "--password",
        action="store_true",
        help="ask for an initial password for the new login (sent to the server only as a "
        "SCRAM verifier)",
    )
    p = add_command(actions, common, "list", "everyone, with roles, login and team", cmd_users_list)
    p.add_argument("--json", action="store_true")
    p = add_command(
        actions,
        common,
        "disable",
        "lock a leaver out: the person is made inactive, their login may no longer connect, "
        "and their open connections are ended",
        cmd_users_disable,
    )
    p.add_argument("username")


def _administration(args: argparse.Namespace):  # noqa: ANN202 - Administration, imported late
    from correspondence.services.people.admin import Administration

    return Administration(unit_of_work(args))


def cmd_users_add(args: argparse.Namespace) -> int:
    import getpass

    from correspondence.services.errors import ValidationError
    from correspondence.services.people.admin import NewUser
    from correspondence.services.people.server_logins import scram_verifier

    admin = _administration(args)
    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    team_id = None
    if args.team.strip():
        code = args.team.strip().upper()
        team_id = next((t.id for t in admin.teams() if t.code == code), None)
        if team_id is None:
            raise ValidationError("--team", f"no team {code!r}")
    verifier = None
    if args.password:
        if not args.login.strip():
            raise ValidationError("--password", "a password belongs to a login: give --login")
        first = getpass.getpass(f"Password for {args.login.strip()}: ")
        if first != getpass.getpass("Again: "):
            raise ValidationError("Password", "the two passwords differ")
        verifier = scram_verifier(first)
    view = admin.add_user(
        NewUser(
            username=args.username,
            display_name=args.name,
            email=args.email,
            team_id=team_id,
            db_login=args.login,
            roles=frozenset(roles),  # checked by the service
        ),
        verifier,
    )
    held, can_login = admin.server_roles(view.db_login)
    print(f"Added {view.username} ({', '.join(sorted(r.value for r in view.roles))})")
    if view.db_login and can_login is not None:
        print(f"Login {view.db_login}: server roles {', '.join(held) or 'none'}")
    return 0


def _user_row(admin: object, u: object) -> dict[str, Any]:  # a JSON row
    from correspondence.services.people.admin import Administration, UserView

    assert isinstance(admin, Administration) and isinstance(u, UserView)
    held, can_login = admin.server_roles(u.db_login)
    return {
        "username": u.username,
        "display_name": u.display_name,
        "roles": sorted(r.value for r in u.roles),
        "team": u.team,
        "login": u.db_login,
        "active": u.active,
        "server_roles": held,
        "login_enabled": can_login,
    }


def cmd_users_list(args: argparse.Namespace) -> int:
    from correspondence.services.errors import PermissionDenied

    admin = _administration(args)
    if not admin.is_admin():
        raise PermissionDenied("Listing users and their logins needs the admin role.")
    rows = [_user_row(admin, u) for u in admin.users()]
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        state = "" if r["active"] else "  (disabled)"
        login = f"  login {r['login']}" if r["login"] else ""
        print(f"{r['username']:<20} {', '.join(r['roles']):<40}{login}{state}")
    return 0


def cmd_users_disable(args: argparse.Namespace) -> int:
    view, ended = _administration(args).disable_user(args.username)
    print(
        f"Disabled {view.username}" + (f"; login {view.db_login} locked" if view.db_login else "")
    )
    if ended:
        print(f"Ended {ended} open connection(s).")
    return 0


def cmd_serve_check(args: argparse.Namespace) -> int:
    from correspondence.server_check import LATENCY_PROBES, check

    url = args.db or default_url()
    try:
        result = check(url, upgrade=args.upgrade)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"error: cannot use the database: {reason}", file=sys.stderr)
        return 1
    code = 0 if result.at_head else EXIT_NOT_AT_HEAD
    if args.json:
        print_json({**dataclasses.asdict(result), "at_head": result.at_head})
        return code
    print(f"Database:  {result.url}")
    print(
        f"Server:    {result.server_version}" + (f" (login {result.login})" if result.login else "")
    )
    if result.upgraded:
        print(f"Schema:    upgraded from {result.revision_before or 'empty'} to {result.revision}")
    elif result.at_head:
        print(f"Schema:    {result.revision} (current)")
    else:
        print(
            f"Schema:    {result.revision or 'empty'}, the app needs {result.head}: "
            "run again with --upgrade"
        )
    print(f"Latency:   {result.latency_ms:.2f} ms (median of {LATENCY_PROBES} round trips)")
    return code
