"""Migration 0015: `case_search_words()` skips the accent table for ASCII text, same words.

The search documents of every case are built from this function, so its output must not
change by a single character: it is compared with the 0002 definition, created here
under another name, over text of every kind a letter holds.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
from pathlib import Path
from types import ModuleType

import pytest
from alembic import command
from sqlalchemy import Engine, text

from correspondence.database import Database, open_database
from correspondence.db import migrate
from correspondence.db.session import make_engine
from correspondence.services.cases.case_list import CaseFilter
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import UnitOfWorkFactory
from tests import pg, team_server
from tests.conftest import DEMO_TODAY
from tests.factories import desk_for, log_letter, member_of_public
from tests.team_server import Team_

team_template, team = team_server.team_template, team_server.team
VERSIONS = Path(migrate.__file__).parent / "migrations" / "versions"
TODAY = dt.date(2026, 11, 23)


def _migration(filename: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(filename, VERSIONS / filename)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _old_definition(name: str) -> str:
    """0002's own CREATE FUNCTION for case_search_words, renamed."""
    created = _migration("0002_full_text_search.py").PG_FUNCTIONS[0]
    assert "FUNCTION case_search_words(t text)" in created
    return created.replace("FUNCTION case_search_words(", f"FUNCTION {name}(")


def _corpus() -> list[str | None]:
    m2 = _migration("0002_full_text_search.py")
    fixed: list[str | None] = [
        None,
        "",
        " ",
        "Dear Minister, I write about the children's school transport.",
        "2009/0007948POSoS 0007948 7948 POSoS",
        "0123456789 12,500 3.14 1st 2nd",
        "Ms Siân Llŷr-Hughes, Gwenllïan ap Dafydd, Ŵyn Ffransis",
        "Hélène Lefèvre-Château, François Œuvre, Zoë naïve café crème brûlée",
        "Jürgen Müßig-Straße, Ärzte ÖKO Übermut",
        "İSTANBUL ılık Işık",  # dotted and dotless i, both cases
        "Łódź, Dvořák, Ștefan Țuțea, Ærø, Đorđe, Ħamrun",
        "Nguyễn Thị Minh Khai; Ωμέγα Ψ; Москва; 東京都; مرحبا",
        "the children’s bus – £200 “late” again… €300 ½ ™ ©",  # punctuation only outside ASCII
        "tab\there\nnew line\r\nand\u00a0no-break\u2009thin space",
        "e\u0301 combining acute, ﬁne ligature, ＦＵＬＬ width, 👍 emoji",
        m2.PG_ACCENTED,
        m2.PG_ACCENTED.upper(),
        m2.PG_PLAIN,
        "".join(chr(c) for c in range(1, 0x250)),
        "A" * 100_000 + " é " + "b" * 100_000,
        "I write about the review of smacking. " * 5_000,
        ("Mae’r plant yn haeddu gwell. " * 2_000) + "Siân",
    ]
    # Random text drawn from ASCII, accented letters, punctuation and other scripts.
    alphabet = (
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?/-'\"()\n"
        + m2.PG_ACCENTED
        + m2.PG_ACCENTED.upper()
        + "’“”–—£€½ßŒœÆæÞþΩЖ東👍\u0301\u00a0"
    )
    rng = random.Random(2009)
    drawn: list[str | None] = []
    for i in range(600):
        letters = alphabet if i % 2 else alphabet[:78]  # half of them plain ASCII
        drawn.append("".join(rng.choice(letters) for _ in range(rng.randint(0, 400))))
    return fixed + drawn


def _function(engine: Engine) -> tuple[str, str, str, str, str, str | None]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT p.prosrc, l.lanname, p.provolatile, p.proparallel, "
                "pg_get_userbyid(p.proowner), p.proacl::text "
                "FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
                "WHERE p.proname = 'case_search_words'"
            )
        ).one()
    return (row[0], row[1], row[2], row[3], row[4], row[5])


