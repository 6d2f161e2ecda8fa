"""`backup --out FILE` and `restore FILE`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from correspondence.commands.shared import Common, add_command, print_json


def register(sub: argparse._SubParsersAction, common: Common) -> None:
    p = add_command(
        sub,
        common,
        "backup",
        "copy the database to FILE while it is in use, and check the copy",
        cmd_backup,
    )
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the backup")
    p.add_argument("--json", action="store_true")
    p = add_command(
        sub,
        common,
        "restore",
        "put a backup in place of the database (the current file is put aside, not deleted)",
        cmd_restore,
    )
    p.add_argument("file", metavar="FILE", help="the backup to restore")
    p.add_argument("--reason", default="", help="why (recorded in the event log)")
    p.add_argument("--json", action="store_true")


def _progress(enabled: bool):  # noqa: ANN202 - a small closure
    def show(done: int, total: int, stage: str) -> None:
        if enabled:
            pct = 100 * done // max(total, 1)
            print(f"\r{stage}: {pct:3d}%   ", end="", file=sys.stderr, flush=True)

    return show


def cmd_backup(args: argparse.Namespace) -> int:
    from correspondence.database import open_database
    from correspondence.db.session import default_url
    from correspondence.services.office.backup import backup

    url = args.db or default_url()
    # Refuses a missing or damaged file (and upgrades an old one) before copying it.
    open_database(url, create=False).close()
    show = not args.json and sys.stderr.isatty()
    result = backup(url, Path(args.out), progress=_progress(show))
    if show:
        print(file=sys.stderr)
    if args.json:
        print_json(result)
        return 0
    print(f"Backed up to {result.path} ({result.bytes / 1e6:.1f} MB in {result.seconds:.1f} s)")
    if result.check is not None:
        print(
            f"Checked: integrity {result.check.integrity}; event log {result.check.audit} "
            f"({result.check.events:,} events)"
        )
    else:
        print(f"Checked: {result.dump_check}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from correspondence.db.session import default_url
    from correspondence.services.actors import default_username
    from correspondence.services.office.backup import restore

    show = not args.json and sys.stderr.isatty()
    result = restore(
        Path(args.file),
        args.db or default_url(),
        args.user or default_username(),
        reason=args.reason,
        progress=_progress(show),
    )
    if show:
        print(file=sys.stderr)
    if args.json:
        print_json(result)
        return 0
    print(f"Restored {result.backup} to {result.database}: {result.cases:,} cases, "
          f"{result.events:,} events in the backup.")  # fmt: skip
    if result.upgraded_from:
        print(f"The backup was at schema {result.upgraded_from}; it was upgraded.")
    if result.previous_file:
        print(f"The file it replaced is kept at {result.previous_file}")
    return 0
