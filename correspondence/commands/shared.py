"""What every subcommand needs: the database, who is acting, the desk, JSON output."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Callable
from enum import Enum
from typing import Any

from correspondence.database import Database, open_database
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import UnitOfWorkFactory

Handler = Callable[[argparse.Namespace], int]
Common = Callable[[argparse.ArgumentParser], None]


def open_db(args: argparse.Namespace, *, create: bool = False) -> Database:
    """The database named by --db (or the default), opened once however many services the
    command uses; refused when it does not exist, unless the command makes databases
    (`create`), so a mistyped path never becomes a new office."""
    db: Database | None = getattr(args, "_database", None)
    if db is None:
        db = open_database(args.db, create=create)
        args._database = db
    return db


def unit_of_work(args: argparse.Namespace) -> UnitOfWorkFactory:
    """The one way a subcommand learns who is acting (actors.resolve_identity): on
    PostgreSQL the database login, `--user` naming someone else only for an admin (who
    then acts on their behalf); on SQLite `--user`, else $CORRESPONDENCE_USER, else the
    operating-system login. Every service a command uses is built from this."""
    return UnitOfWorkFactory.connect(open_db(args).session_factory, args.user)


def desk(args: argparse.Namespace) -> Desk:
    """The desk of whoever runs the command (see unit_of_work)."""
    return Desk(unit_of_work(args))


def add_command(
    sub: argparse._SubParsersAction, common: Common, name: str, help_: str, func: Handler
) -> argparse.ArgumentParser:
    """A subcommand that also accepts --db/--user after its own arguments."""
    parser = sub.add_parser(name, help=help_, description=help_)
    common(parser)
    parser.set_defaults(func=func)
    return parser


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def print_json(value: Any) -> None:
    json.dump(jsonable(value), sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
