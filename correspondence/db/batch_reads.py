"""Several independent reads of one click, asked of the database in one go.

Over a distant link each statement is a round trip (50 ms at 25 ms each way). The reads
of one click that do not depend on each other's answers are handed here together:

    docs, events, extensions = read_together(session, [docs_q, events_q, extensions_q])

On PostgreSQL they travel as ONE message: psycopg binds each statement's values on the
client (`ClientCursor.mogrify`, psycopg's own quoting), the statements go joined by ";"
in one simple-protocol query, and each answer is read in turn (`nextset`). The server
runs them in order in one implicit transaction; on the read units of work (autocommit,
READ COMMITTED) each statement still sees what is committed as it starts, as before.

psycopg's pipeline mode was measured too: it also waits for the server once, but it
writes every statement as a message of its own (plus two syncs), so a link that charges
per message, and the round-trip test that counts them, see no gain; one message does.

On SQLite (no link to cross) the statements simply run one after the other.

Only SELECTs of columns are accepted (not ORM entities): the rows come back as plain
tuples, each value converted by its column's type exactly as `session.execute` would.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Compiled, Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from correspondence.db.session import READ_RETRY

Rows = list[tuple[Any, ...]]
# Any SELECT of columns, whatever their types.
Read = Select[*tuple[Any, ...]]


def read_together(session: Session, statements: Sequence[Read]) -> list[Rows]:
    """The rows of each statement, in the order given (see the module's docstring)."""
    for stmt in statements:
        if not isinstance(stmt, Select):
            raise TypeError(f"read_together reads only SELECT statements, not {stmt!r}")
    if not statements:
        return []
    if session.autoflush:
        session.flush()  # as session.execute would: the reads see this session's changes
    connection = session.connection()
    if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg":
        return [[tuple(row) for row in session.execute(stmt)] for stmt in statements]
    try:
        return _in_one_message(connection, statements)
    except DBAPIError as exc:
        # As every read (db/session.py _retry_read_once): a connection the server closed
        # is replaced and the reads asked once more; they changed nothing.
        if not exc.connection_invalidated or not session.info.get(READ_RETRY):
            raise
        session.info[READ_RETRY] = False
        session.rollback()  # lets go of the dead connection; the next takes a fresh one
        return _in_one_message(session.connection(), statements)


def _in_one_message(connection: Connection, statements: Sequence[Read]) -> list[Rows]:
    import psycopg  # only PostgreSQL connections get here

    dialect = connection.dialect
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    cursor = psycopg.ClientCursor(driver)
    sql = ""
    try:
        sql = ";\n".join(_bound(cursor, stmt, dialect) for stmt in statements)
        if connection.dispatch.before_cursor_execute:  # tracing and counting listeners
            for listener in connection.dispatch.before_cursor_execute:
                listener(connection, cursor, sql, {}, None, False)
        cursor.execute(sql)
        out: list[Rows] = []
        for stmt in statements:
            if out and not cursor.nextset():
                raise RuntimeError("PostgreSQL returned fewer results than statements sent")
            out.append(_converted(stmt, cursor.fetchall(), cursor.description, dialect))
        return out
    except psycopg.Error as exc:
        # Raised as SQLAlchemy raises the driver's errors, so callers catch them as any
        # other (a refusal by the server, a lost connection …).
        lost = driver.closed or driver.broken
        if lost:
            connection.invalidate(exc)
        raise DBAPIError.instance(
            sql, None, exc, psycopg.Error, connection_invalidated=lost, dialect=dialect
        ) from exc
    finally:
        if not cursor.closed:
            cursor.close()


# Compiling a statement costs 0.2-1 ms, more than the rest of a click's work on a near
# server: each form of statement is compiled once per dialect (as SQLAlchemy's own cache
# does for session.execute), keyed by SQLAlchemy's cache key; its values are filled in
# from each statement's own parameters.
_COMPILED_AT_MOST = 500
_compiled: weakref.WeakKeyDictionary[Dialect, dict[Any, Compiled]] = weakref.WeakKeyDictionary()
_compiled_lock = threading.Lock()


def _compiled_for(stmt: Read, dialect: Dialect) -> tuple[Compiled, Any]:
    key = stmt._generate_cache_key()
    if key is None:  # a construct SQLAlchemy cannot cache: compiled each time
        return stmt.compile(dialect=dialect), None
    with _compiled_lock:
        forms = _compiled.setdefault(dialect, {})
        compiled = forms.get(key.key)
    if compiled is None:
        compiled = stmt.compile(dialect=dialect, cache_key=key)
        with _compiled_lock:
            if len(forms) >= _COMPILED_AT_MOST:
                forms.pop(next(iter(forms)))  # the oldest form
            forms[key.key] = compiled
    return compiled, key.bindparams


def _bound(cursor: Any, stmt: Read, dialect: Dialect) -> str:
    """The statement as SQL with its values written in by psycopg (IN lists expanded)."""
    compiled, values = _compiled_for(stmt, dialect)
    params = (
        compiled.construct_params(extracted_parameters=values)
        if values is not None
        else compiled.construct_params()
    )
    assert isinstance(compiled, SQLCompiler)
    state = compiled.construct_expanded_state(params)
    bound = {
        name: state.processors[name](value) if name in state.processors else value
        for name, value in state.parameters.items()
    }
    return str(cursor.mogrify(state.statement, bound))


def _converted(stmt: Read, rows: list[Any], description: Any, dialect: Dialect) -> Rows:
    """Each value as its column's type reads it (an EnumText column gives its enum …)."""
    processors = []
    for column, described in zip(stmt.selected_columns, description or (), strict=False):
        processors.append(
            column.type.dialect_impl(dialect).result_processor(dialect, described.type_code)
        )
    if not any(processors):
        return [tuple(r) for r in rows]
    return [
        tuple(p(v) if p is not None else v for p, v in zip(processors, r, strict=False))
        for r in rows
    ]


__all__ = ["read_together", "Read", "Rows"]
