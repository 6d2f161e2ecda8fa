"""Engine and session factory: the one place that turns a URL into a database."""

from __future__ import annotations

import contextlib
import os
import select
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import ClauseElement, Connection, Engine, Executable, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from correspondence import paths

ENV_DB = "CORRESPONDENCE_DB"
# Execution option marking a connection that is about to write (see SessionFactory).
SQLITE_IMMEDIATE = "correspondence_sqlite_immediate"
# Session.info keys: this read may run a statement again once if its connection was lost;
# this session only reads (on PostgreSQL it has no transaction to roll a write back).
READ_RETRY = "correspondence_read_retry"
READ_ONLY = "correspondence_read_only"


def default_url() -> str:
    """`CORRESPONDENCE_DB` if set, else SQLite in the user's data directory."""
    return os.environ.get(ENV_DB) or f"sqlite:///{paths.default_database_path()}"


def normalise_url(url: str) -> str:
    """Accept URLs as people type them and choose the driver ourselves.

    `postgresql://` and `postgres://` get psycopg 3; a bare path becomes SQLite.
    """
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    u = make_url(normalise_url(url))
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    url = normalise_url(url or default_url())
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take control so
        # writers lock the database at BEGIN (no lost updates between readers).
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # No pool pre-ping: it costs a round trip per unit of work (50 ms on a distant link).
    # A connection the server closed is noticed at checkout instead, for free (below).
    # Nothing prepared: with each statement planned anew (below) preparing saves little,
    # and psycopg's preparing, on a statement's fifth use, costs a round trip of its own.
    engine = create_engine(
        url, echo=echo, connect_args={"options": _pg_options(url), "prepare_threshold": None}
    )
    event.listen(engine, "checkout", _discard_if_server_closed)
    return engine


# psycopg prepares a statement on its fifth use; PostgreSQL may then plan it once for all
# values, which cannot tell a word in every letter from a rare one (a status-bar count took
# 5 s instead of 50 ms at a million cases). Planning each time costs well under a
# millisecond. Sent with the connection's start-up: no round trip of its own.
PG_OPTIONS = "-c plan_cache_mode=force_custom_plan"


def _pg_options(url: str) -> str:
    given = make_url(url).query.get("options")
    given = given[-1] if isinstance(given, tuple) else given
    return f"{given} {PG_OPTIONS}" if given else PG_OPTIONS


def _discard_if_server_closed(dbapi_conn: Any, _record: object, _proxy: object) -> None:
    """An idle connection in the pool has nothing to read. When the server restarts or ends
    the session it writes a farewell and closes the socket, so a readable (or closed) socket
    means the connection is gone: the pool then makes a fresh one, before anything is sent.
    """
    pgconn = getattr(dbapi_conn, "pgconn", None)
    if pgconn is None:
        return
    import psycopg  # only PostgreSQL engines get here

    if dbapi_conn.closed or dbapi_conn.broken:
        raise DisconnectionError("the connection was closed")
    try:
        readable, _, _ = select.select([pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.Error) as exc:
        raise DisconnectionError(str(exc)) from exc
    if readable:
        raise DisconnectionError("the server closed this connection while it was idle")


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API objects
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn) -> None:  # noqa: ANN001
    immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE, False)
    _temp_in_memory(conn, immediate)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


TEMP_IN_MEMORY = "correspondence_temp_in_memory"


def _temp_in_memory(conn, memory: bool) -> None:  # noqa: ANN001
    """Writes keep SQLite's temporary storage in memory; reads keep it in files.

    A statement that may fail halfway keeps the pages it changes in a statement journal,
    which spills to a temporary file past 64 KiB. Logging a letter changes some 30 pages
    (the case's sort and search indexes), so an import wrote and read back a file ~80
    times a letter: half its time inserting cases. A write's journal holds one statement's
    pages, so memory bounds it; a read's sort of a million rows keeps its files. Chosen
    before BEGIN, where SQLite reads it, and set only when it changes."""
    info = conn.connection.info
    if info.get(TEMP_IN_MEMORY, False) != memory:
        conn.exec_driver_sql("PRAGMA temp_store=MEMORY" if memory else "PRAGMA temp_store=DEFAULT")
        info[TEMP_IN_MEMORY] = memory


class SessionFactory(sessionmaker[Session]):
    """`begin()` is how services open a write transaction; on SQLite it is IMMEDIATE.

    A deferred SQLite transaction that reads and then writes fails at once with
    SQLITE_BUSY (snapshot) if another writer committed in between; the busy timeout
    does not help. Taking the write lock at BEGIN makes writers queue instead.
    Plain `factory()` sessions (reads) stay deferred so they never wait for writers.
    """

    _write_bind: Engine | None = None
    _read_bind: Engine | None = None

    @contextlib.contextmanager
    def begin(self) -> Iterator[Session]:
        bind = self.kw.get("bind")
        if isinstance(bind, Engine) and bind.dialect.name == "sqlite":
            if self._write_bind is None:
                self._write_bind = bind.execution_options(**{SQLITE_IMMEDIATE: True})
            session = self(bind=self._write_bind)
        else:
            session = self()
        with session, session.begin():
            yield session

    def reading(self) -> Session:
        """A session for a read. On PostgreSQL it runs without a transaction (autocommit):
        no BEGIN and no ROLLBACK to wait for, and each statement sees what is committed as it
        starts, as it would in PostgreSQL's default READ COMMITTED transaction anyway. If its
        connection turns out to be lost, one statement is run again on a fresh one."""
        bind = self.kw.get("bind")
        if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
            if self._read_bind is None:
                self._read_bind = bind.execution_options(isolation_level="AUTOCOMMIT")
            return self(bind=self._read_bind, info={READ_RETRY: True, READ_ONLY: True})
        return self()


