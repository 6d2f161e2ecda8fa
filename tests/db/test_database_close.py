"""Closing a database leaves no connection open on the server, even one that a job on
another thread (the signed PDF made after a sign-off) holds at that moment or opens after.

Such a connection used to go back into the closed pool and stay open, idle, until the
garbage collector found it: a connection held on a shared server, and a ResourceWarning
("... was deleted while still open") that failed whichever later test was running."""

from __future__ import annotations

import gc
import threading
import warnings

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from correspondence.database import open_database
from tests import pg

pytestmark = pytest.mark.postgres


def test_a_connection_in_use_when_the_database_closes_is_closed_when_handed_back(
    pg_server: pg.PgServer, pg_database: str
) -> None:
    database = open_database(pg_database)
    in_use, closed, done = threading.Event(), threading.Event(), threading.Event()

    def job(factory: sessionmaker[Session]) -> None:
        # Like the signed PDF: reads, works for a while (LibreOffice), then writes.
        with factory.begin() as s:
            s.execute(text("SELECT 1"))
            in_use.set()
            closed.wait(30)
            s.execute(text("SELECT 2"))
        with factory.begin() as s:  # and one more after the close
            s.execute(text("SELECT 3"))
        done.set()

    gc.collect()  # earlier tests' garbage is theirs
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        worker = threading.Thread(target=job, args=(database.session_factory,))
        worker.start()
        assert in_use.wait(30)
        database.close()  # the window has gone; the job has not finished
        closed.set()
        worker.join(30)
        assert done.is_set()
        on_the_server = pg_server.sessions(pg_database.rsplit("/", 1)[1])
        del database, worker
        gc.collect()  # what the garbage collector would find later, found now
    left_open = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert on_the_server == 0
    assert left_open == []


def test_a_database_refused_on_opening_leaves_no_connection_behind(
    pg_server: pg.PgServer,
) -> None:
    name = pg_server.create_database(pg_server.new_name())  # empty: no schema yet
    url = pg_server.url(name)
    gc.collect()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(RuntimeError, match="upgrade it first"):
                open_database(url, upgrade=False)
            on_the_server = pg_server.sessions(name)
            gc.collect()
    finally:
        pg_server.release(name)
    left_open = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert on_the_server == 0
    assert left_open == []
