"""`report`, `audit verify`, `retention apply` and `person export`, run as a person would."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from correspondence.database import open_database
from correspondence.domain.salutations import CorrespondentKind
from correspondence.services.actors import actor_for
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import acting_as
from tests.report_cases import build_cases

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"
RANGE = ("--from", "2025-11-01", "--to", "2026-04-20", "--today", "2026-04-20")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CORRESPONDENCE_USER": "keeper"}
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "r.db"
    db = open_database(f"sqlite:///{path}")
    with db.session_factory.begin() as s:
        actor_for(s, "keeper")  # first user: an admin
        build_cases(s)
    desk = Desk(acting_as(db.session_factory, "keeper"), clock=lambda: dt.date(2026, 4, 20))
    for n in range(3):  # events to chain
        desk.log_case(
            NewCase(
                received_on=dt.date(2026, 4, 1),
                reply_type="no_reply",
                new_correspondent=NewCorrespondent(
                    kind=CorrespondentKind.PUBLIC, first_name="Kit", last_name=f"Marlow{n}"
                ),
            )
        )
    db.close()
    return path


def test_report_as_json_xlsx_and_csv(db_path: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    done = run("report", *RANGE, "--period", "month", "--json", "--db", url)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["summary"]["received"] == 15  # the 12 letters of test_reports + 3 logged here
    assert data["summary"]["answered"] == 7 and data["summary"]["within_target"] == 5
    team = next(t for t in data["tables"] if t["key"] == "team")
    assert team["rows"][0][:5] == ["Alpha Team", 7, 7, 5, 4]

    mps = json.loads(
        run("report", *RANGE, "--scope", "mps_and_peers", "--json", "--db", url).stdout
    )
    assert mps["summary"]["pct_within_target"] == 0.75

    done = run("report", *RANGE, "--xlsx", str(tmp_path / "out.xlsx"), "--db", url)
    assert done.returncode == 0 and "sheets" in done.stdout, done.stderr
    wb = load_workbook(tmp_path / "out.xlsx")
    assert "By signatory" in wb.sheetnames and wb["By team"]["A1"].font.bold

    assert run("report", *RANGE, "--csv", str(tmp_path / "all.csv"), "--db", url).returncode == 0
    text = (tmp_path / "all.csv").read_text("utf-8-sig")
    assert "\nBy theme\nTheme,Received" in text and "\nOverdue now\nReference," in text
    done = run("report", *RANGE, "--csv", str(tmp_path / "t.csv"), "--table", "team", "--db", url)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader((tmp_path / "t.csv").read_text("utf-8-sig").splitlines()))
    assert rows[0][:2] == ["Team", "Received"] and rows[1][:2] == ["Alpha Team", "7"]

    done = run("report", *RANGE, "--db", url)
    assert done.returncode == 0 and "% within target" in done.stdout
    assert "55.6%" in done.stdout  # 5 of 9
    bad = run("report", *RANGE, "--csv", str(tmp_path / "x.csv"), "--table", "nope", "--db", url)
    assert bad.returncode == 2 and "choose from" in bad.stderr


def test_audit_verify_catches_a_row_edited_behind_the_apps_back(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    done = run("audit", "verify", "--db", url)
    assert (
        done.returncode == 0 and done.stdout.strip() == "intact: 3 events"
    )  # three letters logged
    with sqlite3.connect(db_path) as conn:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE events SET username = 'someone' WHERE id = 2")
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute("UPDATE events SET username = 'someone' WHERE id = 2")
    done = run("audit", "verify", "--db", url)
    assert done.returncode == 1
    assert done.stdout.startswith("broken at event #2: its contents were changed")


def test_history_prints_the_timeline(db_path: Path) -> None:
    done = run("history", "2026/0000001POSoS", "--db", f"sqlite:///{db_path}")
    assert done.returncode == 0, done.stderr
    assert "keeper logged the letter as 2026/0000001POSoS" in done.stdout


def test_retention_lists_first_and_dry_run_changes_nothing(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    dry = run("retention", "apply", "--dry-run", "--today", "2028-03-01", "--db", url)
    assert dry.returncode == 0, dry.stderr
    assert "7 case(s) to anonymise" in dry.stdout and "Dry run: nothing changed." in dry.stdout
    assert "Harriet Lowdon MP: correspondent, 1 constituent(s)" in dry.stdout
    before = run("report", *RANGE, "--json", "--db", url).stdout
    done = run("retention", "apply", "--today", "2028-03-01", "--db", url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.index("to anonymise") < done.stdout.index("Anonymised 7 case(s)")
    assert run("report", *RANGE, "--json", "--db", url).stdout == before
    again = run("retention", "apply", "--today", "2028-03-01", "--db", url)
    assert "0 case(s) to anonymise" in again.stdout


def test_retention_and_person_export_are_for_admins(db_path: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    done = run("retention", "apply", "--dry-run", "--user", "dana.d", "--db", url)
    assert done.returncode == 1 and "admin" in done.stderr
    done = run("person", "export", "Harriet Lowdon", "--out", str(tmp_path / "sar"), "--db", url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2 case(s), 1 document(s)")
    folder = next((tmp_path / "sar").iterdir())
    assert (folder / "index.html").exists() and (folder / "index.json").exists()
