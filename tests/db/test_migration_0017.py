"""Migration 0017: a bulk import on SQLite indexes its cases for search by batch and gives
their sort keys itself; every other writer keeps the per-row triggers.

What a user would notice: letters imported before, during and after the change are all
found by search and sorted by their writers' names; a batch that fails half-way leaves no
entry in the search index for a case that was never kept; the index is exactly the one
built afresh from the cases.
"""

from __future__ import annotations

import datetime as dt
import email.message
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, text

from correspondence.database import Database
from correspondence.db import migrate
from correspondence.db.models import Case
from correspondence.db.session import make_engine
from correspondence.services.cases import sort_keys
from correspondence.services.cases.case_list import CaseFilter
from correspondence.services.intake import import_search, intake_hooks
from correspondence.services.intake.intake import Intake
from correspondence.services.unit_of_work import acting_as
from tests.factories import desk_for, log_letter, member_of_public

TODAY = dt.date(2026, 11, 23)
OFFICER = "officer.one"
# Names whose SQLite lower() differs from Python's: the trigger must still get them right.
SORT_KEYS = ("correspondent_sort", "team_sort", "campaign_sort")
WRITERS = ("Émile Zola", "ÅSA Öberg", "Joan Abbott", "KEN LOWE", "Ōwen SStraße")


def _mail(folder: Path, i: int, word: str) -> None:
    name = WRITERS[i % len(WRITERS)]
    msg = email.message.EmailMessage()
    msg["From"] = f"{name} <writer{i}@example.org>"
    msg["To"] = "ministers@example.gov.uk"
    msg["Subject"] = f"Letter {i}"
    msg["Date"] = "Mon, 05 Jan 2009 10:00:00 +0000"
    msg["Message-ID"] = f"<m0017-{word}-{i}@example.org>"
    msg.set_content(f"Dear Minister\n\nI write about {word} number {i}.\n\nYours\n{name}\n")
    (folder / f"{word}-{i:03d}.eml").write_bytes(msg.as_bytes())


def _folder(tmp_path: Path, word: str, n: int) -> Path:
    folder = tmp_path / word
    folder.mkdir()
    for i in range(n):
        _mail(folder, i, word)
    return folder


def _import(db: Database, folder: Path) -> Any:
    return Intake(acting_as(db.session_factory, OFFICER), clock=lambda: TODAY).import_paths(
        [folder]
    )


def _index(conn: Any) -> list[tuple[Any, ...]]:
    """Everything the search index holds: each word's every place (SQLite), or each
    case's document (PostgreSQL)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_places "
            "USING fts5vocab(main, case_search, 'instance')"
        )
        query = "SELECT term, doc, col, offset FROM temp.search_places ORDER BY 1, 2, 3, 4"
    else:
        query = "SELECT case_id, document::text FROM case_search ORDER BY case_id"
    return [tuple(r) for r in conn.exec_driver_sql(query)]


def _rebuilt(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO case_search(case_search) VALUES ('rebuild')")
    else:
        conn.exec_driver_sql("SELECT case_search_refresh(coalesce(array_agg(id), '{}')) FROM cases")


def assert_index_as_built_afresh(engine: Engine) -> None:
    """The index is sound and holds exactly what rebuilding it from the cases gives."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            conn.exec_driver_sql("INSERT INTO case_search(case_search) VALUES ('integrity-check')")
        now = _index(conn)
        _rebuilt(conn)
        assert _index(conn) == now
        conn.rollback()
        # The mark a batch sets is never left behind.
        assert not conn.execute(
            text("SELECT count(*) FROM settings WHERE key = :k"), {"k": import_search.DEFERRED_KEY}
        ).scalar()


def _sort_keys_wrong(engine: Engine) -> int:
    """Cases whose sort keys differ from their names, as the database lower-cases them."""
    with engine.connect() as conn:
        return int(
            conn.exec_driver_sql(  # type: ignore[arg-type]
                "SELECT count(*) FROM cases WHERE correspondent_sort <> coalesce("
                "(SELECT lower(display_name) FROM correspondents p "
                "WHERE p.id = cases.correspondent_id), '') OR campaign_sort <> coalesce("
                "(SELECT lower(name) FROM campaigns m WHERE m.id = cases.campaign_id), '')"
            ).scalar()
        )


def _found(db: Database, word: str) -> int:
    desk = desk_for(db, OFFICER, TODAY)
    return len(desk.list_page(CaseFilter(search=word)).rows)


def _search_trigger(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(
            conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'case_search_cases_ai'"
            ).scalar()
        )


