"""Migration 0010: a database of 0007 upgrades, and its emailed letters propose email replies."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import select

from correspondence.database import open_database
from correspondence.db import migrate
from correspondence.db.models import Case, Document, EmailSend, Signatory
from correspondence.db.session import make_engine

FIXTURE = Path(__file__).parent.parent / "fixtures" / "schemas" / "0001.db"


def test_a_0007_database_upgrades_and_emailed_letters_propose_email(tmp_path: Path) -> None:
    path = tmp_path / "at0007.db"
    shutil.copy(FIXTURE, path)
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0007")
    engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE correspondents SET email = 'k.rosa@example.org' WHERE id = 2")
        conn.execute("UPDATE cases SET channel = 'email' WHERE correspondent_id = 2")
        emailed = {r for (r,) in conn.execute("SELECT reference FROM cases WHERE channel='email'")}
        total = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert emailed

    db = open_database(f"sqlite:///{path}")
    try:
        assert migrate.is_at_head(db.engine) and db.backup is not None
        with db.session_factory() as s:
            rows = s.execute(select(Case.reference, Case.reply_channel, Case.reply_email)).all()
            assert len(rows) == total
            for reference, channel, address in rows:
                if reference in emailed:
                    assert (channel, address) == ("email", "k.rosa@example.org")
                else:
                    assert (channel, address) == ("letter", "")
            assert s.scalars(select(EmailSend)).all() == []
            assert all(d.ocr_read is False for d in s.scalars(select(Document)))
            assert all(g.signature_media_type == "" for g in s.scalars(select(Signatory)))
    finally:
        db.close()


def test_0010_downgrades_cleanly_keeping_the_due_date_index(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect, text

    engine = make_engine(f"sqlite:///{tmp_path / 'down.db'}")
    migrate.upgrade(engine)
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007")
    assert "reply_channel" not in {c["name"] for c in inspect(engine).get_columns("cases")}
    assert "email_sends" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        index = text("SELECT count(*) FROM sqlite_master WHERE name = 'ix_cases_due_sort'")
        assert conn.execute(index).scalar_one() == 1
    migrate.upgrade(engine)
    assert migrate.is_at_head(engine)
    engine.dispose()
