"""Rows of a drafting click read with the click's other reads, and new rows written with
its COMMIT: over a distant link each statement of its own is a round trip.

A row read with `batch_reads.read_together` comes back as a tuple: `built` makes it an
object to compute with (never added to the session), `held` one the session knows as
loaded, so the ORM's own steps (cases.move, the flush) find it without asking again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Table, func, insert, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from correspondence.db.batch_reads import Read, read_together
from correspondence.services import events

T = TypeVar("T")


def columns_of(model: type[Any]) -> list[ColumnElement[Any]]:
    """Every column of `model`, each labelled with its attribute's name."""
    return [attr.columns[0].label(attr.key) for attr in inspect(model).column_attrs]


def keys_of(model: type[Any]) -> list[str]:
    return [attr.key for attr in inspect(model).column_attrs]


def built(model: type[T], row: Sequence[Any]) -> T:
    """An unsaved object holding `row` (read with `columns_of(model)`): for computing and
    showing only; the session never sees it."""
    return model(**dict(zip(keys_of(model), row, strict=True)))


def held(session: Session, model: type[T], row: Sequence[Any]) -> T:
    """The object of `row` (read with `columns_of(model)`) as the session would have loaded
    it: `row` made persistent without a statement, or, if the session holds it already,
    that object with the values just read (as a query with populate_existing)."""
    obj = built(model, row)
    known = session.identity_map.get(identity_key(instance=obj))
    if known is not None:
        for key, value in zip(keys_of(model), row, strict=True):
            set_committed_value(known, key, value)
        return known
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def numbered_ahead(session: Session, table: Table, count: int) -> Read | None:
    """PostgreSQL: `count` new ids of `table`, taken from its sequence with the click's
    reads, so its new rows can go with the COMMIT and still be shown with their ids.
    None on SQLite (or for none): the rows are numbered as they are inserted."""
    if count <= 0 or session.get_bind().dialect.name != "postgresql":
        return None
    return select(func.nextval(func.pg_get_serial_sequence(table.name, "id"))).select_from(
        func.generate_series(1, count)
    )


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
