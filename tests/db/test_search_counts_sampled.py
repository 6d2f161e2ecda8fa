"""PostgreSQL's status bar past its limits: a search's count read from a sample of the
documents, said to be an estimate and near the truth; exact where it reads few rows.

At a million cases the sample is 1.6 % of the documents and a count is exact only when it
reads at most a few thousand rows; here, on 3,000 cases of the benchmark's letters (the
loader run as a command, as a person runs it), the sample is made a fifth of the ids so
that it leaves cases out, as it does in a large office.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from correspondence.database import open_database
from correspondence.services.cases import case_list, pg_sample
from correspondence.services.cases.case_list import CaseFilter
from correspondence.services.desk import Desk
from tests import pg
from tests.factories import desk_for

LOADER = Path(__file__).resolve().parents[2] / "bench" / "pg_cases.py"
CASES = 3_000
TODAY = dt.date(2026, 11, 23)
# The estimate is within this factor of the exact count (the sample's error is ~10 % for
# a search matching a few hundred of these cases; at a million, ~6 % for 1 in 60).
NEAR = 1.35


@pytest.fixture(scope="module")
def office(pg_server: pg.PgServer) -> Iterator[Desk]:
    url = pg_server.url(pg_server.new_name("sampled"))
    done = subprocess.run(
        [sys.executable, str(LOADER), url, "--cases", str(CASES), "--batch", "1000"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    db = open_database(url)
    yield desk_for(db, "bench.officer", TODAY)
    db.close()


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a large office: the sample leaves most cases out (16 runs of 40 ids)."""
    monkeypatch.setattr(pg_sample, "SAMPLE_SPAN", 40)


def _listed(desk: Desk, flt: CaseFilter) -> int:
    page = desk.list_page(flt, limit=100_000)
    assert not page.has_more
    return len(page.rows)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ('"local council"', ""),  # a phrase whose words are each in ~40 % of letters
        ('"local council"', "dispatched"),  # within a status holding most cases
        ('"local council"', "closed"),
        ("children", ""),  # a word in half the letters
        ("children", "closed"),
    ],
)
def test_a_common_search_past_the_limits_is_estimated_near_and_says_so(
    office: Desk, large: None, monkeypatch: pytest.MonkeyPatch, typed: str, status: str
) -> None:
    flt = CaseFilter(search=typed, status=status)
    exact = _listed(office, flt)
    assert exact > 50
    # No count reads few enough rows to be exact.
    monkeypatch.setattr(case_list, "PG_EXACT_READS", -1)
    monkeypatch.setattr(case_list, "PG_PROBE_AT_MOST", -1)
    counts = office.counts(flt)
    assert counts.shown_is_estimate
    assert counts.shown_text.startswith("about ")
    assert exact / NEAR <= counts.shown <= exact * NEAR, (counts.shown, exact)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "typed",
    [
        '"older pupils"',  # 1 letter in 120: few candidates, counted exactly
        '"children school"',  # words in half and a tenth of the letters, never together
        '"quokkaville school"',  # a rare word: nothing matches
        '"the cost of school transport has become impossible for rural families"',
    ],
)
@pytest.mark.parametrize("status", ["", "drafting", "dispatched"])
def test_a_phrase_few_match_is_counted_exactly(
    office: Desk, large: None, typed: str, status: str
) -> None:
    flt = CaseFilter(search=typed, status=status)
    counts = office.counts(flt)
    assert (counts.shown, counts.shown_is_estimate) == (_listed(office, flt), False)
    assert not counts.shown_text.startswith("about")


@pytest.mark.postgres
def test_a_phrase_of_stop_words_shows_every_case_exactly(office: Desk, large: None) -> None:
    counts = office.counts(CaseFilter(search='"of the"'))
    assert (counts.shown, counts.shown_is_estimate) == (CASES, False)


@pytest.mark.postgres
def test_a_sample_covering_every_case_counts_exactly(office: Desk) -> None:
    """A small office: the sample's runs reach every case, so its count is the count."""
    for typed in ('"local council"', "children", '"school transport"'):
        counts = office.counts(CaseFilter(search=typed))
        assert (counts.shown, counts.shown_is_estimate) == (
            _listed(office, CaseFilter(search=typed)),
            False,
        )
