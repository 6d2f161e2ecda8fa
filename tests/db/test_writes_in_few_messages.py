"""A write click in few messages: BEGIN goes with the question who is acting, and the events
and the writes nobody reads back go with COMMIT (PostgreSQL). What a person sees and what is
stored are as before, on both databases: who acted, refusals, conflicts, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from correspondence.database import Database, open_database
from correspondence.db.models import (
    Case,
    Correspondent,
    Event,
    Setting,
    Team,
    Theme,
    User,
    case_themes,
    user_roles,
)
from correspondence.services import events
from correspondence.services.actors import Role
from correspondence.services.cases import cases
from correspondence.services.cases.case_list import CaseFilter
from correspondence.services.cases.cases import NewCase, NewConstituent
from correspondence.services.errors import ConflictError, PermissionDenied, ValidationError
from correspondence.services.triage.triage import Triage, TriageDecision
from correspondence.services.unit_of_work import acting_as
from tests import factories
from tests.conftest import DEMO_TODAY

TODAY = dt.date(2026, 3, 10)
AWKWARD = "It's 50% off, said \"Ms O'Neil\" \\ ünïcödé; DROP TABLE x; --"


def _setting(db: Database, key: str) -> str | None:
    with db.session_factory() as s:
        return s.scalar(select(Setting.value).where(Setting.key == key))


def test_a_write_made_at_commit_is_stored_as_given_and_read_back_inside_the_unit(
    db: Database,
) -> None:
    uow = acting_as(db.session_factory, "a.okoro")
    with uow.begin() as w:
        events.at_commit(w.session, insert(Setting).values(key="note", value=AWKWARD))
        events.record(w.session, w.actor, "setting", None, "note", new=AWKWARD)
        # Read inside the same unit: the write is made first.
        assert w.session.scalar(select(Setting.value).where(Setting.key == "note")) == AWKWARD
    assert _setting(db, "note") == AWKWARD
    with db.session_factory() as s:
        newest = s.scalars(select(Event).order_by(Event.id.desc()).limit(1)).one()
        assert (newest.new_value, newest.username) == (AWKWARD, "a.okoro")
        assert events.verify_chain(s) is None


def test_writes_given_the_same_key_are_made_once_and_in_order_with_the_rest(
    db: Database,
) -> None:
    uow = acting_as(db.session_factory, "a.okoro")
    with uow.begin() as w:
        w.session.add(Setting(key="k", value="start"))
        w.session.flush()
        for value in ("first", "second"):
            events.at_commit(
                w.session, update(Setting).where(Setting.key == "k").values(value=value), key="k"
            )
        # A change to the same table after them is made after them.
        w.session.add(Setting(key="later", value="after"))
    assert (_setting(db, "k"), _setting(db, "later")) == ("second", "after")
    with uow.begin() as w:
        events.at_commit(w.session, update(Setting).where(Setting.key == "k").values(value="x"))
        w.session.get(Setting, "k").value = "y"  # type: ignore[union-attr]
    assert _setting(db, "k") == "y"


def test_a_click_that_fails_at_its_last_write_commits_nothing(db: Database) -> None:
    uow = acting_as(db.session_factory, "a.okoro")
    with db.session_factory() as s:
        events_before = s.scalar(select(Event.id).order_by(Event.id.desc()).limit(1))
    with pytest.raises(IntegrityError):
        with uow.begin() as w:
            w.session.add(Setting(key="made", value="yes"))
            events.record(w.session, w.actor, "setting", None, "made")
            events.at_commit(w.session, insert(Setting).values(key="twice", value="1"))
            events.at_commit(w.session, insert(Setting).values(key="twice", value="2"))
    assert _setting(db, "made") is None and _setting(db, "twice") is None
    with db.session_factory() as s:
        assert s.scalar(select(Event.id).order_by(Event.id.desc()).limit(1)) == events_before
        assert events.verify_chain(s) is None
    # The next click on the same pool works as usual.
    with uow.begin() as w:
        w.session.add(Setting(key="made", value="yes"))
    assert _setting(db, "made") == "yes"


def test_a_person_whose_role_is_removed_is_refused_at_their_next_click(db: Database) -> None:
    factories.user(db, "a.admin", "b.clerk")
    clerk = acting_as(db.session_factory, "b.clerk")
    with clerk.begin() as w:
        w.actor.require("log correspondence", Role.OFFICER)
        events.record(w.session, w.actor, "case", None, "note", new="allowed")
    with db.session_factory.begin() as s:  # an admin takes the role away
        uid = s.scalar(select(User.id).where(User.username == "b.clerk"))
        s.execute(delete(user_roles).where(user_roles.c.user_id == uid))
    with pytest.raises(PermissionDenied, match="needs the officer role"):
        with clerk.begin() as w:
            w.actor.require("log correspondence", Role.OFFICER)
    with db.session_factory.begin() as s:  # and then disables the account
        s.execute(update(User).where(User.username == "b.clerk").values(active=False))
    with pytest.raises(PermissionDenied, match="disabled"):
        with clerk.begin() as w:
            _ = w.actor
    with db.session_factory() as s:
        newest = s.scalars(select(Event).order_by(Event.id.desc()).limit(1)).one()
        assert (newest.username, newest.new_value) == ("b.clerk", "allowed")


def test_a_row_someone_else_saved_before_the_commit_is_a_conflict(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes its write lock at BEGIN: nobody saves in between")
    team_id = factories.team(db, "a.okoro", "SPU", "Schools")
    uow = acting_as(db.session_factory, "a.okoro")
    other = open_database(db.url)
    try:
        with pytest.raises(ConflictError, match="Someone else saved this"):
            with uow.begin() as w:
                team = w.session.get(Team, team_id)
                assert team is not None
                team.name = "Mine"  # written by the commit's flush
                with other.session_factory.begin() as s:
                    theirs = s.get(Team, team_id)
                    assert theirs is not None
                    theirs.name = "Theirs"
    finally:
        other.close()
    with db.session_factory() as s:
        assert s.get(Team, team_id).name == "Theirs"  # type: ignore[union-attr]


def test_a_logged_letter_shows_and_keeps_its_themes(db: Database) -> None:
    with db.session_factory() as s:
        codes = s.scalars(select(Theme.code).order_by(Theme.code).limit(2)).all()
    assert len(codes) == 2
    case_id = factories.logged_case(db, "a.okoro", today=TODAY, theme_codes=list(codes))
    desk = factories.desk_for(db, "a.okoro", TODAY)
    assert sorted(code for code, _ in desk.detail(case_id).themes) == sorted(codes)
    with db.session_factory() as s:
        rows = s.execute(
            select(Theme.code, case_themes.c.source)
            .join(Theme, Theme.id == case_themes.c.theme_id)
            .where(case_themes.c.case_id == case_id)
            .order_by(Theme.code)
        ).all()
        assert [tuple(r) for r in rows] == [(c, "officer") for c in sorted(codes)]
        assert s.get(Case, case_id).reference  # type: ignore[union-attr]
        assert events.verify_chain(s) is None


def test_triage_writes_the_case_once_and_refuses_a_stale_copy(demo_db: Database) -> None:
    with demo_db.session_factory() as s:
        case_id, version = s.execute(
            select(Case.id, Case.version).where(Case.status == "logged").order_by(Case.id)
        ).first()  # type: ignore[misc]
        team_id = s.scalar(select(Team.id).order_by(Team.id))
        newest_event = s.scalar(select(Event.id).order_by(Event.id.desc()).limit(1))
    triage = Triage(acting_as(demo_db.session_factory, "a.okoro"), lambda: DEMO_TODAY)
    decision = TriageDecision(themes=["BABYP", "care"], reply_type="ministerial", team_id=team_id)
    triage.apply(case_id, decision, expected_version=version)
    with demo_db.session_factory() as s:
        case = s.get(Case, case_id)
        assert case is not None
        assert (case.status, case.reply_type_code, case.team_id) == (
            "triaged",
            "ministerial",
            team_id,
        )
        assert case.version == version + 1  # one UPDATE, one version
        rows = s.execute(
            select(Theme.code, case_themes.c.source, case_themes.c.confirmed_by_id)
            .join(Theme, Theme.id == case_themes.c.theme_id)
            .where(case_themes.c.case_id == case_id)
            .order_by(Theme.code)
        ).all()
        okoro = s.scalar(select(User.id).where(User.username == "a.okoro"))
        assert [tuple(r) for r in rows] == [("BABYP", "officer", okoro), ("CARE", "officer", okoro)]
        fields = s.scalars(
            select(Event.field).where(Event.id > newest_event, Event.case_id == case_id)
        ).all()
        assert {"themes", "team", "status"} <= set(fields)
        assert set(s.scalars(select(Event.username).where(Event.id > newest_event))) == {"a.okoro"}
        assert events.verify_chain(s) is None
    # Someone still holding the copy they opened before is told, and nothing changes.
    with pytest.raises(ConflictError, match="changed by someone else"):
        triage.apply(case_id, TriageDecision(priority="urgent"), expected_version=version)
    with demo_db.session_factory() as s:
        case = s.get(Case, case_id)
        assert case is not None and (case.priority, case.version) != ("urgent", version + 2)
        assert case.version == version + 1


def test_logging_gives_the_same_writer_row_and_unbroken_numbers_on_both_databases(
    db: Database,
) -> None:
    desk = factories.desk_for(db, "a.okoro", TODAY)
    writer = factories.member_of_public("Nia", "O'Hara", "Dr")
    writer.postcode, writer.email = " tf1 1aa ", " Nia@Example.ORG "
    refs = [
        factories.log_letter(desk, received_on=dt.date(2019, 5, 1), correspondent=writer)
        for _ in range(2)
    ]  # 2019 has no counter yet: the first makes it, the second takes the next number
    refs.append(factories.log_letter(desk, received_on=TODAY, correspondent=writer))
    assert [r.split("/")[0] for r in refs] == ["2019", "2019", "2026"]
    assert int(refs[1][5:12]) == int(refs[0][5:12]) + 1
    with db.session_factory() as s:
        case = s.scalar(select(Case).where(Case.reference == refs[1]))
        assert case is not None and case.correspondent is not None
        c = case.correspondent
        assert (c.title, c.first_name, c.last_name, c.display_name) == (
            "Dr", "Nia", "O'Hara", "Dr Nia O'Hara",
        )  # fmt: skip
        assert (c.postcode, c.email, c.phone, c.on_stop_list, c.version) == (
            "TF1 1AA", "nia@example.org", "", False, 1,
        )  # fmt: skip
        assert c.updated_at is not None
        assert events.verify_chain(s) is None


def test_a_unit_recording_many_events_keeps_them_in_order(db: Database) -> None:
    uow = acting_as(db.session_factory, "a.okoro")
    with uow.begin() as w:
        for i in range(600):
            events.record(w.session, w.actor, "case", None, "note", new=str(i))
        events.at_commit(w.session, insert(Setting).values(key="bulk", value="done"))
    assert _setting(db, "bulk") == "done"
    with db.session_factory() as s:
        newest = s.scalars(select(Event.new_value).order_by(Event.id.desc()).limit(600)).all()
        assert list(reversed(newest)) == [str(i) for i in range(600)]
        assert events.verify_chain(s) is None


def test_a_refused_letter_adds_no_writer_and_takes_no_number(db: Database) -> None:
    desk = factories.desk_for(db, "a.okoro", TODAY)
    first = factories.log_letter(desk, received_on=TODAY)
    with db.session_factory() as s:
        writers = s.scalar(select(func.count(Correspondent.id)))
    bad = NewCase(
        received_on=TODAY,
        new_correspondent=factories.member_of_public("Tom", "Reed"),
        reply_type="no-such-type",
    )
    with pytest.raises(ValidationError, match="unknown reply type"):
        desk.log_case(bad)
    bad.reply_type, bad.theme_codes = "ministerial", ["NO-SUCH-THEME"]
    with pytest.raises(ValidationError, match="unknown theme"):
        desk.log_case(bad)
    with db.session_factory() as s:
        assert s.scalar(select(func.count(Correspondent.id))) == writers
    second = factories.log_letter(desk, received_on=TODAY)
    assert int(second[5:12]) == int(first[5:12]) + 1  # no number lost


def stored_due(db: Database, case_id: int) -> dt.date | None:
    with db.session_factory() as s:
        return s.scalar(select(Case.due_on).where(Case.id == case_id))


def test_a_logged_letter_is_stored_whole_and_read_back_inside_its_click(db: Database) -> None:
    """On PostgreSQL the new case and its constituents go with the COMMIT (its id taken with
    the year's number): what the click reads of the case before that, and what is stored,
    are as on SQLite, and a write naming the case inside the click finds it there."""
    with db.session_factory() as s:
        code = s.scalar(select(Theme.code).order_by(Theme.code).limit(1))
        other = s.scalar(select(Theme.id).where(Theme.code != code).order_by(Theme.code))
    assert code is not None and other is not None
    data = NewCase(
        received_on=TODAY,
        new_correspondent=factories.member_of_public("Ada", "Quill"),
        constituents=[NewConstituent(first_name="Bo", last_name="Lind", postcode="TF1 1AA")],
        channel="email",
        summary="Asks about the buses",
        letter_text="Dear Minister, the zanzibarish buses never come. Yours, Ada",
        theme_codes=[code],
    )
    uow = acting_as(db.session_factory, "a.okoro")
    with uow.begin() as w:
        case = cases.log_case(w.session, w.actor, data, today=TODAY)
        # Read inside the click: a column the server fills (PostgreSQL: the first read of
        # the case writes it), the constituents, the version.
        sort_key = case.correspondent_sort
        seen = (case.due_on, [c.last_name for c in case.constituents], case.version)
        w.session.execute(insert(case_themes).values(case_id=case.id, theme_id=other))
        ref, case_id = case.reference, case.id
    assert seen == (stored_due(db, case_id), ["Lind"], 1)
    if db.engine.dialect.name == "postgresql":  # SQLite's trigger fills it after the flush
        assert sort_key == "ms ada quill"
    with db.session_factory() as s:
        stored = s.get(Case, case_id)
        assert stored is not None and stored.reference == ref
        assert (stored.status, stored.channel, stored.reply_channel, stored.version) == (
            "logged", "email", "email", 1,
        )  # fmt: skip
        assert stored.due_on is not None and stored.due_on > TODAY
        assert stored.correspondent_sort == "ms ada quill"
        assert [(c.first_name, c.last_name, c.postcode) for c in stored.constituents] == [
            ("Bo", "Lind", "TF1 1AA")
        ]
        assert len(stored.themes) == 2 and code in {t.code for t in stored.themes}
        logged = s.scalars(select(Event).where(Event.case_id == case_id)).all()
        assert [(e.action, e.new_value) for e in logged] == [("logged", ref)]
        assert events.verify_chain(s) is None
    found = factories.desk_for(db, "a.okoro", TODAY).list_page(CaseFilter(search="zanzibarish"))
    assert [r.reference for r in found.rows] == [ref]
