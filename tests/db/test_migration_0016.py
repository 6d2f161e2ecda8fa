"""Migration 0016: indexes for the list filtered by status, sorted by a name or status.

Upgraded over cases already there, the new indexes hold them: the list filtered by
status shows the same cases in the same order before the downgrade and after the
upgrade, on both databases.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, inspect, text

from correspondence.database import Database
from correspondence.db import migrate
from correspondence.db.models import OPEN_CASES, Case
from correspondence.db.session import make_engine
from correspondence.services.cases import case_list
from correspondence.services.cases.case_list import CaseFilter, SortKey
from correspondence.services.desk import Desk
from correspondence.services.triage.triage import Triage
from correspondence.services.unit_of_work import acting_as
from tests.factories import desk_for, log_letter, member_of_public

TODAY = dt.date(2026, 11, 23)
VERSIONS = Path(migrate.__file__).parent / "migrations" / "versions"
ADMIN = "a.okoro"
NEW = {
    "ix_cases_status_correspondent_sort",
    "ix_cases_status_team_sort",
    "ix_cases_status_campaign_sort",
    "ix_cases_open_correspondent_sort",
    "ix_cases_open_team_sort",
    "ix_cases_open_campaign_sort",
    "ix_cases_open_status",
}
FILTERS = (
    CaseFilter(status="open"),
    CaseFilter(status="closed"),
    CaseFilter(status="logged"),
    CaseFilter(status="no_reply"),
)


def _indexes(engine: Engine) -> set[str]:
    """The names of the indexes on `cases` (read plainly: reflection warns of expressions)."""
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE tablename = 'cases'"
    )
    with engine.connect() as conn:
        return set(conn.exec_driver_sql(query).scalars())


def _lists(desk: Desk) -> list[list[tuple[str, str]]]:
    """Each status filter's list, by correspondent and by status, as (reference, name)."""
    out = []
    for flt in FILTERS:
        for sort in (SortKey.CORRESPONDENT, SortKey.STATUS):
            rows = desk.list_page(flt, sort=sort, descending=False).rows
            out.append([(r.reference, r.correspondent) for r in rows])
    return out


def test_0016_downgrades_and_upgrades_again_over_cases_already_there(db: Database) -> None:
    desk = desk_for(db, ADMIN, TODAY)

    def letter(first: str, last: str, days_ago: int) -> str:
        return log_letter(
            desk,
            received_on=TODAY - dt.timedelta(days=days_ago),
            correspondent=member_of_public(first, last),
        )

    refs = [letter("Ana", "Zeller", 1), letter("Bea", "Abbott", 2), letter("Cai", "Morgan", 3)]
    triage = Triage(acting_as(db.session_factory, ADMIN), clock=lambda: TODAY)
    triage.no_reply(desk.find_reference(refs[0]), "A copy of a letter already answered")
    engine = make_engine(db.engine.url.render_as_string(hide_password=False))
    try:
        assert NEW <= _indexes(engine)
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0015")
        assert not NEW & _indexes(engine)
        refs.append(letter("Dee", "Lloyd", 4))  # logged while the indexes did not exist
        before = _lists(desk)
        migrate.upgrade(engine)
        assert NEW <= _indexes(engine) and migrate.is_at_head(engine)
    finally:
        engine.dispose()
    after = _lists(desk_for(db, ADMIN, TODAY))
    assert after == before
    open_by_name = [ref for ref, _name in after[0]]
    assert open_by_name == [refs[1], refs[2], refs[3]]  # by the name as shown: Bea, Cai, Dee
    assert [ref for ref, _name in after[2]] == [refs[0]]  # closed: Zeller alone


def test_an_analysed_sqlite_file_gets_statistics_for_the_new_indexes(db: Database) -> None:
    """A file analysed before (as the benchmark's is) would otherwise leave the planner
    guessing the new indexes' sizes against known ones; one never analysed stays so."""
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL keeps statistics per column, which these indexes share
    desk = desk_for(db, ADMIN, TODAY)
    for first, last in (("Ana", "Zeller"), ("Bea", "Abbott")):
        log_letter(desk, received_on=TODAY, correspondent=member_of_public(first, last))
    engine = make_engine(db.engine.url.render_as_string(hide_password=False))
    stats = text("SELECT DISTINCT idx FROM sqlite_stat1 WHERE tbl = 'cases'")
    try:
        cfg = migrate.alembic_config()
        for analyse in (False, True):
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, "0015")
                if analyse:
                    conn.exec_driver_sql("ANALYZE")
            migrate.upgrade(engine)
            with engine.connect() as conn:
                has_stats = inspect(conn).has_table("sqlite_stat1")
                if not analyse:
                    assert not has_stats
                else:
                    assert has_stats and NEW <= set(conn.execute(stats).scalars())
    finally:
        engine.dispose()


def test_the_open_cases_are_written_alike_by_the_list_the_model_and_the_migration() -> None:
    """A new open status changes the list's condition: the partial indexes then no longer
    match it (the list stays right, but slow), so it needs a migration of its own."""
    spec = importlib.util.spec_from_file_location("m0016", VERSIONS / "0016_status_sort_indexes.py")
    assert spec and spec.loader
    m0016 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m0016)
    assert case_list.OPEN_SQL["postgresql"] == "cases." + m0016.OPEN
    assert case_list.OPEN_SQL["sqlite"] == "+cases." + m0016.OPEN
    assert OPEN_CASES == m0016.OPEN and "+" + OPEN_CASES == m0016.OPEN_SQLITE
    partial = {ix.name for ix in Case.__table__.indexes if ix.name.startswith("ix_cases_open_")}
    assert partial == {
        f"ix_cases_open_{k}" for k in ("correspondent_sort", "team_sort", "campaign_sort", "status")
    }
