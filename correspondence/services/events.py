"""The append-only event log: every state change is written here."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from correspondence.db.models import Event, now_utc
from correspondence.services.actors import Actor


def _digest(prev_hash: str, ev: Event | SimpleNamespace) -> str:
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

    `at` backdates the event (demo data and imports of old records only).
    """
    prev = _chain_end(session)
    ev = Event(
        at=at or now_utc(),
        user_id=actor.user_id if actor else None,
        username=actor.username if actor else "system",
        on_behalf_of=actor.on_behalf_of if actor else "",
        entity=entity,
        entity_id=entity_id,
        case_id=case_id,
        action=action,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        reason=reason,
        prev_hash=prev,
    )
    ev.hash = _digest(prev, ev)
    session.add(ev)
    session.flush()
    return ev


def _chain_end(session: Session) -> str:
    """The newest event's hash, with appends serialised until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        # Two writers must never chain to the same predecessor.
        session.execute(text("SELECT pg_advisory_xact_lock(724001)"))
    return session.scalar(select(Event.hash).order_by(Event.id.desc()).limit(1)) or ""


def record_many(session: Session, actor: Actor | None, rows: Iterable[Mapping[str, Any]]) -> int:
    """Append many events in one INSERT, chained exactly as `record` chains them.

    Each row names `entity` and `action`, and may give `entity_id`, `case_id`, `field`,
    `old_value`, `new_value` and `reason`. For bulk work (imports, campaign dispatch), where
    one `record` call per event would cost about a millisecond each.
    """
    prev: str | None = None
    out: list[dict[str, Any]] = []
    for given in rows:
        if prev is None:
            prev = _chain_end(session)
        row: dict[str, Any] = {
            "entity_id": None, "case_id": None, "field": "", "old_value": "",
            "new_value": "", "reason": "", **given,
            "at": now_utc(),
            "user_id": actor.user_id if actor else None,
            "username": actor.username if actor else "system",
            "on_behalf_of": actor.on_behalf_of if actor else "",
            "prev_hash": prev,
        }  # fmt: skip
        # A plain namespace carries what the digest reads, far cheaper than an ORM Event.
        prev = row["hash"] = _digest(prev, SimpleNamespace(**row))
        out.append(row)
    if out:
        session.execute(insert(Event.__table__), out)
    return len(out)


def verify_chain(session: Session) -> int | None:
    """The id of the first event whose hash does not match, or None if intact."""
    prev = ""
    for ev in session.scalars(select(Event).order_by(Event.id)).yield_per(2000):
        if ev.prev_hash != prev or ev.hash != _digest(prev, ev):
            return ev.id
        prev = ev.hash
    return None
