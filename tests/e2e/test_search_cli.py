"""Finding a letter from the command line by a phrase from its text."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"
SEED = "2009/0007948POSoS"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, timeout=300, env=dict(os.environ)
    )


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('search-cli') / 'demo.db'}"
    done = run("init", "--demo", "--db", url)
    assert done.returncode == 0, done.stderr
    return url


def listed(url: str, *args: str) -> list[dict[str, object]]:
    done = run("cases", "list", "--json", "--db", url, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_quoted_phrase_from_the_letter_finds_it(demo_url: str) -> None:
    rows = listed(demo_url, "--search", '"endorses the NSPCC\'s proposals"')
    assert SEED in [r["reference"] for r in rows]
    assert listed(demo_url, "--search", '"proposals NSPCC\'s the endorses"') == []


def test_a_reference_number_or_a_constituent_finds_the_case(demo_url: str) -> None:
    assert [r["reference"] for r in listed(demo_url, "--search", "0007948")] == [SEED]
    rows = listed(demo_url, "--search", "Joan Abbott")
    assert [r["reference"] for r in rows] == [SEED]


def test_search_combines_with_the_status_filter(demo_url: str) -> None:
    assert [r["reference"] for r in listed(demo_url, "--search", "Jowell", "--status", "closed")]
    assert listed(demo_url, "--search", "Jowell", "--status", "logged") == []


def test_text_output_and_hostile_input(demo_url: str) -> None:
    done = run("cases", "list", "--search", 'NEAR( "unclosed * {{ }}', "--db", demo_url)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
