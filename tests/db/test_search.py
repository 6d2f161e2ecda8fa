"""Full-text search finds letters by phrase, words, names and reference, whatever is typed."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text

from correspondence.database import Database, open_database
from correspondence.db import migrate
from correspondence.db.models import Case, Constituent, Correspondent
from correspondence.db.session import make_engine
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus
from correspondence.services.cases import search
from correspondence.services.cases.case_list import CaseFilter, SortKey
from correspondence.services.cases.cases import NewCase, NewConstituent, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 11, 23)
FIXTURES = Path(__file__).parent.parent / "fixtures" / "schemas"

MP_LETTER = (
    "I write on behalf of my constituents about the closure of the Ashby youth club. "
    "They ask whether the reasonable punishment of children is to be reviewed."
)
TRANSPORT_LETTER = "School transport costs for rural families have doubled since the spring."
CAFE_LETTER = (
    "Zoë wrote from the café about naïve plans for the crèche; terms and conditions apply."
)


@pytest.fixture
def desk(db: Database) -> Desk:
    return Desk(acting_as(db.session_factory, "tester"), clock=lambda: TODAY)


@pytest.fixture
def refs(desk: Desk) -> dict[str, str]:
    """Three letters: an MP with constituents, a member of the public, an organisation."""
    mp = desk.log_case(
        NewCase(
            received_on=dt.date(2026, 11, 2),
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.MP,
                first_name="Harriet",
                last_name="Lowther",
                post_nominals="MP",
                constituency="Ashby North",
            ),
            constituents=[
                NewConstituent(title="Mrs", first_name="Joan", last_name="Pennock"),
                NewConstituent(title="Mr", first_name="Alan", last_name="Quarrie"),
            ],
            summary="Youth club closure",
            letter_text=MP_LETTER,
        )
    )
    public = desk.log_case(
        NewCase(
            received_on=dt.date(2026, 11, 9),
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.PUBLIC, title="Mr", first_name="Dev", last_name="Castell"
            ),
            summary="Transport costs",
            letter_text=TRANSPORT_LETTER,
            theme_codes=[],
        )
    )
    org = desk.log_case(
        NewCase(
            received_on=dt.date(2026, 11, 16),
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.ORGANISATION,
                first_name="Orla",
                last_name="Brennan",
                organisation="Dursley Play Network",
            ),
            summary="Nursery plans",
            letter_text=CAFE_LETTER,
        )
    )
    return {"mp": mp, "public": public, "org": org}


def found(desk: Desk, query: str, **filters: object) -> list[str]:
    """References found, every page, newest first."""
    flt = CaseFilter(search=query, **filters)  # type: ignore[arg-type]
    out: list[str] = []
    after = None
    while True:
        page = desk.list_page(flt, after=after, limit=2)
        out += [r.reference for r in page.rows]
        if not page.has_more:
            return out
        after = page.last_key


# --- what a person types --------------------------------------------------------


def test_a_phrase_from_the_letter_finds_it(desk: Desk, refs: dict[str, str]) -> None:
    assert found(desk, '"reasonable punishment of children"') == [refs["mp"]]
    assert found(desk, '"children of punishment"') == []


def test_plain_words_must_all_appear_in_any_order(desk: Desk, refs: dict[str, str]) -> None:
    assert found(desk, "children closure") == [refs["mp"]]
    assert found(desk, "closure transport") == []
    assert found(desk, "families rural") == [refs["public"]]


def test_the_last_word_matches_as_it_is_being_typed(desk: Desk, refs: dict[str, str]) -> None:
    assert found(desk, "Lowth") == [refs["mp"]]
    assert found(desk, "youth cl") == [refs["mp"]]
    # A finished word (followed by a space, or quoted) is matched whole.
    assert found(desk, "Lowth ") == []
    assert found(desk, '"Lowth"') == []


def test_a_reference_or_part_of_one_finds_the_case(desk: Desk, refs: dict[str, str]) -> None:
    ref = refs["public"]  # e.g. 2026/0000002POSoS
    year, rest = ref.split("/")
    sequence = rest[:7]
    assert found(desk, ref) == [ref]
    assert found(desk, ref.lower()) == [ref]
    assert found(desk, sequence) == [ref]
    assert found(desk, str(int(sequence))) == [ref]  # without the leading zeros
    assert found(desk, f"{year}/{sequence}") == [ref]


def test_names_of_correspondents_and_constituents_are_searched(
    desk: Desk, refs: dict[str, str]
) -> None:
    assert found(desk, "Pennock") == [refs["mp"]]
    assert found(desk, "Alan Quarrie") == [refs["mp"]]
    assert found(desk, "Castell") == [refs["public"]]
    assert found(desk, "Dursley Play Network") == [refs["org"]]


def test_accents_are_optional(desk: Desk, refs: dict[str, str]) -> None:
    assert found(desk, "cafe") == [refs["org"]]
    assert found(desk, "café naïve") == [refs["org"]]
    assert found(desk, "ZOE") == [refs["org"]]


HOSTILE = [
    '"',
    '""',
    '"unclosed phrase',
    "closure)",
    "(closure",
    "closure AND",
    "OR",
    "NOT closure",
    "NEAR(closure youth)",
    "closure NEAR/2 youth",
    "*",
    "clos*",
    "^closure",
    "body:closure",
    "{{ closure }}",
    "{{ }}",
    "{% if %}",
    "'; DROP TABLE cases; --",
    "%_%",
    "\\",
    "\x00",
    "terms AND conditions",
    "naïve — “quoted” ‘words’",
    "日本語",
    "🙂 closure",
    "a",
    "+-+-",
    "closure " * 40,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_no_input_is_a_syntax_error(desk: Desk, refs: dict[str, str], query: str) -> None:
    rows = found(desk, query)
    assert desk.counts(CaseFilter(search=query)).shown == len(rows)


def test_operators_typed_are_just_words(desk: Desk, refs: dict[str, str]) -> None:
    assert found(desk, "terms AND conditions") == [refs["org"]]
    assert found(desk, "(closure) {{youth}}") == [refs["mp"]]
    assert found(desk, "closure OR transport") == []  # both words, in no one letter
    assert found(desk, "{{ closure }}") == [refs["mp"]]
    assert found(desk, '"unclosed phrase') == []
    assert found(desk, "clos*") == [refs["mp"]]


def test_input_with_no_words_shows_everything(desk: Desk, refs: dict[str, str]) -> None:
    assert sorted(found(desk, "{{ }}")) == sorted(refs.values())


def test_the_parser_quotes_every_term() -> None:
    q = search.parse('youth "reasonable punishment" NEAR (2009/0007948POSoS')
    assert search.fts5_match(q) == (
        '"youth" AND "reasonable punishment" AND "NEAR" AND "2009 0007948POSoS" *'
    )
    assert not search.parse("  {{ }} ** ")


# --- with the list's filters, sorts and pages -----------------------------------------


def test_search_combines_with_the_status_filter(desk: Desk, refs: dict[str, str]) -> None:
    with desk.uow.session_factory.begin() as s:
        case_id = s.scalar(select(Case.id).where(Case.reference == refs["public"]))
    desk.move(case_id, CaseStatus.TRIAGED)
    assert found(desk, "transport", status="triaged") == [refs["public"]]
    assert found(desk, "transport", status="logged") == []
    assert found(desk, "closure", status="logged") == [refs["mp"]]


@pytest.fixture(params=["fetch-then-sort", "probe-each-row"])
def strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both plans the SQLite search can take, whatever the data's size."""
    if request.param == "probe-each-row":
        monkeypatch.setattr(search, "MANY_MATCHES", 1)
    return request.param


