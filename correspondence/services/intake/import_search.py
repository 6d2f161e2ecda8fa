"""An import's new cases indexed for search by batch on SQLite, and their sort keys given.

On SQLite each inserted case fired the full-text trigger of migration 0002 (one statement
a case) and the sort-key trigger of 0014 (the row written a second time). Migration 0017
lets the import skip both: while its transaction holds the row 'search_deferred' in
`settings`, the search trigger does nothing, and the sort-key trigger runs only when the
keys written are not the ones the names give. So the import writes the row, inserts the
batch with its keys, indexes the batch in one statement and deletes the row, with nothing
in between: no statement may change those cases before they are indexed (the update
triggers would remove entries never made, which corrupts an FTS5 index). All of it is in
the import's one transaction, so a failure anywhere rolls the cases, the index and the
row back together, and no other connection ever sees the row (SQLite's write lock is
held from BEGIN). PostgreSQL has its own batched path (services/cases/search_batch.py).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

DEFERRED_KEY = "search_deferred"  # as written into the trigger by migration 0017

_DEFER = text(f"INSERT INTO settings (key, value) VALUES ('{DEFERRED_KEY}', 'import')")
_RESUME = text(f"DELETE FROM settings WHERE key = '{DEFERRED_KEY}'")
# What the per-row trigger does for one case, for a run of ids.
_LEARN = text(
    "INSERT INTO case_search(rowid, reference, names, summary, body) "
    "SELECT id, reference, names, summary, body FROM case_search_source "
    "WHERE id BETWEEN :first AND :last"
)


def by_batch(session: Session) -> bool:
    """True on a SQLite file whose search trigger can be deferred (migration 0017)."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    sql = session.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": "case_search_cases_ai"},
    ).scalar()
    return bool(sql) and f"'{DEFERRED_KEY}'" in str(sql)


def insert_indexed(session: Session, insert_rows: Callable[[], list[int]]) -> list[int]:
    """Run `insert_rows` (it inserts cases with consecutive new ids and returns them),
    with the per-row search trigger off, then index those cases in one statement."""
    session.execute(_DEFER)
    ids = insert_rows()
    if ids:
        if ids != list(range(ids[0], ids[0] + len(ids))):
            raise RuntimeError("the new cases' ids are not consecutive")  # never, by design
        session.execute(_LEARN, {"first": ids[0], "last": ids[-1]})
    session.execute(_RESUME)
    return ids
