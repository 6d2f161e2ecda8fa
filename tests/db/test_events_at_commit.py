"""On PostgreSQL a unit of work's events are written last, in one INSERT just before COMMIT.

The server's trigger takes the event chain's lock at a transaction's first event and holds
it to the end: every other writer in the office waits for it. Written last, the lock is
held for that one statement and the commit, not for the whole unit of work.
"""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Event
from correspondence.services import events
from correspondence.services.actors import actor_for
from correspondence.services.unit_of_work import acting_as
from tests import pg

CHAIN_LOCK = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 724001"


@pytest.fixture
def server(db: Database, request: pytest.FixtureRequest) -> tuple[Database, pg.PgServer]:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes its write lock at BEGIN: there is no chain lock to shorten")
    return db, request.getfixturevalue("pg_server")


def _look(server: pg.PgServer, db: Database, query: str) -> int:
    """Asked from another connection, as a colleague's desk would see it."""
    with psycopg.connect(server.url(db.engine.url.database or ""), autocommit=True) as conn:
        row = conn.execute(query).fetchone()
        return int(row[0]) if row else 0


def test_events_wait_for_the_commit_and_keep_the_chain_whole(
    server: tuple[Database, pg.PgServer],
) -> None:
    db, pg_server = server
    uow = acting_as(db.session_factory, "a.okoro")
    before = _look(pg_server, db, "SELECT count(*) FROM events")
    with uow.begin() as write:
        events.record(write.session, write.actor, "case", None, "note", new="first")
        events.record(write.session, write.actor, "case", None, "note", new="second")
        # Mid-way: nothing written yet, and nobody waits on the chain for this unit.
        assert _look(pg_server, db, "SELECT count(*) FROM events") == before
        assert _look(pg_server, db, CHAIN_LOCK) == 0
    assert _look(pg_server, db, "SELECT count(*) FROM events") == before + 2
    with db.session_factory() as s:
        newest = s.scalars(select(Event).order_by(Event.id.desc()).limit(2)).all()
        assert [e.new_value for e in reversed(newest)] == ["first", "second"]
        assert [e.username for e in newest] == ["a.okoro", "a.okoro"]
        assert events.verify_chain(s) is None


def test_reading_the_log_inside_the_unit_sees_what_it_recorded(
    server: tuple[Database, pg.PgServer],
) -> None:
    db, _ = server
    with db.session_factory.begin() as s:
        ev = events.record(s, actor_for(s, "a.okoro"), "case", None, "note", new="seen")
        found = s.scalars(select(Event).where(Event.new_value == "seen")).all()
        assert [e.id for e in found] == [ev.id] and ev.id is not None
        assert len(ev.hash) == 64  # stamped by the server, read back when asked


def test_a_unit_that_fails_writes_none_of_its_events(
    server: tuple[Database, pg.PgServer],
) -> None:
    db, pg_server = server
    uow = acting_as(db.session_factory, "a.okoro")
    before = _look(pg_server, db, "SELECT count(*) FROM events")
    with pytest.raises(RuntimeError), uow.begin() as write:
        events.record(write.session, write.actor, "case", None, "note", new="never")
        raise RuntimeError("the rest of the work failed")
    with uow.begin() as write:  # the next unit on the same desk does not carry them along
        events.record(write.session, write.actor, "case", None, "note", new="kept")
    assert _look(pg_server, db, "SELECT count(*) FROM events") == before + 1
    assert _look(pg_server, db, "SELECT count(*) FROM events WHERE new_value = 'never'") == 0
