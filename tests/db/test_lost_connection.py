"""When the server restarts (or ends a session), the next click works as if nothing happened.

The pool no longer pings the server before each unit of work (a round trip each, 50 ms on
a distant link): a connection the server closed is noticed when it is taken from the pool,
and a read whose connection is lost under it runs its statement again, once.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from correspondence.database import Database, open_database
from correspondence.db.models import Case
from correspondence.domain.salutations import CorrespondentKind
from correspondence.services.cases.case_list import CaseFilter
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import acting_as
from tests import pg
from tests.conftest import DEMO_TODAY

NEW = NewCase(
    received_on=DEMO_TODAY - dt.timedelta(days=1),
    new_correspondent=NewCorrespondent(
        kind=CorrespondentKind.PUBLIC,
        title="Mr",
        first_name="Owen",
        last_name="Ferris",
        address="2 Mill Lane\nTownford",
        postcode="TF2 2BB",
    ),  # fmt: skip
    summary="Asks about school inspections",
)


@pytest.fixture
def server_db(pg_server: pg.PgServer, pg_database: str) -> Iterator[tuple[pg.PgServer, Database]]:
    db = open_database(pg_database)
    yield pg_server, db
    db.close()


def _end_sessions(server: pg.PgServer, db: Database) -> None:
    """What a server restart does to its clients: every session of the database ends."""
    name = db.engine.url.database
    server.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + 5
    while server.sessions(name) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_after_the_server_ends_every_session_the_next_read_and_write_just_work(
    server_db: tuple[pg.PgServer, Database],
) -> None:
    server, db = server_db
    desk = Desk(acting_as(db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    before = desk.counts(CaseFilter()).shown
    _end_sessions(server, db)

    assert desk.counts(CaseFilter()).shown == before  # a read, on a fresh connection
    _end_sessions(server, db)
    reference = desk.log_case(NEW)  # a write: nothing had been sent on the dead one
    assert desk.counts(CaseFilter()).shown == before + 1
    assert desk.detail(desk.find_reference(reference)).summary == NEW.summary


def test_a_read_whose_connection_is_lost_midway_asks_again_and_answers(
    server_db: tuple[pg.PgServer, Database],
) -> None:
    server, db = server_db
    uow = acting_as(db.session_factory, "a.okoro")
    Desk(uow, clock=lambda: DEMO_TODAY).log_case(NEW)
    with uow.read() as read:
        pid = read.session.scalar(text("SELECT pg_backend_pid()"))
        server.execute(f"SELECT pg_terminate_backend({pid})")
        time.sleep(0.2)  # the farewell reaches this side
        # The same unit of work goes on: its statement runs again on a new connection.
        assert read.session.scalar(select(func.count(Case.id))) == 1
        assert read.session.scalar(text("SELECT pg_backend_pid()")) != pid


def test_a_write_whose_connection_is_lost_midway_fails_and_commits_nothing(
    server_db: tuple[pg.PgServer, Database],
) -> None:
    server, db = server_db
    uow = acting_as(db.session_factory, "a.okoro")
    desk = Desk(uow, clock=lambda: DEMO_TODAY)
    with pytest.raises(Exception, match="terminat|closed|lost"):  # noqa: PT011 - the driver's
        with uow.begin() as write:
            write.session.execute(text("INSERT INTO settings (key, value) VALUES ('lost', 'x')"))
            # Sent: this unit of work cannot simply be run again.
            pid = write.session.scalar(text("SELECT pg_backend_pid()"))
            server.execute(f"SELECT pg_terminate_backend({pid})")
            time.sleep(0.2)
            write.session.scalar(select(func.count(Case.id)))
    with uow.read() as read:  # nothing was kept, and the desk goes on working
        assert read.session.scalar(text("SELECT count(*) FROM settings WHERE key = 'lost'")) == 0
    assert desk.counts(CaseFilter()).shown == 0
