"""`serve-check`: is a (shared) database ready, how far away is it."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from sqlalchemy.exc import SQLAlchemyError

from correspondence.commands.shared import Common, add_command, print_json
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


def cmd_serve_check(args: argparse.Namespace) -> int:
    from correspondence.db import health

    url = args.db or default_url()
    try:
        result = health.check(url, upgrade=args.upgrade)
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
    print(f"Latency:   {result.latency_ms:.2f} ms (median of {health.LATENCY_PROBES} round trips)")
    return code
