"""The append-only event log: every state change is written here.

Each event carries `prev_hash` (its predecessor's hash) and `hash`, a SHA-256 over a
canonical text of every column, ids included ("v2", migration 0008). On PostgreSQL the
server computes both in a trigger, under a lock, and once `server setup` has run it also
stamps who and when from the login, so a client can choose none of them. On SQLite (one
person's file) this module computes the same text itself. Events written before 0008
keep the older digest, which left out the ids; `verify_chain` checks each event the way
it was written (the setting `events_hash_v2_after` says where the new format starts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    Executable,
    Insert,
    Row,
    Select,
    TextClause,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.util import find_tables

from correspondence.db.models import Event, Setting, now_utc
from correspondence.db.session import READ_ONLY, literal_sql
from correspondence.services.actors import Actor

V2_MARKER = "events_hash_v2_after"
# Filled in by the server on PostgreSQL; reloaded from the row when read.
SERVER_STAMPED = ("id", "at", "user_id", "username", "prev_hash", "hash")
# What the hash is checked over: an ORM event, a plain namespace, or a row read in bulk.
EventFields = Event | SimpleNamespace | Row[Any]


def _digest_v1(prev_hash: str, ev: EventFields) -> str:
    """The format before migration 0008 (no ids, no user id): kept to verify old events."""
    payload = json.dumps(
        [
            prev_hash,
            ev.at.isoformat(timespec="microseconds"),
            ev.username,
            ev.entity,
            ev.entity_id,
            ev.case_id,
            ev.action,
            ev.field,
            ev.old_value,
            ev.new_value,
            ev.reason,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _field(value: object) -> str:
    if value is None:
        return "~"
    s = str(value)
    return f"{len(s)}:{s}"


def canonical_text(ev: Event | SimpleNamespace) -> str:
    """Every column but `hash`, as the PostgreSQL trigger of migration 0008 writes it."""
    at = ev.at.isoformat(sep=" ", timespec="microseconds") if ev.at is not None else None
    values = (
        ev.id, at, ev.user_id, ev.username, ev.on_behalf_of, ev.entity, ev.entity_id,
        ev.case_id, ev.action, ev.field, ev.old_value, ev.new_value, ev.reason, ev.prev_hash,
    )  # fmt: skip
    return "v2|" + "|".join(_field(v) for v in values)


def digest(ev: Event | SimpleNamespace) -> str:
    return hashlib.sha256(canonical_text(ev).encode()).hexdigest()


def _server_chains(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def record(
    session: Session,
    actor: Actor | None,
    entity: str,
    entity_id: int | None,
    action: str,
    *,
    case_id: int | None = None,
    field: str = "",
    old: object = "",
    new: object = "",
    reason: str = "",
    at: dt.datetime | None = None,
) -> Event:
    """Append one event, chained by hash to the one before it.

    `at` backdates the event (demo data and imports of old records only; on a server
    set up for a team the server's clock wins).
    """
    server = _server_chains(session)
    ev = Event(
        at=at or now_utc(),
        user_id=actor.user_id if actor else None,
        # With no actor the server names the login; on SQLite it is "system".
        username=actor.username if actor else ("" if server else "system"),
        on_behalf_of=actor.on_behalf_of if actor else "",
        entity=entity,
        entity_id=entity_id,
        case_id=case_id,
        action=action,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        reason=reason,
        prev_hash="",
        hash="",
    )
    if server and not session.in_nested_transaction():
        # Written last, all in one INSERT just before COMMIT (see write_pending): the
        # chain's lock, which the server's trigger takes at the first event, is then held
        # for that one statement and the commit, not for the rest of the unit of work.
        session.info.setdefault(PENDING, []).append(ev)
        return ev
    write_pending(session)
    if not server:
        # Written on the connection, not by a flush: what the caller changed is written
        # when the unit of work next flushes, once (a row changed in three steps gets one
        # UPDATE and one new version, as on PostgreSQL).
        connection = session.connection()
        row = connection.execute(
            select(Event.id, Event.hash).order_by(Event.id.desc()).limit(1)
        ).first()
        ev.id, ev.prev_hash = (row[0] + 1, row[1]) if row else (1, "")
        ev.hash = digest(ev)
        connection.execute(
            insert(Event.__table__).values({name: getattr(ev, name) for name in ("id", *_ROW)})
        )
        make_transient_to_detached(ev)
        session.add(ev)  # known to the session as the row just written
        return ev
    session.add(ev)
    session.flush()
    # The trigger changed them: read them back from the row when someone asks.
    session.expire(ev, [c for c in SERVER_STAMPED if c != "id"])
    return ev


# --- events written at commit (PostgreSQL) -----------------------------------------------

PENDING = "correspondence_pending_events"
_ROW = (
    "at", "user_id", "username", "on_behalf_of", "entity", "entity_id", "case_id", "action",
    "field", "old_value", "new_value", "reason", "prev_hash", "hash",
)  # fmt: skip


def write_pending(session: Session) -> None:
    """Insert the events this transaction recorded and has not written yet, in the order
    they were recorded (the server's trigger chains each row in turn), as one statement;
    each `record` caller's event then has its id, and reads the rest back when asked."""
    pending: list[Event] | None = session.info.pop(PENDING, None)
    if not pending:
        return
    _write_head(session)  # the new rows the events may name go first
    ids = session.scalars(
        insert(Event.__table__).returning(Event.id, sort_by_parameter_order=True),
        [{name: getattr(ev, name) for name in _ROW} for ev in pending],
    ).all()
    for ev, new_id in zip(pending, ids, strict=True):
        ev.id = new_id
        make_transient_to_detached(ev)
        session.add(ev)  # known to the session as the row just written; no second INSERT
        session.expire(ev, [c for c in SERVER_STAMPED if c != "id"])


# --- writes made at commit (PostgreSQL) --------------------------------------------------

TAIL = "correspondence_commit_tail"
HEAD = "correspondence_commit_head"


def at_commit(
    session: Session, statement: Executable, *, key: str | None = None, first: bool = False
) -> None:
    """Make `statement`, a write whose result nobody reads, just before this transaction
    commits: on PostgreSQL in the COMMIT's own message (no round trip of its own), at once on
    SQLite or inside a savepoint (which may be rolled back alone). A later statement that
    touches its tables (a read, a flush) has it written first. Statements given the same
    `key` are made once, the last one given.

    `first`: an INSERT of a new row (its key taken beforehand) that this transaction's
    events, or its other `at_commit` writes, may name: it is made before all of them."""
    if first and not isinstance(statement, Insert):
        raise TypeError(f"only an INSERT is made first, not {statement!r}")
    if not _server_chains(session) or session.in_nested_transaction():
        session.execute(statement)
        return
    if first:
        session.info.setdefault(HEAD, []).append(statement)
        return
    tail: dict[object, Executable] = session.info.setdefault(TAIL, {})
    tail[key if key is not None else object()] = statement


def _write_head(session: Session) -> None:
    for statement in session.info.pop(HEAD, None) or ():
        session.execute(statement)


def write_tail(session: Session) -> None:
    """Make the `at_commit` statements now, in the order given (the `first` ones first)."""
    _write_head(session)
    for statement in (session.info.pop(TAIL, None) or {}).values():
        session.execute(statement)


def _waiting(session: Session) -> bool:
    return bool(session.info.get(TAIL) or session.info.get(HEAD))


def _touches(statement: ClauseElement, tables: set[str]) -> bool:
    used = find_tables(statement, include_crud=True, include_joins=True)
    return any(getattr(t, "name", "") in tables for t in used)


def _tail_tables(session: Session) -> set[str]:
    statements = [*(session.info.get(HEAD) or ()), *(session.info.get(TAIL) or {}).values()]
    return {
        t.name
        for statement in statements
        if isinstance(statement, ClauseElement)
        for t in find_tables(statement, include_crud=True, include_joins=True)
    }


@event.listens_for(Session, "before_commit")
def _write_at_commit(session: Session) -> None:
    if not session.info.get(PENDING) and not _waiting(session):
        return
    session.flush()  # the rows the events speak of go first
    if session.in_nested_transaction():  # a savepoint ends, not the transaction
        write_pending(session)
        return
    _commit_in_one_message(session)


# A click records a few events; a unit of work recording more (bulk work) writes them with
# the usual batched INSERT rather than as one very long text.
_EVENTS_IN_ONE_MESSAGE = 500


def _commit_in_one_message(session: Session) -> None:
    """PostgreSQL: the events recorded, the `at_commit` writes and COMMIT, in one message.
    The chain's lock (taken by the events' trigger) is held for that message alone. If any
    of it fails the server runs nothing after it, the transaction rolls back, and the error
    reaches the caller as from any other statement."""
    if len(session.info.get(PENDING) or ()) > _EVENTS_IN_ONE_MESSAGE:
        write_pending(session)  # bulk work: its own batched INSERT, then the rest
    pending: list[Event] = session.info.pop(PENDING, None) or []
    head: list[Executable] = session.info.pop(HEAD, None) or []
    tail = session.info.pop(TAIL, None) or {}
    connection = session.connection()
    parts = []
    if pending:
        rows = [{name: getattr(ev, name) for name in _ROW} for ev in pending]
        events_insert = insert(Event.__table__).values(rows).returning(Event.id)
        # The new rows the events name, as WITHs of their INSERT: its answer stays the
        # message's first (the ids read below), and the foreign keys are checked at the
        # statement's end, when those rows are there.
        for i, statement in enumerate(head, start=1):
            assert isinstance(statement, Insert)
            events_insert = events_insert.add_cte(statement.cte(f"made_first_{i}"))
        parts.append(literal_sql(connection, events_insert))
    else:
        parts += [literal_sql(connection, statement) for statement in head]
    parts += [literal_sql(connection, statement) for statement in tail.values()]
    parts.append("COMMIT")
    result = connection.exec_driver_sql(
        ";\n".join(parts), execution_options={"no_parameters": True}
    )
    # The rows are numbered as the server inserted them, in the order given.
    ids = sorted(result.scalars().all()) if pending else []
    for ev, new_id in zip(pending, ids, strict=True):
        ev.id = new_id
        make_transient_to_detached(ev)
        session.add(ev)  # known to the session as the row just written
        session.expire(ev, [c for c in SERVER_STAMPED if c != "id"])


LOCKED = "correspondence_written_with_commit"


def write_with_commit(session: Session, row: object) -> None:
    """`row` (a versioned row) was read FOR UPDATE in this transaction and its version
    checked: nobody can change it before the commit, so its UPDATE needs no answer from the
    server and goes in the COMMIT's message (PostgreSQL), version and all. On SQLite, or
    inside a savepoint, the flush writes it as usual."""
    if _server_chains(session) and not session.in_nested_transaction():
        held: list[object] = session.info.setdefault(LOCKED, [])
        if not any(r is row for r in held):
            held.append(row)


def _write_locked_rows_at_commit(session: Session) -> None:
    """The changes of each `write_with_commit` row, made one UPDATE for the COMMIT's message
    (the version bumped and checked as the flush would); the row is then clean."""
    for row in session.info.get(LOCKED) or ():
        if row not in session.dirty or not session.is_modified(row, include_collections=False):
            continue
        state = inspect(row)
        mapper = state.mapper
        version_column = mapper.version_id_col
        assert version_column is not None and state.identity is not None
        version_key = mapper.get_property_by_column(version_column).key
        changed = {
            attr.key: history.added[0]
            for attr in mapper.column_attrs
            if (history := state.attrs[attr.key].history).added
        }
        version, now = getattr(row, version_key), now_utc()
        changed[version_key] = version + 1
        if "updated_at" in mapper.columns:
            changed["updated_at"] = now
        keys = [c == v for c, v in zip(mapper.primary_key, state.identity, strict=True)]
        at_commit(
            session,
            update(mapper.local_table)
            .where(*keys, version_column == version)
            .values({mapper.columns[key].name: value for key, value in changed.items()}),
        )
        for key, value in changed.items():
            set_committed_value(row, key, value)


@event.listens_for(Session, "before_flush")
def _write_tail_before_flush(session: Session, _context: object, _instances: object) -> None:
    """A flush that writes a table an `at_commit` statement writes goes after it."""
    if session.info.get(LOCKED):
        _write_locked_rows_at_commit(session)
    if session.info.get(HEAD):  # the rows written now may name the new ones
        _write_head(session)
    if not _waiting(session):
        return
    tables = _tail_tables(session)
    dirty = [o for o in session.dirty if session.is_modified(o)]  # clean ones write nothing
    for obj in [*session.new, *dirty, *session.deleted]:
        state = inspect(obj)
        mapper = state.mapper
        touched = {t.name for t in mapper.tables}
        for rel in mapper.relationships:
            if rel.secondary is not None and (
                obj in session.deleted or state.attrs[rel.key].history.has_changes()
            ):
                touched |= {t.name for t in find_tables(rel.secondary)}
        if touched & tables:
            write_tail(session)
            return


@event.listens_for(Session, "after_transaction_end")
def _forget_unwritten(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (written above) or rolled back: gone
        session.info.pop(PENDING, None)
        session.info.pop(TAIL, None)
        session.info.pop(HEAD, None)
        session.info.pop(LOCKED, None)


@event.listens_for(Session, "do_orm_execute")
def _write_before_reading_events(state: ORMExecuteState) -> None:
    """Whoever reads the event log inside the transaction sees what it recorded; whoever
    reads or writes a table an `at_commit` statement writes sees it made."""
    statement = state.statement
    session = state.session
    if session.info.get(HEAD) and (
        not isinstance(statement, Select)
        or _touches(statement, {s.table.name for s in session.info[HEAD]})
    ):
        # A write may name the new rows (a foreign key), a read may look for them.
        _write_head(session)
    if _waiting(session):
        if not isinstance(statement, ClauseElement) or isinstance(statement, TextClause):
            write_tail(session)
        else:
            used = {
                getattr(t, "name", "")
                for t in find_tables(statement, include_crud=True, include_joins=True)
            }
            if used & _tail_tables(session):
                write_tail(session)
    if not session.info.get(PENDING):
        return
    if not isinstance(statement, ClauseElement) or any(
        getattr(t, "name", "") == Event.__tablename__
        for t in find_tables(statement, include_crud=True, include_joins=True)
    ):
        write_pending(session)


def _chain_end(session: Session) -> tuple[int, str]:
    """The next id and the newest event's hash (SQLite: the caller holds the write lock)."""
    row = session.execute(select(Event.id, Event.hash).order_by(Event.id.desc()).limit(1)).first()
    return (row[0] + 1, row[1]) if row else (1, "")


def record_few(session: Session, actor: Actor | None, rows: Iterable[Mapping[str, Any]]) -> int:
    """A click's few events (rows as for `record_many`): on PostgreSQL written with the
    COMMIT like `record`'s (no round trip of their own), on SQLite by `record_many`."""
    if not _server_chains(session) or session.in_nested_transaction():
        return record_many(session, actor, rows)
    count = 0
    for row in rows:
        given = dict(row)
        record(
            session,
            actor,
            given.pop("entity"),
            given.pop("entity_id", None),
            given.pop("action"),
            case_id=given.pop("case_id", None),
            field=given.pop("field", ""),
            old=given.pop("old_value", ""),
            new=given.pop("new_value", ""),
            reason=given.pop("reason", ""),
        )
        count += 1
    return count


def record_many(session: Session, actor: Actor | None, rows: Iterable[Mapping[str, Any]]) -> int:
    """Append many events in one INSERT, chained exactly as `record` chains them.

    Each row names `entity` and `action`, and may give `entity_id`, `case_id`, `field`,
    `old_value`, `new_value` and `reason`. For bulk work (imports, campaign dispatch), where
    one `record` call per event would cost about a millisecond each.
    """
    server = _server_chains(session)
    write_pending(session)  # in the order recorded
    user_id = actor.user_id if actor else None
    username = actor.username if actor else ("" if server else "system")
    on_behalf_of = actor.on_behalf_of if actor else ""
    # The digest's text (canonical_text) written out per row, its actor's part once:
    # ~2 µs a row instead of ~10 through a namespace (31,000 events an import of 10,000).
    who = f"{_field(user_id)}|{_field(username)}|{_field(on_behalf_of)}"
    if not server and not session.info.get(TAIL) and not session.info.get(READ_ONLY):
        # Nothing to write first, and a session that may write: the quick way (the same rows).
        return _record_many_sqlite(session, who, (user_id, username, on_behalf_of), rows)
    nxt: tuple[int, str] | None = None
    out: list[dict[str, Any]] = []
    for given in rows:
        row: dict[str, Any] = {
            "entity_id": None, "case_id": None, "field": "", "old_value": "",
            "new_value": "", "reason": "", **given,
            "at": now_utc(),
            "user_id": user_id,
            "username": username,
            "on_behalf_of": on_behalf_of,
            "prev_hash": "",
            "hash": "",
        }  # fmt: skip
        if not server:
            if nxt is None:
                nxt = _chain_end(session)
            new_id, prev = nxt
            row["id"], row["prev_hash"] = new_id, prev
            at = _field(row["at"].isoformat(sep=" ", timespec="microseconds"))
            canonical = (
                f"v2|{_field(new_id)}|{at}|{who}|{_field(row['entity'])}|"
                f"{_field(row['entity_id'])}|{_field(row['case_id'])}|{_field(row['action'])}|"
                f"{_field(row['field'])}|{_field(row['old_value'])}|"
                f"{_field(row['new_value'])}|{_field(row['reason'])}|{_field(prev)}"
            )
            row["hash"] = hashlib.sha256(canonical.encode()).hexdigest()
            nxt = (new_id + 1, row["hash"])
        out.append(row)
    if out:
        session.execute(insert(Event.__table__), out)
    return len(out)


_ROW_DEFAULTS: dict[str, Any] = {
    "entity_id": None, "case_id": None, "field": "", "old_value": "", "new_value": "", "reason": "",
}  # fmt: skip
_SQLITE_INSERT = (
    "INSERT INTO events (id, at, user_id, username, on_behalf_of, entity, entity_id, case_id, "
    "action, field, old_value, new_value, reason, prev_hash, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _record_many_sqlite(
    session: Session, who: str, actor: tuple[Any, ...], rows: Iterable[Mapping[str, Any]]
) -> int:
    """record_many on SQLite: the chain worked out here, the rows sent as prepared tuples
    (SQLAlchemy's per-row parameter handling cost as much as the hashing). `at` is written
    as SQLAlchemy writes a DateTime on SQLite, which is also how the digest spells it."""
    nxt: tuple[int, str] | None = None
    out: list[tuple[Any, ...]] = []
    for given in rows:
        row = {**_ROW_DEFAULTS, **given}
        if nxt is None:
            nxt = _chain_end(session)
        new_id, prev = nxt
        at = now_utc().isoformat(sep=" ", timespec="microseconds")
        entity, entity_id, case_id = row["entity"], row["entity_id"], row["case_id"]
        action, field_, old, new, reason = (
            row["action"], row["field"], row["old_value"], row["new_value"], row["reason"]
        )  # fmt: skip
        canonical = (
            f"v2|{_field(new_id)}|{_field(at)}|{who}|{_field(entity)}|"
            f"{_field(entity_id)}|{_field(case_id)}|{_field(action)}|"
            f"{_field(field_)}|{_field(old)}|"
            f"{_field(new)}|{_field(reason)}|{_field(prev)}"
        )
        digest_ = hashlib.sha256(canonical.encode()).hexdigest()
        out.append(
            (new_id, at, *actor, entity, entity_id, case_id, action, field_, old, new, reason,
             prev, digest_)
        )  # fmt: skip
        nxt = (new_id + 1, digest_)
    if out:
        session.connection().exec_driver_sql(_SQLITE_INSERT, out)
    return len(out)


# --- checking the chain -----------------------------------------------------------------


def v2_after(session: Session) -> int:
    """The newest id written in the old format (0 on a database made since 0008)."""
    value = session.scalar(select(Setting.value).where(Setting.key == V2_MARKER))
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def expected_hash(ev: EventFields, prev: str, old_format_until: int) -> str:
    if ev.id <= old_format_until:
        return _digest_v1(prev, ev)
    return digest(SimpleNamespace(**{**_columns(ev), "prev_hash": prev}))


def _columns(ev: EventFields) -> dict[str, Any]:
    names = (
        "id", "at", "user_id", "username", "on_behalf_of", "entity", "entity_id", "case_id",
        "action", "field", "old_value", "new_value", "reason", "prev_hash",
    )  # fmt: skip
    return {n: getattr(ev, n) for n in names}


def walk(session: Session) -> Iterator[Event]:
    yield from session.scalars(select(Event).order_by(Event.id)).yield_per(2000)


def verify_chain(session: Session) -> int | None:
    """The id of the first event whose hash does not match, or None if intact."""
    old_until = v2_after(session)
    prev = ""
    for ev in walk(session):
        if ev.prev_hash != prev or ev.hash != expected_hash(ev, prev, old_until):
            return ev.id
        prev = ev.hash
    return None


@dataclass(frozen=True)
class Head:
    """The newest event as a reader saw it: enough to notice a cut or rewritten tail later."""

    events: int
    newest_id: int | None
    hash: str
    at: dt.datetime | None

    def short(self) -> str:
        if self.newest_id is None:
            return "event log empty"
        return f"event log head #{self.newest_id} {self.hash[:16]} ({self.events} events)"


def head(session: Session) -> Head:
    count = session.scalar(select(func.count(Event.id))) or 0
    row = session.execute(
        select(Event.id, Event.hash, Event.at).order_by(Event.id.desc()).limit(1)
    ).first()
    if row is None:
        return Head(0, None, "", None)
    return Head(count, row[0], row[1], row[2])


def lock_for_append(session: Session) -> None:
    """Hold the chain lock (PostgreSQL) so nothing is appended until this transaction ends."""
    if _server_chains(session):
        session.execute(text("SELECT pg_advisory_xact_lock(724001)"))
