"""Events appended in bulk (`events.record_many`) chain exactly as one by one.

On SQLite the importer computes each hash itself, from a canonical text written out per
row for speed: it must be the very text `events.canonical_text` gives (the one the
PostgreSQL trigger writes), so the chain verifies, whatever the values hold.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Event
from correspondence.services import events
from correspondence.services.actors import Actor, actor_for
from tests.factories import desk_for, log_letter, member_of_public

ROWS: list[dict[str, Any]] = [
    {"entity": "case", "entity_id": 1, "case_id": 0, "action": "logged", "new_value": "2009/1"},
    {"entity": "case", "entity_id": None, "action": "document added", "new_value": "café.eml"},
    {"entity": "case", "entity_id": 7, "case_id": None, "action": "a|b", "field": "x~y",
     "old_value": "", "new_value": "12:34|~", "reason": "ünïcode — and 𝄞"},
    {"entity": "campaign", "entity_id": 1234567, "action": "joined", "new_value": 5},
    {"entity": "", "action": ""},
]  # fmt: skip


def _recorded(db: Database, actor: Actor | None, case_id: int) -> list[Event]:
    rows = [{**ROWS[0], "case_id": case_id}, *ROWS[1:]]
    with db.session_factory() as s, s.begin():
        assert events.record_many(s, actor, rows) == len(ROWS)
    with db.session_factory() as s:
        assert events.verify_chain(s) is None
        got = list(s.scalars(select(Event).order_by(Event.id.desc()).limit(len(ROWS))))
        s.expunge_all()
    return got[::-1]


def test_bulk_events_carry_the_canonical_hash_and_the_chain_verifies(db: Database) -> None:
    desk = desk_for(db, "a.okoro")
    ref = log_letter(desk, received_on=dt.date(2026, 11, 23), correspondent=member_of_public())
    case_id = desk.find_reference(ref)
    with db.session_factory() as s, s.begin():
        officer = dataclasses.replace(actor_for(s, "a.okoro"), on_behalf_of="b.smith")
    for actor in (officer, None):
        written = _recorded(db, actor, case_id)
        assert [e.action for e in written] == [r["action"] for r in ROWS]
        assert written[3].new_value == "5"
        for ev in written:
            assert ev.hash == events.digest(ev)
            # And the text hashed is the canonical one, value by value.
            again = events.canonical_text(SimpleNamespace(**{**events._columns(ev)}))
            assert again == events.canonical_text(ev)
        if actor is not None:
            assert {(e.user_id, e.username, e.on_behalf_of) for e in written} == {
                (officer.user_id, "a.okoro", "b.smith")
            }
