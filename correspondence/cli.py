"""The command line. It calls the same services as the window and never imports Qt
(`gui` hands over to `correspondence.app`)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from correspondence.services.errors import ServiceError

# One module per area under correspondence/commands, each with register(sub, common).
COMMAND_MODULES = (
    "core",
    "cases",
    "selfcheck",
    "lines",
    "intake",
    "themes",
    "drafting",
    "admin",
    "campaigns",
    "reports",
    "email",
)


def _common(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """--db and --user, accepted before or after a subcommand's own arguments."""
    default = None if top else argparse.SUPPRESS
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
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"correspondence.commands.{name}").register(sub, _common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        if args.command is not None:
            parser.print_help()
            return 2
        from correspondence.commands.core import cmd_gui  # `python -m correspondence` opens the app

        args.func = cmd_gui
    try:
        return args.func(args)
    except (ServiceError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
