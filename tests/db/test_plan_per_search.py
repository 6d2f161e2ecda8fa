"""PostgreSQL plans each search for its own words: a plan made once for every value (after
a statement's fifth use on a connection) cannot tell a word in every letter from a rare one,
and a status-bar count took seconds instead of milliseconds at a million cases."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from correspondence.database import open_database


@pytest.mark.postgres
def test_the_apps_connections_plan_each_statement_for_its_values(pg_database: str) -> None:
    database = open_database(pg_database)
    try:
        with database.engine.connect() as conn:
            assert conn.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
    finally:
        database.close()


@pytest.mark.postgres
def test_options_given_in_the_address_are_kept(pg_database: str) -> None:
    database = open_database(f"{pg_database}?options=-c%20work_mem%3D7MB")
    try:
        with database.engine.connect() as conn:
            assert conn.execute(text("SHOW work_mem")).scalar() == "7MB"
            assert conn.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
    finally:
        database.close()


@pytest.mark.postgres
def test_no_statement_is_prepared_so_none_costs_an_extra_round_trip(pg_database: str) -> None:
    database = open_database(pg_database)
    try:
        with database.engine.connect() as conn:
            for _ in range(8):  # psycopg would prepare it on its fifth use
                conn.execute(text("SELECT count(*) FROM cases WHERE status = :s"), {"s": "open"})
            prepared = conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
        assert prepared == 0
    finally:
        database.close()
