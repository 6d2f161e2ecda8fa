"""The schema is built and upgraded only by Alembic, and holds every noun of the brief."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from correspondence.database import open_database
from correspondence.db import migrate
from correspondence.db.session import make_engine

FIXTURES = Path(__file__).parent.parent / "fixtures" / "schemas"

NOUNS = {
    "cases",
    "correspondents",
    "constituents",
    "documents",
    "themes",
    "case_themes",
    "teams",
    "users",
    "user_roles",
    "standard_lines",
    "line_versions",
    "line_themes",
    "drafts",
    "draft_paragraphs",
    "comments",
    "campaigns",
    "events",
    "signatories",
    "reply_types",
    "extensions",
    "offices",
    "reference_counters",
    "settings",
}


def test_empty_database_upgrades_to_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.is_at_head(engine)
    tables = set(inspect(engine).get_table_names())
    assert NOUNS <= tables, f"missing tables: {NOUNS - tables}"


def test_editable_rows_carry_a_version_column(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'v.db'}")
    migrate.upgrade(engine)
    insp = inspect(engine)
    for table in (
        "cases",
        "correspondents",
        "drafts",
        "standard_lines",
        "users",
        "teams",
        "themes",
    ):
        assert "version" in {c["name"] for c in insp.get_columns(table)}, table


def test_opening_twice_is_harmless_and_takes_no_backup(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    first = open_database(url)
    first.close()
    second = open_database(url)
    assert second.backup is None
    second.close()


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.db")), ids=lambda p: p.stem)
def test_released_schema_upgrades_keeping_its_data(fixture: Path, tmp_path: Path) -> None:
    """Each frozen database of a released schema upgrades to head with its cases intact."""
    path = tmp_path / fixture.name
    shutil.copy(fixture, path)
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        before = conn.execute(text("SELECT reference FROM cases ORDER BY id")).scalars().all()
    engine.dispose()
    db = open_database(f"sqlite:///{path}")
    try:
        assert migrate.is_at_head(db.engine)
        with db.engine.connect() as conn:
            after = conn.execute(text("SELECT reference FROM cases ORDER BY id")).scalars().all()
        assert after == before and before
        if fixture.stem != migrate.head_revision():
            assert db.backup is not None and db.backup.exists()
    finally:
        db.close()


def test_refuses_to_work_on_an_old_schema_without_upgrading(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0001")
    engine.dispose()
    if migrate.head_revision() == "0001":
        pytest.skip("only one schema released so far")
    with pytest.raises(RuntimeError, match="upgrade it first"):
        open_database(f"sqlite:///{tmp_path / 'old.db'}", upgrade=False)


# The due-date sort index (0006) is an expression, which SQLite's reflection skips.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_models_match_the_migrated_schema(tmp_path: Path) -> None:
    """Alembic finds nothing to autogenerate: the models and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from correspondence.db.models import Base

    engine = make_engine(f"sqlite:///{tmp_path / 'cmp.db'}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Full-text search objects live outside the ORM on purpose.
    diffs = [
        d
        for d in diffs
        if not (d[0] == "remove_table" and d[1].name.startswith(("case_search", "alembic")))
    ]
    assert diffs == []


def test_the_release_head_constant_matches_the_migration_scripts() -> None:
    assert migrate.HEAD == migrate.head_revision()


def test_a_0005_database_gains_the_due_date_sort_index(tmp_path: Path) -> None:
    path = tmp_path / "at0005.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0005")
    query = text("SELECT count(*) FROM sqlite_master WHERE name = 'ix_cases_due_sort'")
    with engine.connect() as conn:
        assert conn.execute(query).scalar_one() == 0
    engine.dispose()
    db = open_database(f"sqlite:///{path}")
    try:
        assert migrate.is_at_head(db.engine) and db.backup is not None
        with db.engine.connect() as conn:
            assert conn.execute(query).scalar_one() == 1
    finally:
        db.close()


def test_cases_of_a_0001_database_gain_an_empty_subject_phrase_their_replies_fill_in(
    tmp_path: Path,
) -> None:
    """0009: existing cases have no subject phrase yet; the reply makes one from the
    summary until someone sets it."""
    path = tmp_path / "0001.db"
    shutil.copy(FIXTURES / "0001.db", path)
    db = open_database(f"sqlite:///{path}")
    try:
        assert db.backup is not None
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT subject_phrase, summary FROM cases")).all()
        assert rows and all(phrase == "" for phrase, _summary in rows)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE cases SET subject_phrase = 'the closure of a centre'"))
    finally:
        db.close()
