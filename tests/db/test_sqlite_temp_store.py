"""SQLite keeps a write's temporary storage in memory and a read's in files.

A statement journal (the pages one statement changes, kept to undo it alone) spilled to a
temporary file past 64 KiB: logging a letter changes ~30 pages, so an import wrote and read
back a file for every letter. Writes now keep it in memory; reads, which may sort a million
rows, keep temporary files. The setting follows the connection from write to read and back.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from correspondence.database import Database, open_database

MEMORY, DEFAULT = 2, 0


def _temp_store(session: object) -> int:
    return int(session.execute(text("PRAGMA temp_store")).scalar_one())  # type: ignore[attr-defined]


def test_writes_in_memory_reads_in_files(tmp_path: Path) -> None:
    db: Database = open_database(f"sqlite:///{tmp_path / 'office.db'}")
    try:
        for _ in range(3):  # the same pooled connection, from write to read and back
            with db.session_factory.begin() as s:
                assert _temp_store(s) == MEMORY
                s.execute(text("UPDATE settings SET value = value WHERE key = 'none'"))
            with db.session_factory() as s:
                assert _temp_store(s) == DEFAULT
    finally:
        db.close()


def test_a_failing_statement_is_still_undone_alone(tmp_path: Path) -> None:
    """With its journal in memory, a statement that fails halfway still undoes only itself."""
    db: Database = open_database(f"sqlite:///{tmp_path / 'office.db'}")
    try:
        with db.session_factory.begin() as s:
            s.execute(text("CREATE TABLE t (n INTEGER UNIQUE)"))
            s.execute(text("INSERT INTO t VALUES (1), (2)"))
            try:  # the second row collides: the first of this statement must go too
                s.execute(text("INSERT INTO t SELECT n + 2 FROM t UNION ALL SELECT 1"))
            except Exception:  # noqa: BLE001, S110 - the refusal is the point
                pass
            assert [r[0] for r in s.execute(text("SELECT n FROM t ORDER BY n"))] == [1, 2]
    finally:
        db.close()
