"""`correspondence report --return QUARTER`: the Cabinet Office return as text, JSON and Excel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CORRESPONDENCE_USER": "tester"}
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('co') / 'demo.db'}"
    done = run("init", "--demo", "--db", url)
    assert done.returncode == 0, done.stderr
    return url


def test_the_seed_quarter_as_json(demo: str) -> None:
    # The demo office's one letter of the quarter: Tessa Jowell's, received 20 January and
    # answered 4 February, eleven working days later.
    done = run("report", "--return", "2009-Q1", "--json", "--db", demo)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["from"], data["to"]) == ("2009-01-01", "2009-03-31")
    total = data["offices"]["All offices"]
    assert (total["received"], total["answered"], total["within_20"]) == (1, 1, 1)
    assert total["pct_within_20"] == 1.0
    [item] = data["items"]
    assert item["reference"] == "2009/0007948POSoS" and item["working_days_taken"] == 11
    assert "holding reply is not an answer" in data["how_counted"]["Answered"]


def test_the_return_as_a_workbook_and_as_text(demo: str, tmp_path: Path) -> None:
    out = tmp_path / "return.xlsx"
    done = run("report", "--return", "2009-Q1", "--xlsx", str(out), "--db", demo)
    assert done.returncode == 0, done.stderr
    book = load_workbook(out)
    assert book.sheetnames == [
        "About",
        "Cabinet Office return 2009-Q1",
        "How each figure is counted",
        "Every item counted",
    ]
    sheet = book["Cabinet Office return 2009-Q1"]
    assert "% within 20 days" in [c.value for c in sheet[1]]
    totals = [
        row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "All offices"
    ]
    assert len(totals) == 1 and totals[0][1] == 1  # one item received

    text = run("report", "--return", "2009-Q1", "--db", demo)
    assert text.returncode == 0, text.stderr
    assert "Cabinet Office return 2009-Q1" in text.stdout
    assert "How each figure is counted:" in text.stdout


def test_a_bad_quarter_is_refused_with_its_name(demo: str) -> None:
    done = run("report", "--return", "2009-Q7", "--db", demo)
    assert done.returncode == 2
    assert "'2009-Q7' is not a quarter" in done.stderr


def test_the_breach_forecast_as_json_and_as_a_workbook(demo: str, tmp_path: Path) -> None:
    done = run("report", "--forecast", "--json", "--today", "2026-12-01", "--db", demo)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["today"] == "2026-12-01" and data["examined"] >= len(data["at_risk"]) > 0
    assert data["model"] in ("history", "brief") and data["how"]
    first = data["at_risk"][0]
    assert first["reference"] and first["explanation"].endswith(".")
    out = tmp_path / "forecast.xlsx"
    done = run("report", "--forecast", "--xlsx", str(out), "--db", demo)
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(out)["Breach forecast- open cases lik"]
    assert [c.value for c in sheet[1]][-1] == "Why"
