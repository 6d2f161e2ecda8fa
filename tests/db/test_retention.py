"""Retention: personal data on long-closed cases is removed; the report figures do not move.

The letters are those of tests/db/test_reports.py. Retention is applied on 1 March 2028 with
the default 2 years: cases closed on or before 1 March 2026 expire.

    expired: A (dispatched 24 Dec 2025), B (29 Dec), E (16 Jan 2026), J (9 Feb), K (10 Feb),
             H and I (closed as no reply / transferred with no status event: their received
             dates, 12 and 13 Jan 2026, stand in)
    kept:    C (2 Apr 2026), D (7 Apr 2026), and the open F G L M

    correspondents: Harriet Lowdon (A, E) and Ned Quarles (H, K) have only expired cases:
    anonymised. Olive Pardoe (B; F open), Colin Ashby (I; D G M) and Ida Brannock (J; L open)
    are kept whole.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import (
    Case,
    Constituent,
    Correspondent,
    Document,
    Draft,
    DraftParagraph,
    Event,
    Setting,
)
from correspondence.services.actors import actor_for
from correspondence.services.cases import history
from correspondence.services.errors import PermissionDenied
from correspondence.services.people.retention import ANONYMISED, REMOVED, Retention
from correspondence.services.reports.reports import Period, ReportParams, Reports, Scope
from correspondence.services.unit_of_work import acting_as
from tests.report_cases import END, START, TODAY, build_cases

RETENTION_DAY = dt.date(2028, 3, 1)


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    with db.session_factory.begin() as s:
        actor_for(s, "keeper")  # the first user of the database: an admin
        ids = build_cases(s)
        s.add(
            Draft(
                case_id=ids["A"],
                status="signed_off",
                salutation="Dear Harriet",
                paragraphs=[
                    DraftParagraph(position=1, kind="free", text="Thank you, Harriet, for …"),
                    DraftParagraph(position=2, kind="line", text="{{ correspondent.name }} …"),
                ],
            )
        )
    return ids


def _retention(db: Database, user: str = "keeper", day: dt.date = RETENTION_DAY) -> Retention:
    return Retention(acting_as(db.session_factory, user), clock=lambda: day)


def _name(db: Database, case_id: int) -> str:
    with db.session_factory() as s:
        case = s.get(Case, case_id)
        return case.correspondent.display_name


def test_the_plan_lists_expired_cases_and_changes_nothing(db: Database, ids: dict) -> None:
    plan = _retention(db).plan()
    assert plan.years == 2 and plan.cutoff == dt.date(2026, 3, 1)
    by_id = {i.case_id: i for i in plan.items}
    assert set(by_id) == {ids[k] for k in "ABEHIJK"}
    assert {i.correspondent for i in plan.items if i.correspondent_anonymised} == {
        "Harriet Lowdon MP",
        "Mr Ned Quarles",
    }
    assert plan.kept_correspondents == 3  # Olive Pardoe, Colin Ashby, Ida Brannock
    a = by_id[ids["A"]]
    assert (a.constituents, a.documents, a.drafts, a.letter_text) == (1, 1, 1, True)
    assert a.changes == "correspondent, 1 constituent(s), letter text, 1 document(s), 1 draft(s)"
    assert by_id[ids["B"]].changes == "letter text"  # Olive Pardoe is kept
    assert _name(db, ids["A"]) == "Harriet Lowdon MP"  # nothing changed yet


def test_apply_removes_personal_data_and_keeps_every_figure(db: Database, ids: dict) -> None:
    reports = Reports(acting_as(db.session_factory, "keeper"), clock=lambda: TODAY)
    params = [ReportParams(START, END, scope, period) for scope in Scope for period in Period]
    before = [reports.report(p) for p in params]

    result = _retention(db).apply()
    assert (result.cases, result.correspondents, result.constituents, result.documents) == (
        7,
        2,
        1,
        1,
    )
    assert [reports.report(p) for p in params] == before

    with db.session_factory() as s:
        a = s.get(Case, ids["A"])
        assert a.anonymised_at is not None and a.letter_text == "" and a.summary == ""
        c = a.correspondent
        assert (c.display_name, c.first_name, c.last_name, c.email, c.address, c.postcode) == (
            ANONYMISED,
            "",
            ANONYMISED,
            "",
            "",
            "",
        )
        assert c.kind == "mp" and c.anonymised_at is not None  # reports count by kind
        p = s.scalar(select(Constituent).where(Constituent.case_id == a.id))
        assert (p.first_name, p.last_name, p.address, p.email) == ("", ANONYMISED, "", "")
        doc = s.scalar(select(Document).where(Document.case_id == a.id))
        assert doc.content == b"" and doc.extracted_text == ""
        assert doc.filename == f"document-{doc.id}.pdf" and "Lowdon" not in doc.filename
        draft = s.scalar(select(Draft).where(Draft.case_id == a.id))
        assert draft.salutation == REMOVED
        assert [x.text for x in draft.paragraphs] == [REMOVED, "{{ correspondent.name }} …"]
        # Kept whole: another of their letters is still open or within retention.
        assert s.get(Case, ids["B"]).correspondent.display_name == "Ms Olive Pardoe"
        assert s.get(Case, ids["B"]).letter_text == ""  # but B's own letter is gone
        assert s.get(Case, ids["I"]).correspondent.email == "mp2@example.org"
        assert s.get(Case, ids["C"]).letter_text.startswith("Dear Minister")  # not expired
        # Nothing of Harriet Lowdon is left anywhere in the rows we hold.
        leftovers = s.scalars(
            select(Correspondent.id).where(Correspondent.display_name.contains("Lowdon"))
        ).all()
        assert leftovers == []
        ev = s.scalar(
            select(Event).where(Event.case_id == a.id, Event.action == history.RETENTION_APPLIED)
        )
        assert "Lowdon" not in ev.new_value and "correspondent" in ev.new_value
        assert history.verify_audit(s).intact


def test_applying_twice_changes_nothing_more(db: Database, ids: dict) -> None:
    _retention(db).apply()
    assert _retention(db).plan().items == ()
    assert _retention(db).apply().cases == 0


def test_a_kept_correspondent_goes_once_their_last_case_expires(db: Database, ids: dict) -> None:
    _retention(db).apply()  # Olive Pardoe kept: F is open
    with db.session_factory.begin() as s:
        f = s.get(Case, ids["F"])
        f.status, f.dispatched_on = "dispatched", dt.date(2026, 4, 21)
    later = _retention(db, day=dt.date(2028, 5, 1)).plan()
    item = next(i for i in later.items if i.case_id == ids["F"])
    assert item.correspondent == "Ms Olive Pardoe" and item.correspondent_anonymised
    _retention(db, day=dt.date(2028, 5, 1)).apply()
    assert _name(db, ids["B"]) == ANONYMISED


def test_the_period_is_a_setting(db: Database, ids: dict) -> None:
    _retention(db).set_years(3)
    plan = _retention(db).plan()
    assert plan.years == 3 and plan.cutoff == dt.date(2025, 3, 1) and plan.items == ()
    with db.session_factory() as s:
        assert s.get(Setting, "retention_years").value == "3"
    later = _retention(db, day=dt.date(2029, 1, 1)).plan()  # cutoff 1 Jan 2026
    assert {i.case_id for i in later.items} == {ids["A"], ids["B"]}


def test_only_an_admin_may_apply_retention(db: Database, ids: dict) -> None:
    with pytest.raises(PermissionDenied):
        _retention(db, "dana.d").apply()
    with pytest.raises(PermissionDenied):
        _retention(db, "dana.d").plan()
    assert _name(db, ids["A"]) == "Harriet Lowdon MP"


def test_apply_removes_the_reply_address_and_the_address_an_email_went_to(
    db: Database, ids: dict
) -> None:
    from correspondence.db.models import EmailSend

    with db.session_factory.begin() as s:
        case = s.get(Case, ids["A"])
        case.reply_channel, case.reply_email = "email", "harriet@example.org"
        s.add(
            EmailSend(
                case_id=ids["A"], to_address="harriet@example.org", subject="Your letter",
                message_id="<a@dcsf.example>", state="sent", detail="250 OK", attempts=1,
            )
        )  # fmt: skip
    _retention(db).apply()
    with db.session_factory() as s:
        assert s.get(Case, ids["A"]).reply_email == ""
        sent = s.scalar(select(EmailSend).where(EmailSend.case_id == ids["A"]))
        assert sent.to_address == ANONYMISED and sent.message_id == "<a@dcsf.example>"