def test_0017_downgrades_and_upgrades_again_with_imports_on_each_side(
    db: Database, tmp_path: Path
) -> None:
    desk = desk_for(db, "a.okoro", TODAY)
    log_letter(desk, received_on=TODAY, correspondent=member_of_public("Ana", "Zeller"))
    assert len(_import(db, _folder(tmp_path, "heron", 6)).imported) == 6
    engine = make_engine(db.engine.url.render_as_string(hide_password=False))
    sqlite = engine.dialect.name == "sqlite"
    try:
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0016")
        if sqlite:
            assert import_search.DEFERRED_KEY not in _search_trigger(engine)
        # Imported while the triggers are per row again: the import sees it and uses them.
        assert len(_import(db, _folder(tmp_path, "otter", 6)).imported) == 6
        log_letter(desk, received_on=TODAY, correspondent=member_of_public("Bea", "Abbott"))
        assert_index_as_built_afresh(engine)
        migrate.upgrade(engine)
        assert migrate.is_at_head(engine)
        if sqlite:
            assert import_search.DEFERRED_KEY in _search_trigger(engine)
        assert len(_import(db, _folder(tmp_path, "badger", 6)).imported) == 6
        log_letter(desk, received_on=TODAY, correspondent=member_of_public("Cai", "Morgan"))
        assert_index_as_built_afresh(engine)
        assert _sort_keys_wrong(engine) == 0
    finally:
        engine.dispose()
    for word in ("heron", "otter", "badger"):
        assert _found(db, word) == 6
    assert _found(db, "Zeller") == 1 and _found(db, "Morgan") == 1


def test_writers_that_do_not_give_sort_keys_still_get_them(db: Database) -> None:
    """The sort-key triggers now skip rows whose keys are right: any other insert or move
    to another correspondent, team or campaign still gets the keys from the names."""
    desk = desk_for(db, "a.okoro", TODAY)
    ref = log_letter(desk, received_on=TODAY, correspondent=member_of_public("Émile", "Zola"))
    engine = db.engine
    assert _sort_keys_wrong(engine) == 0
    with engine.begin() as conn:
        case_id = conn.execute(
            text("SELECT id FROM cases WHERE reference = :r"), {"r": ref}
        ).scalar()
        other = conn.execute(
            text("SELECT id FROM correspondents WHERE display_name <> :n ORDER BY id LIMIT 1"),
            {"n": "Émile Zola"},
        ).scalar()
        if other is None:
            pytest.skip("the test office has no other correspondent")
        conn.execute(
            text("UPDATE cases SET correspondent_id = :o WHERE id = :c"), {"o": other, "c": case_id}
        )
        # A raw insert naming no keys at all (every other column copied from the case).
        skip = {"id", "reference", "ref_sequence", *SORT_KEYS}
        cols = ", ".join(c.name for c in Case.__table__.columns if c.name not in skip)
        conn.execute(
            text(
                f"INSERT INTO cases (reference, ref_sequence, {cols}) "
                f"SELECT 'RAW/1', 999999, {cols} FROM cases WHERE id = :c"
            ),
            {"c": case_id},
        )
    assert _sort_keys_wrong(engine) == 0
    with engine.connect() as conn:
        keys = conn.exec_driver_sql(
            "SELECT correspondent_sort FROM cases WHERE reference = 'RAW/1'"
        ).scalar()
    assert keys  # the writer's name, lower-cased


def test_sort_key_is_sqlite_lower() -> None:
    import sqlite3

    with sqlite3.connect(":memory:") as conn:
        for name in (*WRITERS, "", "İstanbul Ünal", "ǅemal"):
            assert (
                sort_keys.sort_key(name) == conn.execute("SELECT lower(?)", (name,)).fetchone()[0]
            )


def test_a_batch_that_fails_after_its_cases_were_indexed_leaves_no_trace(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The campaign hook runs after a batch's cases are inserted and indexed. When it
    fails, the batch is rolled back and its files stored one by one; the one at fault is
    listed, and the index holds the others only, as a rebuild would make it."""
    folder = _folder(tmp_path, "kestrel", 12)
    real = intake_hooks.on_cases_logged
    calls = {"n": 0}

    def failing(session: Any, letters: list[Any]) -> list[Any]:
        calls["n"] += 1
        if calls["n"] == 1 or any("number 7." in letter.text for letter in letters):
            raise RuntimeError("the disk went away")
        return real(session, letters)

    monkeypatch.setattr(intake_hooks, "on_cases_logged", failing)
    result = _import(db, folder)
    assert len(result.imported) == 11
    assert [Path(f.path).name for f in result.failed] == ["kestrel-007.eml"]
    assert_index_as_built_afresh(db.engine)
    assert _found(db, "kestrel") == 11
