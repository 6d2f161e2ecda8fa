"""Several reads asked together give exactly what each gives alone, and on PostgreSQL they
cross the link as one message."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from sqlalchemy import Select, delete, func, insert, literal, select, text, update
from sqlalchemy.exc import DataError, OperationalError

from correspondence.database import Database, open_database
from correspondence.db.batch_reads import read_together
from correspondence.db.models import Case, Setting, Theme
from correspondence.domain.states import CaseStatus
from correspondence.latency_proxy import LatencyProxy
from correspondence.services.unit_of_work import acting_as
from tests import pg
from tests.factories import desk_for, log_letter

AWKWARD = 'O\'Brien said "50%" \\ of the £ — %(x)s; DROP TABLE cases; --'


def _statements(case_ids: list[int]) -> list[Select[Any]]:
    return [
        select(Case.id, Case.reference, Case.received_on, Case.status, Case.logged_at)
        .where(Case.id.in_(case_ids))
        .order_by(Case.id),
        select(Setting.key, Setting.value).where(Setting.value == AWKWARD),
        select(Theme.code).where(Theme.code.in_([])),  # an empty IN list: no rows
        select(func.count(Theme.id), literal(AWKWARD), literal(dt.date(2009, 3, 2))),
        select(Case.id).where(Case.status == CaseStatus.LOGGED, Case.id.in_(case_ids)),
    ]


@pytest.fixture
def two_cases(db: Database) -> list[int]:
    desk = desk_for(db, "a.okoro", dt.date(2009, 3, 2))
    refs = [log_letter(desk, received_on=dt.date(2009, 3, d), summary="x") for d in (1, 2)]
    with db.session_factory.begin() as s:
        s.execute(insert(Setting).values(key="awkward", value=AWKWARD))
        return list(s.scalars(select(Case.id).where(Case.reference.in_(refs)).order_by(Case.id)))


def test_reads_asked_together_give_what_each_gives_alone(
    db: Database, two_cases: list[int]
) -> None:
    uow = acting_as(db.session_factory, "a.okoro")
    with uow.read() as u:
        alone = [[tuple(r) for r in u.session.execute(q)] for q in _statements(two_cases)]
    with uow.read() as u:
        together = read_together(u.session, _statements(two_cases))
    assert together == alone
    cases, settings, none, (counted,), logged = together
    assert [r[0] for r in cases] == two_cases
    assert isinstance(cases[0][3], CaseStatus) and isinstance(cases[0][2], dt.date)
    assert settings == [("awkward", AWKWARD)]
    assert none == []
    assert counted[1] == AWKWARD and counted[2] == dt.date(2009, 3, 2)
    assert len(logged) == 2
    with db.session_factory.begin() as s:  # nothing a value said was run as SQL
        assert (s.scalar(select(func.count(Case.id))) or 0) >= 2


def test_only_selects_are_read_together(db: Database) -> None:
    with acting_as(db.session_factory, "a.okoro").read() as u, pytest.raises(TypeError):
        read_together(u.session, [delete(Setting)])  # type: ignore[list-item]
    with acting_as(db.session_factory, "a.okoro").read() as u, pytest.raises(TypeError):
        read_together(u.session, [update(Setting).values(value="x")])  # type: ignore[list-item]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_on_postgresql_the_reads_cross_the_link_as_one_message(
    db_url: str, two_cases: list[int], pg_server: pg.PgServer
) -> None:
    name = db_url.rsplit("/", 1)[1]
    with LatencyProxy("127.0.0.1", pg_server.port, delay_s=0.002) as proxy:
        remote = open_database(f"postgresql://{pg.SUPERUSER}@127.0.0.1:{proxy.port}/{name}")
        try:
            uow = acting_as(remote.session_factory, "a.okoro")
            with uow.read() as u:
                u.session.execute(select(1))  # connected
                before = proxy.round_trips
                together = read_together(u.session, _statements(two_cases))
                assert proxy.round_trips - before == 1
            assert [r[0] for r in together[0]] == two_cases
        finally:
            remote.close()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_reads_whose_connection_is_lost_midway_are_asked_again(
    db: Database, two_cases: list[int], pg_server: pg.PgServer
) -> None:
    """As any read (tests/db/test_lost_connection.py): the server ended the session under
    the unit of work; the reads go again, once, on a fresh connection."""
    uow = acting_as(db.session_factory, "a.okoro")
    with uow.read() as u:
        pid = u.session.scalar(text("SELECT pg_backend_pid()"))
        pg_server.execute(f"SELECT pg_terminate_backend({pid})")
        time.sleep(0.2)  # the farewell reaches this side
        together = read_together(u.session, _statements(two_cases))
        assert [r[0] for r in together[0]] == two_cases
        assert u.session.scalar(text("SELECT pg_backend_pid()")) != pid


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_in_a_write_the_reads_see_its_own_changes_and_a_lost_connection_fails_it(
    db: Database, two_cases: list[int], pg_server: pg.PgServer
) -> None:
    uow = acting_as(db.session_factory, "a.okoro")
    with uow.begin() as w:
        w.session.add(Setting(key="pending", value=AWKWARD))  # not flushed yet
        (rows,) = read_together(w.session, [select(Setting.value).where(Setting.key == "pending")])
        assert rows == [(AWKWARD,)]
    # Raised as SQLAlchemy raises the driver's errors, as the window catches them.
    with pytest.raises(OperationalError, match="terminat|closed|lost"):
        with uow.begin() as w:
            w.session.execute(insert(Setting).values(key="lost", value="x"))
            pid = w.session.scalar(text("SELECT pg_backend_pid()"))
            pg_server.execute(f"SELECT pg_terminate_backend({pid})")
            time.sleep(0.2)
            read_together(w.session, _statements(two_cases))
    with uow.read() as u:
        assert u.session.scalar(select(Setting.value).where(Setting.key == "lost")) is None


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_read_the_server_refuses_is_an_error_and_the_next_read_works(db: Database) -> None:
    with acting_as(db.session_factory, "a.okoro").read() as u:
        refused = select(func.count(Setting.key)), select(literal(1) / literal(0))
        with pytest.raises(DataError, match="division by zero"):
            read_together(u.session, list(refused))
    with acting_as(db.session_factory, "a.okoro").read() as u:
        assert read_together(u.session, [select(literal(7))]) == [[(7,)]]


def test_each_read_gets_its_own_values_when_the_same_form_comes_again(
    db: Database, two_cases: list[int]
) -> None:
    """The SQL of a form of statement is made once: the next ones bring their own values,
    and IN lists of any length."""
    uow = acting_as(db.session_factory, "a.okoro")
    for wanted in ([two_cases[0]], two_cases, [], [two_cases[1], -1]):
        with uow.read() as u:
            rows, said = read_together(
                u.session,
                [
                    select(Case.id).where(Case.id.in_(wanted)).order_by(Case.id),
                    select(literal(f"{len(wanted)} asked")),
                ],
            )
        assert [r[0] for r in rows] == sorted(i for i in wanted if i > 0)
        assert said == [(f"{len(wanted)} asked",)]
