"""A team's database from the command line: `--db postgresql://...` as typed, and
`serve-check` before anyone starts work."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from correspondence.db import migrate
from tests.pg import PgServer

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, timeout=300, env={**os.environ}
    )


@pytest.mark.postgres
def test_init_demo_and_list_on_postgresql_as_typed(pg_server: PgServer) -> None:
    url = pg_server.url(pg_server.create_database(pg_server.new_name("cli")))
    assert url.startswith("postgresql://")  # no driver name: the app chooses psycopg
    done = run("init", "--demo", "--db", url)
    assert done.returncode == 0, done.stderr
    assert "Loaded demo data" in done.stdout

    listed = run("cases", "list", "--db", url, "--json", "--search", "Tessa Jowell")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["reference"] for r in rows] == ["2009/0007948POSoS"]
    assert rows[0]["correspondent"] == "Rt Hon Tessa Jowell MP"

    again = run("init", "--demo", "--db", url)
    assert again.returncode == 0 and "already has cases" in again.stdout


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no schema at all, as a new server gives a team."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'new.db'}"
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.create_database(server.new_name("empty"))
    request.addfinalizer(lambda: server.release(name))
    return server.url(name)


def test_serve_check_refuses_an_old_schema_then_upgrades_it(empty_url: str) -> None:
    before = run("serve-check", "--db", empty_url)
    assert before.returncode == 3, before.stdout + before.stderr
    assert "run again with --upgrade" in before.stdout

    upgraded = run("serve-check", "--db", empty_url, "--upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"upgraded from empty to {migrate.head_revision()}" in upgraded.stdout

    after = run("serve-check", "--json", "--db", empty_url)
    assert after.returncode == 0, after.stderr
    report = json.loads(after.stdout)
    assert report["at_head"] and not report["upgraded"]
    assert report["revision"] == migrate.head_revision()
    expected = "PostgreSQL " if empty_url.startswith("postgresql") else "SQLite "
    assert report["server_version"].startswith(expected)
    assert 0 < report["latency_ms"] < 1000


def test_serve_check_reports_an_unreachable_server() -> None:
    done = run("serve-check", "--db", "postgresql://nobody@127.0.0.1:9/nowhere")
    assert done.returncode == 1
    assert "cannot use the database" in done.stderr and "Traceback" not in done.stderr
