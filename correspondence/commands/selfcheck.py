"""`self-check`: does this installation (or PyInstaller bundle) find and load its own data?

Each check reports where it looked and what it found, so a broken bundle says which file is
missing instead of failing later in the window. It works on a temporary database and never
touches the person's own; no Qt is imported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from importlib.resources import files
from io import BytesIO
from pathlib import Path
from typing import Any

from correspondence.commands.shared import Common, add_command, print_json

DISTRIBUTION = "correspondence-desk"


@dataclass
class Check:
    name: str
    ok: bool
    where: str = ""
    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    ok: bool
    version: str
    frozen: bool
    python: str
    executable: str
    checks: list[Check]


def register(sub: argparse._SubParsersAction, common: Common) -> None:
    p = add_command(
        sub,
        common,
        "self-check",
        "check that the installation finds its letter skeleton, migrations and standard "
        "lines (uses a temporary database; yours is not touched)",
        cmd_self_check,
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def cmd_self_check(args: argparse.Namespace) -> int:
    report = run_checks()
    if args.json:
        print_json(report)
    else:
        print(f"Correspondence Desk {report.version}" + (" (bundle)" if report.frozen else ""))
        for check in report.checks:
            mark = "ok  " if check.ok else "FAIL"
            print(f"{mark} {check.name}: {check.summary}")
            if check.where:
                print(f"     {check.where}")
        print("All checks passed." if report.ok else "Some checks FAILED.")
    return 0 if report.ok else 1


def app_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (package metadata not installed)"


def run_checks() -> Report:
    version = app_version()
    checks = [
        Check("version", not version.startswith("unknown"), summary=version),
        _guard("letter skeleton", _check_skeleton),
        _guard("migrations", _check_migrations),
        _guard("standard-line library", _check_library),
        _guard("bank holidays", _check_holidays),
        _guard("database", _check_database),
        _guard("postgresql driver", _check_postgresql_driver),
    ]
    return Report(
        ok=all(c.ok for c in checks),
        version=version,
        frozen=bool(getattr(sys, "frozen", False)),
        python=platform.python_version(),
        executable=sys.executable,
        checks=checks,
    )


def _guard(name: str, check: Callable[[Check], None]) -> Check:
    """Run one check; any exception becomes a failed check carrying its message."""
    result = Check(name, ok=True)
    try:
        check(result)
    except Exception as exc:  # noqa: BLE001 - a self-check reports every failure, whatever it is
        result.ok = False
        result.summary = f"{type(exc).__name__}: {exc}"
        result.details["traceback"] = traceback.format_exc(limit=6)
    return result


def _check_skeleton(check: Check) -> None:
    import docx

    from correspondence.documents.word import SKELETON_NAME
    from correspondence.templates.make_skeleton import Style

    # The same lookup the Word builder uses, so a pass here means letters can be built.
    resource = files("correspondence.templates") / SKELETON_NAME
    check.where = str(resource)
    data = resource.read_bytes()
    names = {style.name for style in docx.Document(BytesIO(data)).styles}
    missing = [name for name in Style.ALL if name not in names]
    if missing:
        raise LookupError(f"styles missing: {', '.join(missing)}")
    check.summary = f"{len(data):,} bytes, {len(Style.ALL)} house styles present"
    check.details = {"bytes": len(data), "styles": len(Style.ALL)}


def _check_migrations(check: Check) -> None:
    from alembic.script import ScriptDirectory

    from correspondence import paths
    from correspondence.db import migrate

    where = paths.migrations_dir()
    check.where = str(where)
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = list(scripts.walk_revisions())
    head = migrate.head_revision()
    check.summary = f"{len(revisions)} revision(s), head {head}"
    check.details = {"head": head, "revisions": len(revisions)}


def _check_library(check: Check) -> None:
    from correspondence.documents.line_files import library_dir, read_library
    from correspondence.documents.seed_reply import render_seed_body

    where = library_dir()
    check.where = str(where)
    lines = read_library(where)
    if not lines:
        raise FileNotFoundError(f"no standard lines (*.txt) in {where}")
    # Rendering the seed reply proves the sandboxed Jinja environment works here too.
    paragraphs = render_seed_body({line.key: line for line in lines})
    check.summary = f"{len(lines)} lines; the seed reply renders to {len(paragraphs)} paragraphs"
    check.details = {"lines": len(lines), "seed_reply_paragraphs": len(paragraphs)}


def _check_holidays(check: Check) -> None:
    from correspondence.domain.workdays import bank_holidays

    year = dt.date.today().year
    days = bank_holidays(year)
    if not days:
        raise LookupError(f"no England-and-Wales bank holidays found for {year}")
    check.summary = f"{len(days)} England-and-Wales bank holidays in {year}"
    check.details = {"year": year, "bank_holidays": len(days)}


def _check_database(check: Check) -> None:
    from sqlalchemy import func, select

    from correspondence.database import open_database
    from correspondence.db import migrate
    from correspondence.db.models import Theme

    with tempfile.TemporaryDirectory(prefix="correspondence-selfcheck-") as folder:
        url = f"sqlite:///{Path(folder) / 'selfcheck.db'}"
        check.where = url
        db = open_database(url)
        try:
            revision = migrate.current_revision(db.engine)
            with db.session_factory() as s:
                themes = s.scalar(select(func.count(Theme.id))) or 0
        finally:
            db.close()
    if revision != migrate.head_revision():
        raise RuntimeError(f"upgraded to {revision}, not head {migrate.head_revision()}")
    if themes == 0:
        raise LookupError("the default themes were not created")
    check.summary = f"a new SQLite database upgraded to {revision} with {themes} themes"
    check.details = {"revision": revision, "themes": themes}


def _check_postgresql_driver(check: Check) -> None:
    import psycopg
    from sqlalchemy import create_engine

    from correspondence.db.session import normalise_url

    # Building an engine loads the dialect and psycopg without needing a server.
    engine = create_engine(normalise_url("postgresql://selfcheck@localhost/selfcheck"))
    engine.dispose()
    libpq = psycopg.pq.version()
    check.where = str(Path(psycopg.__file__).parent)
    check.summary = (
        f"psycopg {psycopg.__version__}, {psycopg.pq.__impl__} libpq "
        f"{psycopg.pq.version_pretty(libpq)}"
    )
    check.details = {"psycopg": psycopg.__version__, "impl": psycopg.pq.__impl__, "libpq": libpq}
