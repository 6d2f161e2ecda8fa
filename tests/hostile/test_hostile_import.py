"""A folder of hostile and unusual files: the good letters are logged, every bad file is
listed with its reason, and nothing stops the import or follows a link out of the folder."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Case, Document
from correspondence.services.intake.intake import Intake
from correspondence.services.unit_of_work import acting_as
from tests.hostile.corpus import EXPECTED, make_corpus

TODAY = dt.date(2009, 3, 20)
EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("hostile") / "folder")


def _relative(folder: Path, path: str) -> str:
    return Path(path).relative_to(folder).as_posix()


def test_good_letters_are_logged_and_every_bad_file_is_listed(db: Database, corpus: Path) -> None:
    result = Intake(acting_as(db.session_factory, "officer.one"), lambda: TODAY).import_paths(
        [corpus]
    )
    imported = {_relative(corpus, c.path): c for c in result.imported}
    failed = {_relative(corpus, f.path): f.error for f in result.failed}
    assert set(imported) == {name for name, e in EXPECTED.items() if e.imported}
    for name, expected in EXPECTED.items():
        if not expected.imported:
            assert expected.reason in failed.get(name, ""), (name, failed.get(name))
    assert failed.keys() - EXPECTED.keys() == {"bad/self-b.txt"}  # the loop's other half
    with db.session_factory() as s:
        for name, case in imported.items():
            text = s.scalar(select(Case.letter_text).where(Case.id == case.case_id))
            assert EXPECTED[name].text in (text or ""), name
        # The long letter's text is cut, but its whole file is kept as the original.
        long_case = imported["good/long.txt"].case_id
        size = s.scalar(
            select(Document.size).where(Document.case_id == long_case, Document.role == "original")
        )
        assert size == (corpus / "good" / "long.txt").stat().st_size
        # Nothing outside the folder was read.
        assert "Private: not a letter" not in " ".join(s.scalars(select(Case.letter_text)))


def test_the_command_prints_its_json_despite_loops_and_names_duplicates(
    tmp_path: Path, corpus: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert subprocess.run([EXE, "init", "--db", url], capture_output=True).returncode == 0
    first = _import_json(url, corpus)
    assert first["imported"] == sum(e.imported for e in EXPECTED.values())
    again = _import_json(url, corpus / "good")
    assert again["imported"] == 0 and again["duplicates"] == len(again["duplicate_files"]) > 0
    refs = {c["path"]: c["reference"] for c in first["cases"]}
    for duplicate in again["duplicate_files"]:
        assert duplicate["reference"] == refs[duplicate["path"]]


def _import_json(url: str, folder: Path) -> dict[str, list[dict[str, str]]]:
    env = {**os.environ, "CORRESPONDENCE_USER": "a.okoro"}
    done = subprocess.run(
        [EXE, "import", "--json", str(folder), "--db", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("name", "readable"),
    [
        ("good/unusual.docx", True),
        ("good/nested.eml", True),
        ("bad/bomb.docx", False),
        ("bad/not-word.docx", False),
        ("bad/pages.pdf", False),
    ],
)
def test_themes_suggest_reads_the_file_or_says_why_in_one_line(
    corpus: Path, tmp_path: Path, name: str, readable: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'themes.db'}"
    assert subprocess.run([EXE, "init", "--db", url], capture_output=True).returncode == 0
    done = subprocess.run(
        [EXE, "themes", "suggest", str(corpus / name), "--db", url],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if readable:
        assert done.returncode == 0, done.stderr
    else:
        assert done.returncode == 2
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith(f"error: cannot read {corpus / name}: ")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file whatever its mode")
def test_unreadable_files_and_folders_are_listed(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "post"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "a.txt").write_text("Dear Minister, hidden.", encoding="utf-8")
    (folder / "secret.txt").write_text("Dear Minister, secret.", encoding="utf-8")
    (folder / "open.txt").write_text("Dear Minister, I write about Ofsted.", encoding="utf-8")
    (folder / "secret.txt").chmod(0)
    (folder / "locked").chmod(0)
    try:
        result = Intake(acting_as(db.session_factory, "officer.one"), lambda: TODAY).import_paths(
            [folder]
        )
    finally:
        (folder / "locked").chmod(0o755)
    assert [Path(c.path).name for c in result.imported] == ["open.txt"]
    reasons = {Path(f.path).name: f.error for f in result.failed}
    assert "could not read the file" in reasons["secret.txt"]
    assert "could not open the folder" in reasons["locked"]
