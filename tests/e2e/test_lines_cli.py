"""`correspondence lines ...`, run as a person would: import, export, list, show."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from correspondence.documents.line_files import library_dir

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CORRESPONDENCE_USER": "tester"}
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh database holding the shipped library, imported from its files."""
    url = f"sqlite:///{tmp_path_factory.mktemp('lines') / 'lines.db'}"
    assert run("init", "--db", url).returncode == 0  # commands never make a database
    done = run("lines", "import", str(library_dir()), "--db", url)
    assert done.returncode == 0, done.stderr
    shipped = len(list(library_dir().glob("*.txt")))
    assert f"{shipped} new lines" in done.stdout
    return url


def test_export_writes_back_the_same_bytes(imported: str, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    done = run("lines", "export", str(out), "--db", imported)
    assert done.returncode == 0, done.stderr
    shipped = sorted(library_dir().glob("*.txt"))
    assert sorted(p.name for p in out.iterdir()) == [p.name for p in shipped]
    for original in shipped:
        # The same bytes but for who approved: the importer ("tester", the file's first
        # user, so its admin) approved the wording, not the policy leads the files name.
        back = (out / original.name).read_text(encoding="utf-8").splitlines(keepends=True)
        sent = original.read_text(encoding="utf-8").splitlines(keepends=True)
        assert [x for x in back if not x.startswith(("approved_by:", "approved_on:"))] == [
            x for x in sent if not x.startswith(("approved_by:", "approved_on:"))
        ], original.name
        assert "approved_by: tester\n" in back


def test_list_by_theme_as_json(imported: str) -> None:
    done = run("lines", "list", "--theme", "smack", "--json", "--db", imported)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    keys = {r["key"] for r in rows}
    assert {"smacking-no-ban", "campaign-smacking-disagree"} <= keys
    assert all("SMACK" in r["themes"] for r in rows)
    assert all(r["approved_number"] == 1 for r in rows)


def test_show_a_line_with_its_versions(imported: str) -> None:
    done = run("lines", "show", "babyp-tragedy", "--db", imported)
    assert done.returncode == 0, done.stderr
    assert "Version 1 — approved" in done.stdout
    # The file's "approved by policy.lead.safeguarding" was a claim: the importer approved.
    assert "approved by tester on " in done.stdout
    assert "shocked and moved the nation" in done.stdout
    as_json = json.loads(run("lines", "show", "babyp-tragedy", "--json", "--db", imported).stdout)
    assert as_json["versions"][0]["approved_by"] == "tester"
    missing = run("lines", "show", "no-such-line", "--db", imported)
    assert missing.returncode == 1 and "no-such-line" in missing.stderr


def test_import_names_the_bad_files_and_imports_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    shutil.copy(library_dir() / "smacking-no-ban.txt", folder)
    (folder / "misnamed.txt").write_bytes((library_dir() / "babyp-tragedy.txt").read_bytes())
    text = (library_dir() / "holding-reply.txt").read_text(encoding="utf-8")
    (folder / "holding-reply.txt").write_text(
        text.rstrip("\n") + " {{ correspondent.nmae }}\n", encoding="utf-8"
    )
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    assert run("init", "--db", url).returncode == 0
    done = run("lines", "import", str(folder), "--db", url)
    assert done.returncode == 1
    assert "misnamed.txt" in done.stderr and "must be named babyp-tragedy.txt" in done.stderr
    assert "holding-reply.txt" in done.stderr and "correspondent.nmae" in done.stderr
    assert "smacking-no-ban" not in done.stderr
    listed = run("lines", "list", "--json", "--db", url)
    assert json.loads(listed.stdout) == []
