"""Several desks logging at once: references stay unique and gapless per year."""

from __future__ import annotations

import multiprocessing as mp
import queue

import pytest
from sqlalchemy import select

from correspondence.database import open_database
from correspondence.db.models import Case
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import acting_as
from tests.db.concurrent_logging import TODAY, log_cases

WRITERS = 8
CASES_EACH = 500


@pytest.mark.slow
def test_eight_writers_get_distinct_gapless_references(db_url: str) -> None:
    names = [f"officer.{n}" for n in range(1, WRITERS + 1)]
    db = open_database(db_url)
    for name in names:  # known users, so the writers contend only over references
        Desk(acting_as(db.session_factory, name)).actor()
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(WRITERS)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=log_cases, args=(db_url, name, CASES_EACH, barrier, results))
        for name in names
    ]
    for p in procs:
        p.start()
    outcomes = []
    try:
        for _ in procs:
            outcomes.append(results.get(timeout=600))
    except queue.Empty:
        pytest.fail(f"only {len(outcomes)} of {WRITERS} writers finished")
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
    errors = [detail for kind, detail in outcomes if kind == "error"]
    assert not errors, "\n".join(errors)

    issued = [ref for _, refs in outcomes for ref in refs]
    assert len(issued) == len(set(issued)) == WRITERS * CASES_EACH
    with db.session_factory() as s:
        stored = s.execute(
            select(Case.reference, Case.ref_sequence).where(Case.ref_year == TODAY.year)
        ).all()
    db.close()
    assert sorted(r for r, _ in stored) == sorted(issued)
    assert sorted(seq for _, seq in stored) == list(range(1, WRITERS * CASES_EACH + 1))