@pytest.mark.parametrize("sort", list(SortKey))
@pytest.mark.parametrize("descending", [True, False])
def test_every_sort_pages_through_the_matches_once_in_order(
    desk: Desk, refs: dict[str, str], strategy: str, sort: SortKey, descending: bool
) -> None:
    for i in range(7):
        desk.log_case(
            NewCase(
                received_on=dt.date(2026, 10, 1 + i),
                new_correspondent=NewCorrespondent(
                    kind=CorrespondentKind.PUBLIC, first_name="Priya", last_name=f"Varley{i}"
                ),
                letter_text=f"A letter about school transport, number {i}.",
            )
        )
    flt = CaseFilter(search="transport")
    rows, after = [], None
    while True:
        page = desk.list_page(flt, sort=sort, descending=descending, after=after, limit=3)
        rows += page.rows
        if not page.has_more:
            break
        after = page.last_key
    assert len(rows) == 8 == desk.counts(flt).shown == len({r.id for r in rows})
    keys = [(r.sort_value, r.id) for r in rows]
    assert keys == sorted(keys, reverse=descending)


def test_newest_first_by_default(desk: Desk, refs: dict[str, str], strategy: str) -> None:
    assert found(desk, "2026") == [refs["org"], refs["public"], refs["mp"]]


