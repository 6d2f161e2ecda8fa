"""`correspondence campaigns show ID --json`, `paragraph` and `take-out`, run as a person would."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"
STORY = (
    "My granddaughter Poppy has waited since April for a social worker in Fenwold. Can you "
    "tell me who checks on her?"
)


def run(*args: str, user: str = "a.okoro") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CORRESPONDENCE_USER": user}
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    path = tmp_path_factory.mktemp("ow") / "demo.db"
    url = f"sqlite:///{path}"
    done = run("init", "--demo", "--db", url)
    assert done.returncode == 0, done.stderr
    # A supporter's letter that carries a story of its own, as imported mail would.
    with sqlite3.connect(path) as conn:
        ref, letter = conn.execute(
            "SELECT reference, letter_text FROM cases WHERE campaign_id = 1 "
            "AND reference != '2009/0007948POSoS' ORDER BY reference LIMIT 1"
        ).fetchone()
        told = letter.replace("Please act now", f"{STORY}\n\nPlease act now").replace(
            "I urge you to act now", f"{STORY}\n\nI urge you to act now"
        )
        conn.execute("UPDATE cases SET letter_text = ? WHERE reference = ?", (told, ref))
    return url, ref


def test_show_lists_the_member_with_their_own_words(demo: tuple[str, str]) -> None:
    url, ref = demo
    done = run("campaigns", "show", "1", "--json", "--db", url)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["own_words"] == [{"reference": ref, "excerpt": STORY, "addition": ""}]
    assert len(data["members"]) == 51 and data["canonical_text"]
    assert {"code": "BABYP", "members": 51} in data["themes"]


def test_a_paragraph_then_taking_the_letter_out(demo: tuple[str, str]) -> None:
    url, ref = demo
    done = run("campaigns", "paragraph", ref, "Officials will call you about Poppy.",
               "--db", url, user="p.mehta")  # fmt: skip
    assert done.returncode == 0, done.stderr
    shown = run("campaigns", "show", "1", "--db", url)
    assert "[paragraph added to the reply]" in shown.stdout and STORY[:40] in shown.stdout
    done = run("campaigns", "take-out", ref, "--db", url)
    assert done.returncode == 0, done.stderr
    assert "answered on its own" in done.stdout
    data = json.loads(run("campaigns", "show", "1", "--json", "--db", url).stdout)
    assert data["own_words"] == [] and len(data["members"]) == 50
