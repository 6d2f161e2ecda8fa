"""A runaway line already in a reply (approved before lines were checked for running away)
stops `export --draft` within seconds with the line and the reason, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence.database import open_database
from correspondence.db.models import Case, Draft, DraftParagraph, LineVersion

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"
SEED = "2009/0007948POSoS"
RUNAWAY = {
    "tower": ("{% set x = (((9**100)**100)**100)**100 %}{{ x }}", "thousands of digits"),
    "tabs": ("{{ ('\\t' * 99999).expandtabs(99999) }}", "more text"),
    "bytes": ("{{ 'x'.encode().ljust(10 ** 9) }}", "such a size"),
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, timeout=300, env={**os.environ}
    )


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("runaway") / "demo.db"
    assert run("init", "--demo", "--db", f"sqlite:///{path}").returncode == 0
    return path


@pytest.mark.parametrize("name", RUNAWAY)
def test_export_names_the_runaway_line_and_why(demo_file: Path, tmp_path: Path, name: str) -> None:
    body, reason = RUNAWAY[name]
    shutil.copy(demo_file, tmp_path / "demo.db")
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    database = open_database(url)
    with database.session_factory.begin() as s:
        version = s.scalar(
            select(LineVersion)
            .join(DraftParagraph, DraftParagraph.line_version_id == LineVersion.id)
            .join(Draft, Draft.id == DraftParagraph.draft_id)
            .join(Case, Case.id == Draft.case_id)
            .where(Case.reference == SEED)
            .limit(1)
        )
        assert version is not None
        version.body = body
        key, number = version.line.key, version.number
    database.close()
    started = time.monotonic()
    done = run("export", SEED, "--out", str(tmp_path / "reply.docx"), "--draft", "--db", url)
    assert time.monotonic() - started < 30  # start-up included; the line stops within 2 s
    assert done.returncode == 1 and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert f"(line {key} v{number})" in line and reason in line
