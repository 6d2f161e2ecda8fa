"""`correspondence import PATH... [--json]` run as a person would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"
MAIL = Path(__file__).resolve().parent.parent / "fixtures" / "mail"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CORRESPONDENCE_USER": "officer.cli"}
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300, env=env)


def test_import_json_shape_duplicates_and_failures(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run("init", "--db", url).returncode == 0  # commands never make a database
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for name in ("utf8.eml", "letter.docx", "malformed.eml"):
        shutil.copy(MAIL / name, folder / "sub" / name)

    done = run("import", str(folder), "--json", "--db", url)
    assert done.returncode == 1, done.stderr  # a failed file makes the exit status 1
    out = json.loads(done.stdout)
    assert set(out) == {"imported", "duplicates", "duplicate_files", "failed", "cases"}
    assert out["imported"] == 2 and out["duplicates"] == 0
    assert out["failed"] == [
        {
            "path": str(folder / "sub" / "malformed.eml"),
            "error": "not a valid email: no From, Date, Subject or Message-ID header was found",
        }
    ]
    assert [Path(c["path"]).name for c in out["cases"]] == ["letter.docx", "utf8.eml"]
    assert all(c["campaign"] is None and c["reference"].endswith("POSoS") for c in out["cases"])

    refs = {Path(c["path"]).name: c["reference"] for c in out["cases"]}
    again = run("import", str(folder / "sub" / "utf8.eml"), "--json", "--db", url)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {
        "imported": 0,
        "duplicates": 1,
        "duplicate_files": [
            {"path": str(folder / "sub" / "utf8.eml"), "reference": refs["utf8.eml"]}
        ],
        "failed": [],
        "cases": [],
    }

    listed = json.loads(run("cases", "list", "--json", "--db", url).stdout)
    assert {c["reference"] for c in listed} == {c["reference"] for c in out["cases"]}


def test_import_plain_output_names_each_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run("init", "--db", url).returncode == 0  # commands never make a database
    done = run("import", str(MAIL / "scanned.pdf"), str(MAIL / "corrupt.docx"), "--db", url)
    assert "needs text" in done.stdout
    assert f"FAILED    {MAIL / 'corrupt.docx'}: corrupt or not a Word document" in done.stdout
    assert "1 imported, 0 duplicates, 1 failed" in done.stdout
