"""The command line, run as a person would: the installed `correspondence` script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300, env=full_env)


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'x.db'}"
    done = run("init", "--demo", "--db", url)
    assert done.returncode == 0, done.stderr
    assert "Loaded demo data" in done.stdout
    return url


def test_init_twice_keeps_the_data(demo_url: str) -> None:
    done = run("init", "--demo", "--db", demo_url)
    assert done.returncode == 0 and "already has cases" in done.stdout


def test_db_option_before_or_after_the_subcommand(demo_url: str) -> None:
    after = run("cases", "list", "--json", "--limit", "5", "--db", demo_url)
    before = run("--db", demo_url, "cases", "list", "--json", "--limit", "5")
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout) == json.loads(before.stdout)


def test_environment_variable_sets_the_default_database(demo_url: str) -> None:
    done = run("cases", "show", "2009/0007948POSoS", "--json", env={"CORRESPONDENCE_DB": demo_url})
    assert done.returncode == 0, done.stderr
    case = json.loads(done.stdout)
    assert case["reference"] == "2009/0007948POSoS"
    assert case["correspondent"]["name"] == "Rt Hon Tessa Jowell MP"
    assert case["received_on"] == "2009-01-20"


def test_list_json_has_the_documented_fields(demo_url: str) -> None:
    done = run("cases", "list", "--theme", "smack", "--json", "--db", demo_url)
    rows = json.loads(done.stdout)
    assert rows
    for row in rows:
        assert {
            "reference",
            "status",
            "received_on",
            "due_on",
            "correspondent",
            "themes",
            "campaign",
        } <= row.keys()
        assert "SMACK" in row["themes"]


def test_unknown_reference_is_a_clear_error(demo_url: str) -> None:
    done = run("cases", "show", "2009/9999999POSoS", "--db", demo_url)
    assert done.returncode == 1
    assert "No case with reference '2009/9999999POSoS'" in done.stderr


def test_python_dash_m_offers_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "correspondence", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "init" in done.stdout and "gui" in done.stdout


def test_a_file_that_cannot_be_written_is_named_in_one_line(demo_url: str, tmp_path: Path) -> None:
    blocker = tmp_path / "plain.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    done = run(
        "export", "2009/0007948POSoS", "--out", str(blocker / "reply.docx"), "--db", demo_url
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and str(blocker) in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