class ReadOnly(RuntimeError):
    """A read tried to write: with no transaction around it, the write would stay."""


def _refuse_writes_in_a_read(session: Session, _context: object, _instances: object) -> None:
    if not session.info.get(READ_ONLY):
        return
    changed = [*session.new, *session.deleted]
    changed += [o for o in session.dirty if session.is_modified(o)]
    if changed:
        raise ReadOnly(f"A read changed {changed[0]!r}: changes are made in uow.begin()")


def _retry_read_once(state: ORMExecuteState) -> Any:
    """Run a read's statement again, once, when the connection it used was lost (the
    server restarted, or ended the session). A read changes nothing, so nothing is lost."""
    session = state.session
    if session.info.get(READ_ONLY) and (state.is_insert or state.is_update or state.is_delete):
        raise ReadOnly("A read tried to change rows: changes are made in uow.begin()")
    if not session.info.get(READ_RETRY):
        return None
    try:
        return state.invoke_statement()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        session.info[READ_RETRY] = False
        session.rollback()  # lets go of the dead connection; the next takes a fresh one
        return state.invoke_statement()


# A session holds the rows it loaded only weakly: a row a use case let go of is asked for
# again when the next step needs it (a round trip each). A write holds what it loads, up to
# a bound, until it ends; reads and bulk work stay as they are.
HELD = "correspondence_held_rows"
HOLD_AT_MOST = 2000


def hold_loaded_rows(session: Session) -> None:
    """From now until the session ends, keep the rows it loads (the first HOLD_AT_MOST)."""
    session.info.setdefault(HELD, [])


def _hold(session: Session, instance: object) -> None:
    held = session.info.get(HELD)
    if held is not None and len(held) < HOLD_AT_MOST:
        held.append(instance)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = SessionFactory(engine, expire_on_commit=False)
    event.listen(factory, "loaded_as_persistent", _hold)
    event.listen(factory, "do_orm_execute", _retry_read_once)
    event.listen(factory, "before_flush", _refuse_writes_in_a_read)
    return factory


# --- fewer round trips on PostgreSQL ------------------------------------------------------
# psycopg sends BEGIN as a message of its own and COMMIT as another, and each waits for its
# answer: over a distant link, 50 ms each. A statement whose values are written into its
# text (quoted by psycopg itself) can share one message with them, in the simple protocol.


def literal_sql(connection: Connection, statement: Executable) -> str:
    """`statement` as PostgreSQL text with its values written in, quoted by psycopg."""
    import psycopg  # only PostgreSQL connections get here

    assert isinstance(statement, ClauseElement)
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = dict(compiled.construct_params() or {})
    # Each value as a column's type would send it (an enum column checks its values).
    processors: dict[str, Any] = getattr(compiled, "_bind_processors", {})
    for name, process in processors.items():
        if name in params:
            params[name] = process(params[name])
    raw = connection.connection.dbapi_connection
    assert isinstance(raw, psycopg.Connection)
    return psycopg.ClientCursor(raw).mogrify(compiled.string, params)


def _begin_command(raw: Any) -> str:
    """The BEGIN psycopg itself would send on this connection (its transaction settings)."""
    from psycopg import IsolationLevel

    words = ["BEGIN"]
    if raw.isolation_level is not None:
        words.append(
            "ISOLATION LEVEL " + IsolationLevel(raw.isolation_level).name.replace("_", " ")
        )
    if raw.read_only is not None:
        words.append("READ ONLY" if raw.read_only else "READ WRITE")
    if raw.deferrable is not None:
        words.append("DEFERRABLE" if raw.deferrable else "NOT DEFERRABLE")
    return " ".join(words)


def begin_with(session: Session, statement: Executable) -> list[tuple[str | None, ...]] | None:
    """PostgreSQL, in a write session not yet begun at the server: BEGIN and `statement` (a
    SELECT) in one message; its rows, each value as the server's text (None for NULL).

    None when that is not how this session begins (SQLite, a transaction already begun): the
    caller then asks the usual way.
    """
    if session.get_bind().dialect.name != "postgresql":
        return None
    import psycopg
    from psycopg import pq

    connection = session.connection()
    raw = connection.connection.dbapi_connection
    if (
        not isinstance(raw, psycopg.Connection)
        or raw.autocommit
        or raw.pgconn.transaction_status != pq.TransactionStatus.IDLE
    ):
        return None
    sql = literal_sql(connection, statement)
    encoding = raw.info.encoding
    try:
        result = raw.pgconn.exec_(f"{_begin_command(raw)}; {sql}".encode(encoding))
        if result.status != pq.ExecStatus.TUPLES_OK:
            raise psycopg.errors.error_from_result(result, encoding=encoding)
    except psycopg.Error as error:
        # As SQLAlchemy reports any other statement's failure; a lost connection is
        # dropped from the pool, so the next click takes a fresh one.
        if raw.pgconn.status == pq.ConnStatus.BAD:
            connection.invalidate(error)
        raise DBAPIError.instance(
            sql, None, error, psycopg.Error, connection_invalidated=connection.invalidated
        ) from error
    return [
        tuple(
            None if (v := result.get_value(r, c)) is None else bytes(v).decode(encoding)
            for c in range(result.nfields)
        )
        for r in range(result.ntuples)
    ]