# --- the index follows every change ---------------------------------------------------


def _assert_index_sound(db: Database) -> None:
    if db.engine.dialect.name == "sqlite":
        with db.engine.begin() as conn:  # raises "malformed" if the index lost step
            conn.exec_driver_sql(
                "INSERT INTO case_search(case_search, rank) VALUES ('integrity-check', 1)"
            )


def test_index_follows_edits_of_the_letter(db: Database, desk: Desk, refs: dict[str, str]) -> None:
    with db.session_factory.begin() as s:
        case = s.scalar(select(Case).where(Case.reference == refs["public"]))
        assert case is not None
        case.letter_text = "A complaint about the zebra crossing outside the library."
        case.summary = "Crossing"
    assert found(desk, "zebra crossing") == [refs["public"]]
    assert found(desk, "rural") == []
    with db.session_factory.begin() as s:
        case = s.scalar(select(Case).where(Case.reference == refs["public"]))
        assert case is not None
        case.priority = "urgent"  # not indexed: the index is left alone
    assert found(desk, "zebra") == [refs["public"]]
    _assert_index_sound(db)


def test_index_follows_a_renamed_correspondent(
    db: Database, desk: Desk, refs: dict[str, str]
) -> None:
    with db.session_factory.begin() as s:
        person = s.scalar(select(Correspondent).where(Correspondent.last_name == "Castell"))
        assert person is not None
        person.last_name = "Castell-Moore"
        person.display_name = "Mr Dev Castell-Moore"
    assert found(desk, "Castell Moore") == [refs["public"]]
    assert found(desk, '"Dev Castell"') == [refs["public"]]
    assert found(desk, "Brennan") == [refs["org"]]
    _assert_index_sound(db)


def test_index_follows_constituents_added_renamed_and_removed(
    db: Database, desk: Desk, refs: dict[str, str]
) -> None:
    with db.session_factory.begin() as s:
        case = s.scalar(select(Case).where(Case.reference == refs["public"]))
        assert case is not None
        s.add(Constituent(case_id=case.id, title="Ms", first_name="Tilly", last_name="Wardle"))
    assert found(desk, "Wardle") == [refs["public"]]
    with db.session_factory.begin() as s:
        person = s.scalar(select(Constituent).where(Constituent.last_name == "Pennock"))
        assert person is not None
        person.last_name = "Pennock-Hall"
    assert found(desk, "Hall") == [refs["mp"]]
    with db.session_factory.begin() as s:
        s.execute(delete(Constituent).where(Constituent.last_name == "Quarrie"))
    assert found(desk, "Quarrie") == []
    assert found(desk, "Joan") == [refs["mp"]]
    _assert_index_sound(db)


