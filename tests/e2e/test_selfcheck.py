"""`correspondence self-check`, run from the installed script as the packaging build runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"


def self_check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, "self-check", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def report() -> dict:
    done = self_check("--json")
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def checks(report: dict) -> dict[str, dict]:
    return {check["name"]: check for check in report["checks"]}


def test_every_check_passes_in_a_checkout(report: dict) -> None:
    assert report["ok"] is True
    assert report["frozen"] is False
    failed = [c["name"] for c in report["checks"] if not c["ok"]]
    assert failed == []
    assert set(checks(report)) == {
        "version",
        "letter skeleton",
        "migrations",
        "standard-line library",
        "bank holidays",
        "database",
        "postgresql driver",
    }


def test_reports_the_version_from_the_package_metadata(report: dict) -> None:
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert report["version"] == pyproject["project"]["version"]


def test_says_where_it_found_its_data(report: dict) -> None:
    found = checks(report)
    root = Path(__file__).parents[2]
    assert Path(found["letter skeleton"]["where"]).name == "letter_skeleton.docx"
    assert Path(found["migrations"]["where"]) == root / "correspondence" / "db" / "migrations"
    assert Path(found["standard-line library"]["where"]) == root / "letter_templates"


def test_counts_what_it_loaded(report: dict) -> None:
    found = checks(report)
    root = Path(__file__).parents[2]
    shipped = len(list((root / "letter_templates").glob("*.txt")))
    assert found["standard-line library"]["details"]["lines"] == shipped
    assert found["standard-line library"]["details"]["seed_reply_paragraphs"] > 10
    versions = root / "correspondence" / "db" / "migrations" / "versions"
    assert found["migrations"]["details"]["revisions"] == len(list(versions.glob("*.py")))
    head = found["migrations"]["details"]["head"]
    assert found["database"]["details"]["revision"] == head
    assert found["database"]["details"]["themes"] >= 10
    assert found["letter skeleton"]["details"]["styles"] > 10


def test_a_missing_library_fails_with_the_place_it_looked(tmp_path: Path) -> None:
    empty = tmp_path / "no-lines-here"
    empty.mkdir()
    done = self_check(env={"CORRESPONDENCE_LIBRARY": str(empty)})
    assert done.returncode == 1
    assert "FAIL standard-line library" in done.stdout
    assert str(empty) in done.stdout
    assert "Some checks FAILED." in done.stdout
    # The other checks still ran and passed.
    assert "ok   database" in done.stdout
