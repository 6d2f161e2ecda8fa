"""Checkpoints: a cut tail or a rewritten chain is caught; a restore is named as one.

The tampering is done as an attacker with full rights would: the append-only triggers
out of the way, the chain recomputed with the app's own digest.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import insert, text

from correspondence.database import Database, open_database
from correspondence.db import migrate
from correspondence.db.models import Event
from correspondence.db.session import make_engine
from correspondence.services import events
from correspondence.services.actors import actor_for
from correspondence.services.cases import history
from correspondence.services.errors import ValidationError
from correspondence.services.reports import audit
from tests import pg


def _events(db: Database, n: int, who: str = "a.okoro") -> None:
    with db.session_factory.begin() as s:
        actor = actor_for(s, who)
        for i in range(n):
            events.record(s, actor, "case", i, "note", new=f"note {i}")


def _tamper(db: Database, *statements: str, params: list[dict] | None = None) -> None:
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS events_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS events_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER USER")
        for i, st in enumerate(statements):
            conn.execute(text(st), (params or [{}] * len(statements))[i])
        if db.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER USER")


def _checkpoint(db: Database, tmp_path: Path) -> audit.Checkpoint:
    with db.session_factory() as s:
        cp = audit.take(s)
    return audit.read(audit.write(cp, tmp_path / "head.json"))


def _against(db: Database, cp: audit.Checkpoint) -> audit.Finding:
    with db.session_factory() as s:
        return audit.verify_against(s, cp)


def _recompute_from(db: Database, first: int) -> None:
    with db.session_factory() as s:
        old_until = events.v2_after(s)
        rows = [e for e in events.walk(s)]
    prev = next((e.hash for e in reversed(rows) if e.id < first), "")
    fixes = []
    for ev in rows:
        if ev.id < first:
            continue
        h = events.expected_hash(ev, prev, old_until)
        fixes.append({"p": prev, "h": h, "id": ev.id})
        prev = h
    _tamper(db, *["UPDATE events SET prev_hash = :p, hash = :h WHERE id = :id"] * len(fixes),
            params=fixes)  # fmt: skip


def test_an_untouched_log_holds_against_its_checkpoint(db: Database, tmp_path: Path) -> None:
    _events(db, 5)
    cp = _checkpoint(db, tmp_path)
    _events(db, 3)
    found = _against(db, cp)
    assert found.intact and not found.restored
    assert found.message.startswith(f"intact: {cp.events + 3} events; 3 added since")


def test_a_cut_tail_is_caught(db: Database, tmp_path: Path) -> None:
    _events(db, 60)
    cp = _checkpoint(db, tmp_path)
    _tamper(db, "DELETE FROM events WHERE id > (SELECT max(id) - 50 FROM events)")
    with db.session_factory() as s:
        assert history.verify_audit(s).intact  # the chain alone cannot see a cut tail
    found = _against(db, cp)
    assert not found.intact
    assert "events deleted from the tail" in found.message
    assert f"#{cp.newest_id}" in found.message


def test_a_rewritten_event_with_the_chain_recomputed_is_caught(
    db: Database, tmp_path: Path
) -> None:
    _events(db, 10)
    _events(db, 1, who="h.forsyth")
    cp = _checkpoint(db, tmp_path)
    with db.session_factory() as s:
        victim = s.scalar(text("SELECT max(id) - 4 FROM events"))
        other = s.scalar(text("SELECT user_id FROM events ORDER BY id DESC LIMIT 1"))
    _tamper(
        db, "UPDATE events SET user_id = :u WHERE id = :id", params=[{"u": other, "id": victim}]
    )
    with db.session_factory() as s:
        assert history.verify_audit(s).broken_at == victim  # the hash covers the user id
    _recompute_from(db, victim)
    with db.session_factory() as s:
        assert history.verify_audit(s).intact
    found = _against(db, cp)
    assert not found.intact
    assert "recomputed since the checkpoint" in found.message


def test_a_deleted_event_in_the_middle_with_the_chain_recomputed_is_caught(
    db: Database, tmp_path: Path
) -> None:
    _events(db, 10)
    cp = _checkpoint(db, tmp_path)
    with db.session_factory() as s:
        victim = s.scalar(text("SELECT max(id) - 3 FROM events"))
    _tamper(db, "DELETE FROM events WHERE id = :id", params=[{"id": victim}])
    _recompute_from(db, victim + 1)
    found = _against(db, cp)
    assert not found.intact and "recomputed" in found.message


def test_a_restore_from_an_older_backup_is_named_as_a_restore(db: Database, tmp_path: Path) -> None:
    _events(db, 4)
    with db.session_factory() as s:
        backup = events.head(s)
    _events(db, 6)
    cp = _checkpoint(db, tmp_path)
    # What the restore does, as its code records it: the newer events are gone, the
    # backup's log is back, and the restore itself is the next event.
    _tamper(db, "DELETE FROM events WHERE id > :n", params=[{"n": backup.newest_id}])
    with db.session_factory.begin() as s:
        events.record(
            s, actor_for(s, "a.okoro"), "database", None, "restored",
            new=json.dumps({"backup": "desk-20261204.db", "backup_events": backup.events,
                            "backup_head": backup.hash, "previous_file": "desk-before.db"}),
            reason="disk failure",
        )  # fmt: skip
    found = _against(db, cp)
    assert found.intact and found.restored
    assert "restored from backup desk-20261204.db" in found.message
    assert "desk-before.db" in found.message


def test_a_checkpoint_file_that_is_not_one_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text('{"format": "something else"}')
    with pytest.raises(ValidationError, match="notes.json"):
        audit.read(bad)
    bad.write_text("not json")
    with pytest.raises(ValidationError, match="cannot be read"):
        audit.read(bad)


def test_events_from_before_the_upgrade_keep_their_old_hash(tmp_path: Path) -> None:
    """A 0007 database's log, written with the old digest, verifies after the upgrade,
    and the events written since use the new one."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine, "0007")
    prev = ""
    with engine.begin() as conn:
        for i in range(3):
            ev = SimpleNamespace(
                at=dt.datetime(2026, 11, 1, 9, i), username="a.okoro", entity="case",
                entity_id=i, case_id=None, action="note", field="", old_value="",
                new_value=f"old {i}", reason="",
            )  # fmt: skip
            h = events._digest_v1(prev, ev)
            conn.execute(
                insert(Event.__table__).values(**vars(ev), on_behalf_of="", prev_hash=prev, hash=h)
            )
            prev = h
    engine.dispose()
    db = open_database(url)
    try:
        with db.session_factory() as s:
            assert events.v2_after(s) == 3
        _events(db, 2)
        with db.session_factory() as s:
            assert history.verify_audit(s).message == "intact: 5 events"
            ev = s.get(Event, 5)
            assert ev is not None and ev.hash == events.digest(ev)
    finally:
        db.close()


