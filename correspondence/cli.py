"""The command line. It calls the same services as the window, and never Qt
(except `gui`, which hands over to `correspondence.app`)."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from correspondence.services.errors import ServiceError

Handler = Callable[[argparse.Namespace], int]


def _common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """--db and --user, accepted before or after a subcommand's own arguments."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--db",
        metavar="URL",
        default=default,
        help="database URL: sqlite:///path or postgresql://user@host:port/db "
        "(default: $CORRESPONDENCE_DB, else SQLite in your data folder)",
    )
    parser.add_argument(
        "--user",
        metavar="NAME",
        default=default,
        help="who is acting (default: $CORRESPONDENCE_USER, else your login)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="correspondence", description="Correspondence Desk: ministerial correspondence."
    )
    _common(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_: str, func: Handler) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        _common(p, suppress=True)
        p.set_defaults(func=func)
        return p

    p = add("init", "create or upgrade the database", cmd_init)
    p.add_argument(
        "--demo", action="store_true", help="load the demo data if the database is empty"
    )

    add("gui", "open the desktop application", cmd_gui)

    cases = sub.add_parser("cases", help="list and show cases").add_subparsers(
        dest="cases_command", metavar="ACTION", required=True
    )
    p = cases.add_parser("list", help="list cases")
    _common(p, suppress=True)
    p.set_defaults(func=cmd_cases_list)
    p.add_argument("--status", default="", help="a status, 'open' or 'closed'")
    p.add_argument("--theme", default="", help="a theme code, e.g. SCR")
    p.add_argument("--search", default="", help="words to find")
    p.add_argument("--overdue", action="store_true")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--json", action="store_true")
    p = cases.add_parser("show", help="show one case")
    _common(p, suppress=True)
    p.set_defaults(func=cmd_cases_show)
    p.add_argument("reference")
    p.add_argument("--json", action="store_true")
    return parser


# --- helpers -------------------------------------------------------------------


def _open(args: argparse.Namespace):  # noqa: ANN202 - a Database
    from correspondence.database import open_database

    return open_database(args.db)


def _desk(args: argparse.Namespace):  # noqa: ANN202 - a Desk
    from correspondence.services.desk import Desk

    db = _open(args)
    return Desk(db.session_factory, args.user)


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _print_json(value: Any) -> None:
    json.dump(_jsonable(value), sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


# --- commands ------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    db = _open(args)
    where = db.engine.url.render_as_string(hide_password=True)
    if args.demo and db.is_empty():
        from correspondence.services.demo import load_demo

        summary = load_demo(db.session_factory)
        print(f"Loaded demo data into {where}: {summary}")
    else:
        print(f"Database ready at {where}" + (" (already has cases)" if args.demo else ""))
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from correspondence.app import run_gui

    return run_gui(args.db, args.user)


def cmd_cases_list(args: argparse.Namespace) -> int:
    from correspondence.services.case_list import CaseFilter, DueFilter

    desk = _desk(args)
    flt = CaseFilter(
        status=args.status,
        theme=args.theme.upper(),
        search=args.search,
        due=DueFilter.OVERDUE if args.overdue else DueFilter.ANY,
    )
    page = desk.list_page(flt, limit=args.limit)
    if args.json:
        _print_json(
            [
                {
                    "reference": r.reference,
                    "status": r.status.value,
                    "received_on": r.received_on,
                    "due_on": r.due_on,
                    "days_left": r.days_left,
                    "correspondent": r.correspondent,
                    "on_behalf_of": r.on_behalf_of,
                    "themes": list(r.themes),
                    "team": r.team,
                    "campaign": r.campaign or None,
                }
                for r in page.rows
            ]
        )
        return 0
    for r in page.rows:
        due = r.due_on.isoformat() if r.due_on else "-"
        print(
            f"{r.reference:<20} {r.received_on} due {due:<10} {r.status.label:<20} "
            f"{r.correspondent[:40]:<40} {','.join(r.themes)}"
        )
    if page.has_more:
        print(f"... more; use --limit (showing {len(page.rows)})")
    return 0


def cmd_cases_show(args: argparse.Namespace) -> int:
    desk = _desk(args)
    d = desk.detail(desk.find_reference(args.reference))
    if args.json:
        _print_json(d)
        return 0
    print(f"{d.reference}  {d.status.label}")
    print(f"Received {d.received_on}  due {d.due_on or '-'}  reply type {d.reply_type}")
    if d.correspondent:
        print(f"From {d.correspondent.name} ({d.correspondent.kind})")
    if d.constituents:
        print("On behalf of: " + "; ".join(d.constituents))
    print("Themes: " + ", ".join(code for code, _ in d.themes))
    if d.summary:
        print(f"Summary: {d.summary}")
    print("History:")
    for e in d.history:
        change = f" {e.old_value} -> {e.new_value}" if e.old_value or e.new_value else ""
        why = f" ({e.reason})" if e.reason else ""
        print(f"  {e.at:%Y-%m-%d %H:%M} {e.username}: {e.action}{change}{why}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        if args.command is None:
            args.func = cmd_gui  # `python -m correspondence` opens the app
        else:
            parser.print_help()
            return 2
    try:
        return args.func(args)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUTF8", "1")
    raise SystemExit(main())