def test_a_deleted_case_is_no_longer_found(db: Database, desk: Desk, refs: dict[str, str]) -> None:
    with db.session_factory.begin() as s:
        case = Case(
            reference="2025/0000099POSoS",
            ref_year=2025,
            ref_sequence=99,
            office_code="POSoS",
            received_on=dt.date(2025, 6, 2),
            letter_text="Dropped kerbs for wheelchair users.",
        )
        case.constituents.append(Constituent(first_name="Femi", last_name="Ingram"))
        s.add(case)
    assert found(desk, "wheelchair") == ["2025/0000099POSoS"]
    assert found(desk, "Ingram") == ["2025/0000099POSoS"]
    with db.session_factory.begin() as s:
        case = s.scalar(select(Case).where(Case.reference == "2025/0000099POSoS"))
        s.delete(case)
    assert found(desk, "wheelchair") == []
    assert found(desk, "Ingram") == []
    _assert_index_sound(db)


# --- upgrading a database that had no index -------------------------------------------


def _insert_0001_cases(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO offices (code, name, is_default) VALUES ('POSoS', 'x', 1)"))
        conn.execute(
            text(
                "INSERT INTO correspondents (id, kind, title, first_name, last_name, honorific,"
                " peerage, peerage_full, post_nominals, organisation, job_title, constituency,"
                " party, address, postcode, email, phone, salutation_override, display_name,"
                " on_stop_list, stop_list_reason, version, updated_at) VALUES (1, 'mp', '',"
                " 'Keira', 'Norbury', '', '', '', 'MP', '', '', 'Goole', '', '', '', '', '', '',"
                " 'Keira Norbury MP', 0, '', 1, '2020-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO cases (id, reference, ref_year, ref_sequence, office_code, direction,"
                " channel, received_on, logged_at, status, priority, summary, letter_text,"
                " correspondent_id, transfer_to, transfer_reason, no_reply_reason,"
                " signature_method, dispatch_channel, is_acknowledgement, version, updated_at)"
                " VALUES (1, '2020/0000001POSoS', 2020, 1, 'POSoS', 'incoming', 'post',"
                " '2020-01-06', '2020-01-06 09:00:00', 'logged', 'normal', 'Flooding',"
                " 'The flooding of the primary school playground', 1, '', '', '', '', '', 0, 1,"
                " '2020-01-06 09:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO constituents (case_id, title, first_name, last_name, address,"
                " postcode, email) VALUES (1, 'Mr', 'Usman', 'Yeadon', '', '', '')"
            )
        )
    engine.dispose()


@pytest.fixture
def old_database(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine, "0001")
    engine.dispose()
    _insert_0001_cases(url)
    yield url


def test_cases_from_before_the_index_are_found_after_the_upgrade(old_database: str) -> None:
    db = open_database(old_database)
    try:
        assert migrate.is_at_head(db.engine)
        desk = Desk(acting_as(db.session_factory, "tester"), clock=lambda: TODAY)
        assert found(desk, "flooding playground") == ["2020/0000001POSoS"]
        assert found(desk, "Yeadon") == ["2020/0000001POSoS"]
        assert found(desk, "Norbury") == ["2020/0000001POSoS"]
        assert found(desk, "0000001") == ["2020/0000001POSoS"]
        _assert_index_sound(db)
    finally:
        db.close()


def test_downgrade_removes_the_index_and_upgrade_restores_it(old_database: str) -> None:
    engine = make_engine(old_database)
    migrate.upgrade(engine)
    from alembic import command

    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    with engine.connect() as conn:
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
    assert not {n for n in names if n.startswith("case_search")}
    engine.dispose()
    db = open_database(old_database)
    try:
        desk = Desk(acting_as(db.session_factory, "tester"), clock=lambda: TODAY)
        assert found(desk, "flooding") == ["2020/0000001POSoS"]
    finally:
        db.close()


def test_the_frozen_0001_database_upgrades_and_its_letters_are_found(tmp_path: Path) -> None:
    path = tmp_path / "0001.db"
    shutil.copy(FIXTURES / "0001.db", path)
    db = open_database(f"sqlite:///{path}")
    try:
        desk = Desk(acting_as(db.session_factory, "tester"), clock=lambda: TODAY)
        assert found(desk, '"reasonable punishment"') == ["2009/0007948POSoS"]
        assert found(desk, "Abbott") == ["2009/0007948POSoS"]
        assert len(found(desk, "")) == 5
        _assert_index_sound(db)
    finally:
        db.close()
