"""The search index kept by batch during a bulk intake (PostgreSQL).

On PostgreSQL each inserted case fires a trigger that rebuilds its search document
(migration 0002): fine for one letter, ruinous for a hundred thousand. Inside
`deferred_search`, the triggers step aside for this transaction only (migration 0013
reads the transaction-local setting) and the batch's documents are built afterwards
in one `case_search_refresh` call. SQLite's FTS5 triggers are cheap and stay on.

The setting is SET LOCAL, so it can never outlive the transaction, even on error; it
needs no privilege, so an officer's login on a server that enforces roles may use it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

SETTING = "correspondence.search_deferred"


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def refresh(session: Session, case_ids: Sequence[int]) -> None:
    """Rebuild the search documents of these cases in one statement (PostgreSQL)."""
    if case_ids and _postgres(session):
        session.execute(
            text("SELECT case_search_refresh(CAST(:ids AS integer[]))"), {"ids": list(case_ids)}
        )


@contextmanager
def deferred_search(session: Session) -> Iterator[list[int]]:
    """Per-row search triggers off while inside; the ids put in the yielded list are
    refreshed in one statement on the way out, and the triggers come back on."""
    ids: list[int] = []
    if not _postgres(session):
        yield ids
        return
    session.execute(text(f"SET LOCAL {SETTING} = 'on'"))
    try:
        yield ids
    finally:
        # Back on before anything else this transaction writes (row triggers of a
        # statement have already fired when the statement returns).
        session.execute(text(f"SET LOCAL {SETTING} = 'off'"))
    refresh(session, ids)
