"""What every subcommand needs: the database, the desk, JSON output."""

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

Handler = Callable[[argparse.Namespace], int]
Common = Callable[[argparse.ArgumentParser], None]


def open_db(args: argparse.Namespace, *, create: bool = False) -> Database:
    """The database named by --db (or the default); refused when it does not exist, unless
    the command makes databases (`create`), so a mistyped path never becomes a new office."""
    return open_database(args.db, create=create)


def desk(args: argparse.Namespace) -> Desk:
    """The desk of whoever runs the command: on PostgreSQL, their database login."""
    from correspondence.services.actors import acting_username

    sf = open_db(args).session_factory
    return Desk(sf, acting_username(sf, args.user))


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
