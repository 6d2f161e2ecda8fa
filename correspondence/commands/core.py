"""`init` and `gui`."""

from __future__ import annotations

import argparse

from correspondence.commands.shared import Common, add_command, open_db, unit_of_work


def register(sub: argparse._SubParsersAction, common: Common) -> None:
    p = add_command(sub, common, "init", "create or upgrade the database", cmd_init)
    p.add_argument(
        "--demo", action="store_true", help="load the demo data if the database is empty"
    )
    add_command(sub, common, "gui", "open the desktop application", cmd_gui)


def cmd_init(args: argparse.Namespace) -> int:
    db = open_db(args, create=True)
    where = db.engine.url.render_as_string(hide_password=True)
    if args.demo and db.is_empty():
        from correspondence.services.demo.demo import load_demo

        if db.engine.dialect.name == "postgresql":
            # Before the demo's people arrive: the owner of an empty database becomes its
            # first admin, so they can still work in it afterwards (actors.resolve_identity).
            unit_of_work(args)

        summary = load_demo(db.session_factory)
        print(f"Loaded demo data into {where}: {summary}")
    else:
        print(f"Database ready at {where}" + (" (already has cases)" if args.demo else ""))
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from correspondence.app import run_gui

    return run_gui(args.db, args.user)
