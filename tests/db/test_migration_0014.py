"""Migration 0014: the sort keys are filled for cases already there, and it downgrades."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from correspondence.database import Database, open_database
from correspondence.db import migrate
from correspondence.db.session import make_engine
from tests.factories import desk_for, log_letter, member_of_public, team

FIXTURE = Path(__file__).parent.parent / "fixtures" / "schemas" / "0001.db"
KEYS = {"correspondent_sort", "team_sort", "campaign_sort"}
STALE = """
SELECT count(*) FROM cases c
LEFT JOIN correspondents p ON p.id = c.correspondent_id
LEFT JOIN teams t ON t.id = c.team_id
LEFT JOIN campaigns m ON m.id = c.campaign_id
WHERE c.correspondent_sort <> coalesce(lower(p.display_name), '')
   OR c.team_sort <> coalesce(lower(t.name), '')
   OR c.campaign_sort <> coalesce(lower(m.name), '')
"""


def test_a_0001_database_upgrades_with_every_case_given_its_keys(tmp_path: Path) -> None:
    path = tmp_path / "at0001.db"
    shutil.copy(FIXTURE, path)
    db = open_database(f"sqlite:///{path}")
    try:
        assert migrate.is_at_head(db.engine) and db.backup is not None
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() > 0
            assert conn.execute(text(STALE)).scalar_one() == 0
            named = conn.execute(text("SELECT count(*) FROM cases WHERE correspondent_sort <> ''"))
            assert named.scalar_one() > 0
    finally:
        db.close()


def test_0014_downgrades_and_upgrades_again_refilling_the_keys(db: Database) -> None:
    team(db, "a.okoro", "ADO", "Adoption")
    desk = desk_for(db, "a.okoro", dt.date(2026, 11, 23))
    for last in ("Zeller", "abbott"):
        log_letter(
            desk, received_on=dt.date(2026, 11, 20), correspondent=member_of_public("Ana", last)
        )
    engine = make_engine(str(db.engine.url.render_as_string(hide_password=False)))
    try:
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0013")
        columns = {c["name"] for c in inspect(engine).get_columns("cases")}
        assert not KEYS & columns
        with engine.begin() as conn:  # written while the keys did not exist
            conn.execute(text("UPDATE correspondents SET display_name = 'Ms Ana Young'"))
        migrate.upgrade(engine)
        assert KEYS <= {c["name"] for c in inspect(engine).get_columns("cases")}
        with engine.connect() as conn:
            assert conn.execute(text(STALE)).scalar_one() == 0
            keys = conn.execute(text("SELECT DISTINCT correspondent_sort FROM cases")).scalars()
            assert set(keys) == {"ms ana young"}
    finally:
        engine.dispose()
