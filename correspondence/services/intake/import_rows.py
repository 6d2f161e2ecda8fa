"""An import's many rows inserted on SQLite as prepared tuples: the same rows
`session.execute(insert(table), rows)` writes, without SQLAlchemy's work per row.

SQLAlchemy builds and converts each row's parameters one by one (~15 µs a row of 25
columns); an import of 10,000 letters writes 30,000 such rows. Here the columns, the
Python defaults SQLAlchemy would add and each column's own conversion (SQLAlchemy's bind
processors, so dates and flags are stored exactly as it stores them) are worked out once
a statement, and the rows go to sqlite3's executemany. Anything this does not know how to
do just as SQLAlchemy would (another database, a default that is SQL, rows with
different columns, a session with statements to run first) goes through SQLAlchemy.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

# Session.info keys whose statement hooks must see every statement (events.py, db/session.py).
_HOOKED = ("correspondence_commit_tail", "correspondence_read_only", "correspondence_read_retry")

Processor = Callable[[Any], Any] | None


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """`session.execute(insert(table), rows)`, quicker on SQLite."""
    if not rows:
        return
    plan = _plan(session, table, rows)
    if plan is None:
        session.execute(insert(table), rows)
        return
    sql, keys, processors, defaults = plan
    out: list[tuple[Any, ...]] = []
    for row in rows:
        values = [row[k] for k in keys]
        values.extend(make() for make in defaults)
        for i, process in processors:
            if values[i] is not None:
                values[i] = process(values[i])
        out.append(tuple(values))
    session.connection().exec_driver_sql(sql, out)


def _plan(
    session: Session, table: Table, rows: list[dict[str, Any]]
) -> tuple[str, list[str], list[tuple[int, Callable[[Any], Any]]], list[Callable[[], Any]]] | None:
    dialect = session.get_bind().dialect
    if dialect.name != "sqlite" or any(session.info.get(k) for k in _HOOKED):
        return None
    keys = list(rows[0])
    wanted = set(keys)
    if any(len(row) != len(keys) or row.keys() != wanted for row in rows):
        return None  # SQLAlchemy's rules for uneven rows are its own
    if any(k not in table.c for k in keys):
        return None
    columns = [table.c[k] for k in keys]
    defaults: list[Callable[[], Any]] = []
    for column in table.columns:
        if column.key in wanted or column.default is None:
            continue
        made = _default(column.default)
        if made is None:
            return None
        columns.append(column)
        defaults.append(made)
    processors = [
        (i, process)
        for i, column in enumerate(columns)
        if (process := _processor(column.type, dialect)) is not None
    ]
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(c.name) for c in columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    return sql, keys, processors, defaults


def _default(default: Any) -> Callable[[], Any] | None:
    """A column's Python default as SQLAlchemy would fill it, or None if it is SQL."""
    if getattr(default, "is_scalar", False):
        value = default.arg
        return lambda: value
    if getattr(default, "is_callable", False):
        make = default.arg  # SQLAlchemy wraps a function of no arguments to take a context
        if inspect.signature(make).parameters:  # the wrapped function's: it wants a context
            return None
        return lambda: make(None)
    return None


def _processor(type_: Any, dialect: Dialect) -> Processor:
    process: Processor = type_.dialect_impl(dialect).bind_processor(dialect)
    return process
