"""`correspondence lines usage KEY`: the demo office's seed reply is where babyp-tragedy went."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CORRESPONDENCE_USER": "tester"}
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('usage') / 'demo.db'}"
    done = run("init", "--demo", "--db", url)
    assert done.returncode == 0, done.stderr
    return url


def test_usage_lists_the_seed_reply_of_3_february_2009(demo: str) -> None:
    done = run("lines", "usage", "babyp-tragedy", "--db", demo)
    assert done.returncode == 0, done.stderr
    seed = [line for line in done.stdout.splitlines() if line.startswith("2009/0007948POSoS")]
    assert len(seed) == 1
    assert "sent" in seed[0] and "2009-02-04" in seed[0]
    assert "letter dated 3 February 2009" in seed[0]
    assert "v1 (approved): 0 open draft(s), 1 sent letter(s)" in done.stdout


def test_usage_as_json(demo: str) -> None:
    done = run("lines", "usage", "babyp-tragedy", "--json", "--db", demo)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["approved_version"] == 1
    assert data["sent_with_old_words"] == 0
    [seed] = [u for u in data["uses"] if u["reference"] == "2009/0007948POSoS"]
    assert (seed["state"], seed["on"], seed["letter_date"]) == ("sent", "2009-02-04", "2009-02-03")


def test_usage_of_an_unknown_line_names_it(demo: str) -> None:
    done = run("lines", "usage", "no-such-line", "--db", demo)
    assert done.returncode != 0
    assert "no-such-line" in done.stderr