@pytest.mark.postgres
def test_the_new_words_are_the_0002_words_for_every_kind_of_text(pg_database: str) -> None:
    engine = make_engine(pg_database)
    try:
        with engine.begin() as conn:
            conn.execute(text(_old_definition("words_0002")))
            conn.execute(text("CREATE TEMP TABLE corpus (n integer, t text)"))
            conn.execute(
                text("INSERT INTO corpus VALUES (:n, :t)"),
                [{"n": n, "t": t} for n, t in enumerate(_corpus())],
            )
            differ = conn.execute(
                text(
                    "SELECT n, words_0002(t), case_search_words(t) FROM corpus "
                    "WHERE case_search_words(t) IS DISTINCT FROM words_0002(t) ORDER BY n"
                )
            ).all()
            assert differ == []
            compared = conn.scalar(text("SELECT count(*) FROM corpus"))
            assert compared == len(_corpus())
            # Both ways through the function were taken: accents folded, ASCII as it was.
            words = conn.execute(
                text(
                    "SELECT case_search_words('Ms Siân LLŶR, Hélène!'), "
                    "case_search_words('Ref 2009/0007948POSoS: the children’s bus'), "
                    "case_search_words(NULL)"
                )
            ).one()
            assert tuple(words) == (
                "ms sian llyr helene ",
                "ref 2009 0007948posos the children s bus",
                "",
            )
            kind = _function(engine)
            assert kind[1:4] == ("plpgsql", "i", "s")  # immutable, parallel safe
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_0015_downgrades_to_the_0002_definition_and_upgrades_again(
    pg_server: pg.PgServer,
) -> None:
    name = pg_server.create_database(pg_server.new_name("m15"))
    engine = make_engine(pg_server.url(name))
    try:
        migrate.upgrade(engine, "0014")
        before = _function(engine)
        assert before[1] == "sql"
        migrate.upgrade(engine, "0015")
        assert migrate.current_revision(engine) == "0015"
        assert _function(engine)[1] == "plpgsql"
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0014")
        assert _function(engine) == before
        migrate.upgrade(engine)
        assert _function(engine)[1] == "plpgsql"
    finally:
        engine.dispose()
        pg_server.release(name)


def test_accented_names_are_found_typed_without_their_accents(db: Database) -> None:
    desk = desk_for(db, "a.okoro", TODAY)
    welsh = log_letter(
        desk,
        received_on=TODAY,
        correspondent=member_of_public("Siân", "Llŷr-Hughes"),
        letter_text="I write about the school bus. " * 200 + "Yours, Gwenllïan Öztürk",
    )
    plain = log_letter(
        desk,
        received_on=TODAY,
        correspondent=member_of_public("Sian", "Lloyd"),
        letter_text="The children’s bus to Wrenhollow is late — £200 a term.",
    )

    def found(words: str) -> set[str]:
        return {r.reference for r in desk.list_page(CaseFilter(search=words)).rows}

    assert found("sian") == {welsh, plain}
    assert found("Siân") == {welsh, plain}
    assert found("llyr") == {welsh}
    assert found("gwenllian ozturk") == {welsh}
    assert found("wrenhollow") == {plain}
    assert found("children") == {plain}


@pytest.mark.postgres
def test_the_owner_and_grants_survive_and_an_officer_still_indexes_letters(
    team: Team_,
) -> None:
    engine = make_engine(team.url())  # the database owner, who runs the migrations
    try:
        at_head = _function(engine)
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0014")
        assert _function(engine)[4:] == at_head[4:]
        migrate.upgrade(engine)
        assert _function(engine) == at_head
        assert at_head[4] == team_server.OWNER
    finally:
        engine.dispose()
    officer = open_database(team.url("t_officer"))
    try:
        desk = Desk(UnitOfWorkFactory.connect(officer.session_factory), clock=lambda: DEMO_TODAY)
        reference = log_letter(
            desk,
            received_on=DEMO_TODAY,
            correspondent=member_of_public("Dafydd", "Ŵynne-Pryś"),
            letter_text="About the ferry to Ynys Môn.",
        )
        rows = desk.list_page(CaseFilter(search="wynne prys mon")).rows
        assert [r.reference for r in rows] == [reference]
    finally:
        officer.close()
