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
    "backup",
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


def gui_main() -> int:
    """Entry point of the `correspondence-desk` GUI script: `correspondence gui`."""
    return main(["gui", *sys.argv[1:]])


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        if args.command is not None:
            parser.print_help()
            return 2
        from correspondence.commands.core import cmd_gui  # `python -m correspondence` opens the app

        args.func = cmd_gui
    from correspondence.database import DatabaseUnavailable

    try:
        return args.func(args)
    except (ServiceError, DatabaseUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except MemoryError:  # a reason, never a traceback; nothing was half-committed
        print("error: not enough memory to finish this command", file=sys.stderr)
        return 1
    except Exception as exc:
        from correspondence.db.health import storage_problem
        from correspondence.services.people.server_logins import refusal

        # A disk that filled or a file found damaged mid-command: say so, not a traceback.
        words = storage_problem(exc)
        if words is not None:
            print(f"error: {_stopped(args, words)}", file=sys.stderr)
            return 1
        if isinstance(exc, OSError) and exc.filename is not None:
            print(f"error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        # The server's refusal of what a role forbids, said plainly.
        message = refusal(exc)
        if message is not None:
            print(f"error: {message}", file=sys.stderr)
            return 1
        if isinstance(exc, OperationalError):
            # Cannot connect, or the login was refused: one line, as the server said it.
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            print(f"error: cannot use the database: {reason}", file=sys.stderr)
            return 1
        raise  # not about a file, the disk or the server: a fault to see in full
    finally:
        database = getattr(args, "_database", None)  # opened by commands.shared.open_db
        if database is not None:
            database.close()


def _stopped(args: argparse.Namespace, words: str) -> str:
    from correspondence.database import damaged
    from correspondence.db.session import default_url, sqlite_path

    path = sqlite_path(getattr(args, "db", None) or default_url())
    if "damaged" in words and path is not None:
        return str(damaged(path, "is damaged (SQLite found it so while reading)", untouched=False))
    where = f" ({path})" if path is not None else ""
    return f"stopped: {words}{where}; what was not saved is not reported as done"


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
