"""`server setup`: a PostgreSQL database made ready for a team, by its owner."""

from __future__ import annotations

import argparse

from correspondence.commands.shared import Common, add_command, print_json
from correspondence.db.session import default_url


def register(sub: argparse._SubParsersAction, common: Common) -> None:
    server = sub.add_parser(
        "server", help="a shared PostgreSQL server", description="A shared PostgreSQL server"
    )
    actions = server.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    p = add_command(
        actions,
        common,
        "setup",
        "run once by the database owner, and again after every upgrade: create or upgrade "
        "the schema, the group roles (desk_officer, desk_drafter, desk_policy_lead, "
        "desk_private_secretary, desk_admin, all in desk_user) and the grants, turn on the "
        "server's checks, and make the owner the first admin",
        cmd_server_setup,
    )
    p.add_argument(
        "--username", default="", help="the owner's username in the app (default: the login)"
    )
    p.add_argument("--name", default="", help="the owner's name as people see it")
    p.add_argument("--json", action="store_true")


def cmd_server_setup(args: argparse.Namespace) -> int:
    from correspondence.services.office.server_setup import setup

    result = setup(args.db or default_url(), args.username.strip(), args.name.strip())
    if args.json:
        print_json(result)
        return 0
    if result.revision_before == result.revision:
        print(f"Schema:  {result.revision} (current)")
    else:
        print(f"Schema:  {result.revision_before or 'empty'} → {result.revision}")
    made = ", ".join(result.roles_created) or "none (they existed)"
    print(f"Roles:   created {made}")
    print(f"Grants:  renewed on {result.tables} tables; events are insert-only")
    if result.grants_revoked:
        print(
            f"         taken back from {', '.join(result.grants_revoked)}: give people their "
            "rights with users add (or the admin screen) instead"
        )
    if result.logins_synced:
        print(f"Logins:  group roles renewed for {', '.join(result.logins_synced)}")
    for note in result.logins_skipped:
        print(f"         skipped {note}")
    what = "added as" if result.admin_added else "is"
    print(f"Admin:   the owner {result.owner} {what} admin user {result.admin_username}")
    print("The server now checks the roles. Add people with: correspondence users add …")
    return 0
