"""`correspondence themes suggest FILE`, run as a person would."""

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
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, timeout=300, env=dict(os.environ)
    )


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('themes') / 'x.db'}"
    done = run("init", "--demo", "--db", url)
    assert done.returncode == 0, done.stderr
    return url


def test_suggest_prints_a_ranked_json_list_with_reasons(url: str, tmp_path: Path) -> None:
    letter = tmp_path / "letter.txt"
    letter.write_text(
        "Dear Minister,\n\nI am writing about the serious case review into the death of a "
        "child in our county. The independent chair has still not published the report.\n",
        encoding="utf-8",
    )
    done = run("themes", "suggest", str(letter), "--json", "--db", url)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got[0]["code"] == "SCR" and got[0]["name"] == "Serious Case Reviews"
    assert set(got[0]) == {"code", "name", "score", "because"}
    assert "serious case review" in got[0]["because"]
    scores = [x["score"] for x in got]
    assert scores == sorted(scores, reverse=True) and len(got) <= 5

    plain = run("themes", "suggest", str(letter), "--db", url, "--limit", "2")
    assert plain.returncode == 0
    lines = plain.stdout.splitlines()
    assert len(lines) == 2 and "SCR" in lines[0] and "serious case review" in lines[0]


def test_suggest_reads_an_email(url: str, tmp_path: Path) -> None:
    mail = tmp_path / "m.eml"
    mail.write_bytes(
        b"From: Ann Example <ann@example.org>\r\nTo: minister@dcsf.example\r\n"
        b"Subject: Smacking\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Please ban smacking and end the reasonable punishment defence.\r\n"
    )
    done = run("themes", "suggest", str(mail), "--json", "--db", url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["code"] == "SMACK"


def test_a_missing_file_is_an_error(url: str, tmp_path: Path) -> None:
    done = run("themes", "suggest", str(tmp_path / "nope.txt"), "--db", url)
    assert done.returncode == 2 and "no such file" in done.stderr
