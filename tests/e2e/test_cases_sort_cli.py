"""`cases list --sort KEY [--desc]`: the list's own sort orders from the command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from correspondence.services.cases.case_list import SortKey

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, timeout=300, env=dict(os.environ)
    )


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sort-cli') / 'demo.db'}"
    done = run("init", "--demo", "--db", url)
    assert done.returncode == 0, done.stderr
    return url


def listed(url: str, *args: str) -> list[dict[str, object]]:
    done = run("cases", "list", "--json", "--limit", "1000", "--db", url, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_sorting_by_correspondent_ignores_capitals_and_desc_reverses_it(demo_url: str) -> None:
    up = [str(r["correspondent"]).lower() for r in listed(demo_url, "--sort", "correspondent")]
    down = [
        str(r["correspondent"]).lower()
        for r in listed(demo_url, "--sort", "Correspondent", "--desc")
    ]
    assert len(up) > 20 and len(set(up)) > 5
    assert up == sorted(up) and down == sorted(up, reverse=True)


def test_team_sort_puts_cases_without_a_team_first_going_up(demo_url: str) -> None:
    teams = [str(r["team"]) for r in listed(demo_url, "--sort", "team", "--status", "open")]
    assert teams == sorted(teams, key=str.lower)
    by_reference = [
        str(r["reference"]) for r in listed(demo_url, "--sort", "reference", "--search", "school")
    ]
    assert by_reference and by_reference == sorted(by_reference)


@pytest.mark.parametrize("key", [k.value for k in SortKey])
def test_every_sort_key_of_the_list_is_accepted(demo_url: str, key: str) -> None:
    assert listed(demo_url, "--sort", key, "--limit", "5")


def test_an_unknown_key_is_refused_naming_the_valid_ones(demo_url: str) -> None:
    done = run("cases", "list", "--sort", "colour", "--db", demo_url)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "unknown sort key 'colour'" in done.stderr
    for key in SortKey:
        assert key.value in done.stderr
