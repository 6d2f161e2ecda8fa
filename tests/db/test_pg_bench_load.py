"""The case benchmark's PostgreSQL loader (bench/pg_cases.py) makes a database the
application can use: built by the migrations, every row within the schema's foreign
keys, every letter searchable, and the office carries on logging letters after it.

The loader is run as a person runs it, a command on the database's URL (tests do not
import from bench/).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from correspondence.database import open_database
from correspondence.services.cases.case_list import CaseFilter
from tests import pg
from tests.factories import desk_for, log_letter

LOADER = Path(__file__).resolve().parents[2] / "bench" / "pg_cases.py"
CASES = 2_000
TODAY = dt.date(2026, 11, 23)
OFFICER = "bench.officer"  # the loader's own officer, an admin of the loaded office


@pytest.mark.postgres
def test_loaded_cases_are_valid_searchable_and_the_office_carries_on(
    pg_server: pg.PgServer,
) -> None:
    name = pg_server.new_name("bench")  # the loader makes the database and migrates it
    url = pg_server.url(name)
    done = subprocess.run(
        [sys.executable, str(LOADER), url, "--cases", str(CASES), "--batch", "700"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    db = open_database(url)
    try:
        desk = desk_for(db, OFFICER, TODAY)
        # The rare word is planted in one letter of 50,000 (case 7 here); half the letters
        # speak of children.
        found = desk.list_page(CaseFilter(search="quokkaville")).rows
        assert [row.reference for row in found] == ["2009/0000007POSoS"]
        assert found[0].correspondent and found[0].themes
        shown = desk.counts(CaseFilter(search="children")).shown
        assert 0.4 * CASES < shown < 0.6 * CASES
        with db.engine.connect() as conn:
            counts = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM case_search),"
                    " (SELECT count(*) FROM case_themes),"
                    " (SELECT count(DISTINCT reply_type_code) FROM cases),"
                    " (SELECT max(ref_sequence) FROM cases WHERE ref_year = 2026)"
                )
            ).one()
        assert counts[0] == counts[1] == CASES  # every letter has its search document
        assert counts[2] >= CASES and counts[3] == 2
        # The sequences and reference counter moved past the loaded rows, and the per-row
        # search trigger is back: a letter logged now gets the next reference and is found.
        reference = log_letter(
            desk, received_on=TODAY, summary="Ferry timetable", letter_text="The zorblast ferry."
        )
        assert reference.startswith(f"2026/{counts[4] + 1:07d}")
        assert [r.reference for r in desk.list_page(CaseFilter(search="zorblast")).rows] == [
            reference
        ]
    finally:
        db.close()
        pg_server.drop_database(name)