def test_the_server_and_the_app_hash_awkward_text_the_same_way(db: Database) -> None:
    """On PostgreSQL the trigger hashes, and the app verifies: they must agree exactly."""
    with db.session_factory.begin() as s:
        actor = actor_for(s, "a.okoro")
        events.record(s, actor, "case", None, "note", new="Ünïcødé 🙂\nline | 12:ab ~", old="")
        events.record(s, actor, "case", 7, "note", reason="‘quoted’ — dash\ttab", field="x|y")
    with db.session_factory() as s:
        assert history.verify_audit(s).intact
        newest = events.head(s)
        ev = s.get(Event, newest.newest_id)
        assert ev is not None and ev.hash == events.digest(ev)


@pytest.mark.postgres
def test_a_postgresql_log_from_before_the_upgrade_verifies_after_it(
    pg_server: pg.PgServer,
) -> None:
    name = pg_server.create_database(pg_server.new_name())
    url = pg_server.url(name)
    engine = make_engine(url)
    migrate.upgrade(engine, "0007")
    prev = ""
    with engine.begin() as conn:
        for i in range(3):
            ev = SimpleNamespace(
                at=dt.datetime(2026, 11, 1, 9, i), username="a.okoro", entity="case",
                entity_id=i, case_id=None, action="note", field="", old_value="",
                new_value=f"old {i}", reason="",
            )  # fmt: skip
            h = events._digest_v1(prev, ev)
            conn.execute(
                insert(Event.__table__).values(**vars(ev), on_behalf_of="", prev_hash=prev, hash=h)
            )
            prev = h
    engine.dispose()
    db = open_database(url)
    try:
        _events(db, 2)
        with db.session_factory() as s:
            assert history.verify_audit(s).message == "intact: 5 events"
            assert [e.id for e in events.walk(s)] == [1, 2, 3, 4, 5]
    finally:
        db.close()
        pg_server.release(name)
