"""A bulk import keeps the search index by batch on PostgreSQL (migration 0013).

The per-row triggers step aside inside the import's transaction and the batch's
search documents are built in one statement: they must come out exactly as the
per-row path builds them, and every other writer must keep its per-row triggers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from correspondence.database import Database, open_database
from correspondence.db import migrate
from correspondence.db.session import make_engine
from correspondence.services.cases.case_list import CaseFilter
from correspondence.services.desk import Desk
from correspondence.services.intake.intake import Intake
from correspondence.services.unit_of_work import acting_as
from tests import pg

TODAY = dt.date(2026, 11, 23)
SURNAMES = ("Quillfeather", "Ravensworth", "Thistlewood", "Umberleigh", "Vantongeren")


def _mailbag(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        name = SURNAMES[i % len(SURNAMES)]
        (folder / f"{i:03d}.eml").write_text(
            f"From: Ada {name} <ada.{name.lower()}{i}@example.org>\n"
            "To: ministers@example.gov.uk\nSubject: School transport\n"
            f"Date: Fri, 20 Nov 2026 09:{i % 60:02d}:00 +0000\n"
            f"Message-ID: <bulk-{i}@example.org>\n\n"
            f"Dear Minister,\n\nThe bus to Wrenhollow school {i} is late again.\n\n"
            f"Ada {name}\n"
        )
    return folder


def _documents(db: Database) -> dict[int, str]:
    with db.engine.connect() as conn:
        return dict(conn.execute(text("SELECT case_id, document::text FROM case_search")).all())


def test_imported_letters_are_found_by_their_words(db: Database, tmp_path: Path) -> None:
    intake = Intake(acting_as(db.session_factory, "officer.one"), clock=lambda: TODAY)
    result = intake.import_paths([_mailbag(tmp_path / "bag", 12)])
    assert len(result.imported) == 12 and not result.failed
    desk = Desk(acting_as(db.session_factory, "officer.one"), clock=lambda: TODAY)
    for name in SURNAMES:
        found = {c.reference for c in desk.list_page(CaseFilter(search=name)).rows}
        expected = {r.reference for r in result.imported if name in r.correspondent}
        assert expected and found == expected


@pytest.mark.postgres
def test_batch_documents_match_the_per_row_ones_and_triggers_come_back(
    pg_database: str, tmp_path: Path
) -> None:
    db = open_database(pg_database)
    try:
        intake = Intake(acting_as(db.session_factory, "officer.one"), clock=lambda: TODAY)
        result = intake.import_paths([_mailbag(tmp_path / "bag", 30)])
        assert len(result.imported) == 30
        batched = _documents(db)
        assert {r.case_id for r in result.imported} <= batched.keys()
        # The per-row path, replayed for every case, builds the very same documents.
        with db.engine.begin() as conn:
            conn.execute(text("SELECT case_search_refresh(ARRAY(SELECT id FROM cases))"))
        assert _documents(db) == batched
        # The setting ended with the import's transactions: later writers index per row.
        with db.engine.begin() as conn:
            setting = conn.scalar(
                text("SELECT current_setting('correspondence.search_deferred', true)")
            )
            assert setting in (None, "", "off")
            conn.execute(
                text("UPDATE cases SET summary = 'Zebracrossing plea' WHERE id = :id"),
                {"id": result.imported[0].case_id},
            )
        assert "zebracross" in _documents(db)[result.imported[0].case_id]
    finally:
        db.close()


@pytest.mark.postgres
def test_0013_upgrades_and_downgrades_the_trigger_functions(pg_server: pg.PgServer) -> None:
    from alembic import command

    name = pg_server.create_database(pg_server.new_name("m13"))
    engine = make_engine(pg_server.url(name))
    try:
        migrate.upgrade(engine, "0010")
        source = "SELECT prosrc FROM pg_proc WHERE proname = 'case_search_on_case'"
        with engine.connect() as conn:
            assert "search_deferred" not in conn.scalar(text(source))
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert "search_deferred" in conn.scalar(text(source))
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0010")
        with engine.connect() as conn:
            assert "search_deferred" not in conn.scalar(text(source))
    finally:
        engine.dispose()
        pg_server.release(name)
