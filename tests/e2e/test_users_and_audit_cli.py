"""`users add/list/disable` and `audit checkpoint/verify --against` on a SQLite file.

SQLite is one person's file: the commands work on the rows only (no logins to manage),
and the checkpoint still catches a cut tail.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CORRESPONDENCE_USER": "k.admin"}  # the file's first user: its admin
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300, env=env)


def new_office(path: Path) -> str:
    url = f"sqlite:///{path}"
    assert run("init", "--db", url).returncode == 0
    return url


def test_people_are_added_listed_and_disabled(tmp_path: Path) -> None:
    url = new_office(tmp_path / "desk.db")
    done = run("users", "add", "r.finch", "--roles", "officer,drafter", "--name", "Rosa Finch",
               "--db", url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Added r.finch (drafter, officer)" in done.stdout
    bad = run("users", "add", "x.y", "--roles", "officer", "--team", "NOPE", "--db", url)
    assert bad.returncode == 1 and "--team: no team 'NOPE'" in bad.stderr
    bad = run("users", "add", "x.y", "--roles", "chief", "--db", url)
    assert bad.returncode == 1 and "Roles" in bad.stderr
    listed = json.loads(run("users", "list", "--json", "--db", url).stdout)
    rosa = next(u for u in listed if u["username"] == "r.finch")
    assert rosa["roles"] == ["drafter", "officer"] and rosa["active"] is True
    assert rosa["login_enabled"] is None  # no logins on SQLite
    done = run("users", "disable", "r.finch", "--db", url)
    assert done.returncode == 0 and "Disabled r.finch" in done.stdout
    listed = json.loads(run("users", "list", "--json", "--db", url).stdout)
    assert next(u for u in listed if u["username"] == "r.finch")["active"] is False


def test_a_checkpoint_catches_a_cut_tail_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    url = new_office(path)
    for name in ("a.one", "b.two", "c.three"):
        assert run("users", "add", name, "--db", url).returncode == 0
    cp = tmp_path / "outside" / "head.json"
    done = run("audit", "checkpoint", "--out", str(cp), "--db", url)
    assert done.returncode == 0 and "Wrote" in done.stdout
    assert json.loads(cp.read_text())["events"] >= 6
    assert run("audit", "verify", "--against", str(cp), "--db", url).stdout.startswith("intact")
    with sqlite3.connect(path) as conn:  # as someone with the file and a SQLite shell
        conn.execute("DROP TRIGGER events_no_delete")
        conn.execute("DELETE FROM events WHERE id > (SELECT max(id) - 2 FROM events)")
    assert run("audit", "verify", "--db", url).returncode == 0
    done = run("audit", "verify", "--against", str(cp), "--db", url)
    assert done.returncode == 1 and "events deleted from the tail" in done.stdout
    done = run("audit", "verify", "--against", str(tmp_path / "none.json"), "--db", url)
    assert done.returncode == 1 and "none.json" in done.stderr
