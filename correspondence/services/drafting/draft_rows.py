"""New rows of a drafting click written with its COMMIT, and a row read locked whose
changes go with it: over a distant link each statement of its own is a round trip.
(Reading whole rows with the click's other reads: db/row_reads.py.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, insert, inspect, select
from sqlalchemy.orm import Session

from correspondence.db.batch_reads import read_together
from correspondence.db.row_reads import columns_of, held
from correspondence.services import events

T = TypeVar("T")


def insert_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], ids: Sequence[int] | None
) -> list[int]:
    """Insert `rows` into `table` and return their ids: with `ids` (numbered ahead) as a
    write with the COMMIT, else (SQLite) at once, one by one."""
    if not rows:
        return []
    if ids is not None:
        events.at_commit(
            session, insert(table).values([{**r, "id": i} for r, i in zip(rows, ids, strict=True)])
        )
        return list(ids)
    made = []
    for row in rows:
        result = session.execute(insert(table).values(row))
        made.append(int(result.inserted_primary_key[0]))  # type: ignore[attr-defined]
    return made


def held_locked(session: Session, model: type[T], row_id: int) -> T | None:
    """The row `row_id` of `model` (a versioned row), read locked in one statement and held
    by the session as loaded, so the ORM's own steps find it without asking again; its
    changes go as one UPDATE with the COMMIT (events.write_with_commit). None if there is
    no such row. Keep a reference to it: the session holds loaded rows only weakly."""
    table = inspect(model).local_table
    rows = read_together(
        session, [select(*columns_of(model)).where(table.c.id == row_id).with_for_update()]
    )[0]
    if not rows:
        return None
    obj = held(session, model, rows[0])
    events.write_with_commit(session, obj)
    return obj
