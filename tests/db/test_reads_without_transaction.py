"""On PostgreSQL a read runs without a transaction (no BEGIN, no ROLLBACK: two round trips
fewer), so it must never write: with no transaction around it, a write would stay."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select, text

from correspondence.database import Database
from correspondence.db.models import User
from correspondence.db.session import ReadOnly
from correspondence.services.unit_of_work import acting_as


def test_a_read_has_no_transaction_and_refuses_to_write(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads keep their (deferred) transaction")
    uow = acting_as(db.session_factory, "a.okoro")
    with uow.read() as read:
        # now() is the transaction's start: it moves between statements only outside one.
        first = read.session.scalar(text("SELECT now()"))
        time.sleep(0.05)
        assert read.session.scalar(text("SELECT now()")) != first
        assert read.actor.username == "a.okoro"  # who is acting, loaded as in a write

        user = read.session.scalar(select(User).where(User.username == "a.okoro"))
        assert user is not None
        user.display_name = "Changed in a read"
        with pytest.raises(ReadOnly):
            read.session.flush()
        read.session.expunge(user)
    with uow.read() as read:
        assert read.actor.display_name != "Changed in a read"
