"""The command line. It calls the same services as the window and never imports Qt
(`gui` hands over to `correspondence.app`)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError

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
    "server",
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
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        if exc.filename is None:
            raise  # not about a file the person named: a fault to see in full
        print(f"error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        # Cannot connect, or the login was refused: one line, as the server said it.
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"error: cannot use the database: {reason}", file=sys.stderr)
        return 1
    except Exception as exc:  # the server's refusal of what a role forbids, said plainly
        from correspondence.services.server_logins import refusal

        message = refusal(exc)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1
    except MemoryError:  # a reason, never a traceback; nothing was half-committed
        print("error: not enough memory to finish this command", file=sys.stderr)
        return 1
    finally:
        database = getattr(args, "_database", None)  # opened by commands.shared.open_db
        if database is not None:
            database.close()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
