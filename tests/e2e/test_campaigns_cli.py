"""`correspondence campaigns list|detect|export` run as a person would, on a mailbag
imported through `correspondence import`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from correspondence.database import Database
from tests.campaign_mailbag import mailbag
from tests.factories import signed_off_campaign_reply

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CORRESPONDENCE_USER": "a.okoro"}
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300, env=env)


def test_importing_a_mailbag_shows_exactly_the_three_campaigns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run("init", "--db", url).returncode == 0  # commands never make a database
    bag = mailbag((12, 9, 6), 15, seed=4, mp_share=0.2)
    assert any(m.mp and m.campaign is not None for m in bag)  # an MP forwards a copy
    folder = tmp_path / "mailbag"
    folder.mkdir()
    for i, m in enumerate(bag):
        (folder / f"letter-{i:03d}.txt").write_text(m.text, encoding="utf-8")

    done = run("import", str(folder), "--json", "--db", url)
    assert done.returncode == 0, done.stderr
    imported = json.loads(done.stdout)
    assert imported["imported"] == len(bag)
    ref_of = {Path(c["path"]).name: c["reference"] for c in imported["cases"]}
    truth: dict[int, set[str]] = defaultdict(set)
    for i, m in enumerate(bag):
        if m.campaign is not None:
            truth[m.campaign].add(ref_of[f"letter-{i:03d}.txt"])

    listed = run("campaigns", "list", "--json", "--db", url)
    assert listed.returncode == 0, listed.stderr
    campaigns = json.loads(listed.stdout)
    assert len(campaigns) == 3
    assert {frozenset(c["cases"]) for c in campaigns} == {frozenset(v) for v in truth.values()}
    assert all(c["size"] == len(c["cases"]) for c in campaigns)
    assert {c["name"] for c in campaigns} == {
        "NSPCC campaign",
        "Children are Unbeatable campaign",
        "UNISON campaign",
    }

    again = run("campaigns", "detect", "--json", "--db", url)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["joined"] == 0 and report["created"] == []

    plain = run("campaigns", "list", "--db", url)
    assert "NSPCC campaign" in plain.stdout and "proposed" in plain.stdout


def test_export_writes_letters_then_refuses_to_do_it_twice(
    demo_db: Database, tmp_path: Path
) -> None:
    if demo_db.engine.dialect.name != "sqlite":
        return  # the CLI run below needs a file it can open; PostgreSQL is covered in tests/db
    signed_off_campaign_reply(demo_db, 1)
    url = str(demo_db.engine.url)
    out = tmp_path / "letters"

    unsigned = run("campaigns", "export", "99", "--out", str(out), "--db", url)
    assert unsigned.returncode == 1 and "No campaign #99" in unsigned.stderr

    done = run("campaigns", "export", "1", "--out", str(out), "--json", "--db", url)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["total"] == 50 and result["dispatched"] == 50
    assert Path(result["combined"]).exists()
    assert len([p for p in out.glob("*.docx") if "combined" not in p.name]) == 50

    twice = run("campaigns", "export", "1", "--out", str(out), "--resume", "--db", url)
    assert twice.returncode == 1
    assert "finished export" in twice.stderr
