"""Whole rows read with a click's other reads (`batch_reads.read_together`), and the
objects made of them; and new ids taken ahead from a table's sequence among those reads.
Over a distant link each statement of its own is a round trip.

A row read with `read_together` comes back as a tuple: `built` makes it an object to
compute with (never added to the session), `held` one the session knows as loaded, so the
ORM's own steps (a move of a case, the flush) find it without asking again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Table, func, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from correspondence.db.batch_reads import Read

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
