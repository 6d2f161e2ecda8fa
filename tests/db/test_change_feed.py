"""Other people's changes are noticed within seconds: LISTEN/NOTIFY on PostgreSQL,
`PRAGMA data_version` on SQLite. Both backends; writers are separate app instances."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import psycopg
import pytest
from sqlalchemy import make_url

from correspondence.database import Database, open_database
from correspondence.domain.salutations import CorrespondentKind
from correspondence.latency_proxy import LatencyProxy
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.cases.change_feed import CHANNEL, ChangeFeed
from correspondence.services.desk import Desk
from correspondence.services.errors import ServiceError
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 11, 23)


def new_case(desk: Desk) -> str:
    return desk.log_case(
        NewCase(
            received_on=TODAY,
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.PUBLIC, title="Ms", first_name="Ines", last_name="Varga"
            ),
            summary="Asks about foster care allowances",
        )
    )


class Seen:
    def __init__(self) -> None:
        self.sources: list[str] = []
        self.event = threading.Event()

    def __call__(self, source: str) -> None:
        self.sources.append(source)
        self.event.set()

    def wait_for(self, condition: Callable[[], bool], seconds: float = 2.0) -> bool:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True


def test_a_case_logged_by_another_instance_is_noticed_within_two_seconds(db: Database) -> None:
    seen = Seen()
    feed = ChangeFeed(db.engine, seen, poll_seconds=0.25).start()
    other = open_database(db.url)
    try:
        assert feed.running and not seen.event.wait(0.6), "nothing changed yet"
        started = time.monotonic()
        new_case(Desk(acting_as(other.session_factory, "officer.ben")))
        assert seen.event.wait(2.0), "the change was not noticed within 2 s"
        assert time.monotonic() - started < 2.0
        if db.engine.dialect.name == "postgresql":
            assert "cases" in seen.sources
    finally:
        feed.stop()
        other.close()
    assert not feed.running


def test_stop_ends_the_thread_and_no_more_calls_arrive(db: Database) -> None:
    seen = Seen()
    feed = ChangeFeed(db.engine, seen, poll_seconds=0.25).start()
    feed.stop()
    assert not feed.running
    new_case(Desk(acting_as(db.session_factory, "officer.ben")))
    assert not seen.event.wait(0.8)


@pytest.mark.postgres
def test_any_writer_notifies_even_plain_sql(pg_database: str) -> None:
    """The trigger (migration 0005) fires for writers that are not this app."""
    database = open_database(pg_database)
    seen = Seen()
    feed = ChangeFeed(database.engine, seen).start()
    try:
        conninfo = database.engine.url.set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("UPDATE cases SET summary = summary || '' WHERE false")
            conn.execute("UPDATE correspondents SET phone = phone WHERE id < 0")
        # Each statement notifies separately; the two may arrive in separate wake-ups.
        assert seen.wait_for(lambda: {"cases", "correspondents"} <= set(seen.sources))
        assert set(seen.sources) == {"cases", "correspondents"}
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"NOTIFY {CHANNEL}, 'drafts'")
        assert seen.wait_for(lambda: "drafts" in seen.sources)
    finally:
        feed.stop()
        database.close()


def test_a_failing_receiver_does_not_stop_the_feed(db: Database) -> None:
    calls: list[str] = []
    got_two = threading.Event()

    def receiver(source: str) -> None:
        calls.append(source)
        if len(calls) >= 2:
            got_two.set()
        raise ServiceError("the window went away")

    feed = ChangeFeed(db.engine, receiver, poll_seconds=0.2).start()
    try:
        desk = Desk(acting_as(db.session_factory, "officer.ben"))
        new_case(desk)
        deadline = time.monotonic() + 3
        while len(calls) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        new_case(desk)
        assert got_two.wait(3.0)
        assert feed.running
    finally:
        feed.stop()


@pytest.mark.postgres
def test_a_change_made_while_a_distant_feed_connects_is_announced(pg_database: str) -> None:
    """The window does not wait for the feed (a distant server's LISTEN takes several round
    trips); a colleague's letter logged meanwhile is still announced once the feed watches."""
    url = make_url(pg_database)
    proxy = LatencyProxy(url.host or "127.0.0.1", url.port or 5432, delay_s=0.15).start()
    distant = open_database(url.set(port=proxy.port).render_as_string(hide_password=False))
    direct = open_database(pg_database)
    seen = Seen()
    feed = ChangeFeed(distant.engine, seen, poll_seconds=0.25)
    try:
        feed.start(wait=0)
        new_case(Desk(acting_as(direct.session_factory, "officer.ben")))  # before LISTEN
        assert seen.event.wait(5.0), "a change made before the feed watched was lost"
        assert seen.sources == [""]
    finally:
        feed.stop()
        distant.close()
        direct.close()
        proxy.close()


@pytest.mark.postgres
def test_a_change_made_while_the_feed_had_lost_its_connection_is_announced(
    pg_database: str,
) -> None:
    """As after a server restart or a network drop: the server ends the listening session,
    a colleague logs a letter before the feed is back, and the feed announces it."""
    database = open_database(pg_database)
    seen = Seen()
    feed = ChangeFeed(database.engine, seen, poll_seconds=0.2, retry_seconds=1.0).start()
    try:
        assert feed.running and not seen.event.wait(0.5)
        with database.engine.connect() as conn:
            ended = conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%%' AND datname = current_database()"
            ).all()
        assert ended, "the feed's listening session was not found"
        new_case(Desk(acting_as(database.session_factory, "officer.ben")))
        assert seen.event.wait(5.0), "a change made while the feed was away was lost"
        assert feed.running
    finally:
        feed.stop()
        database.close()
