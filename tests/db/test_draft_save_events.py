"""Saving a draft records what changed in the case history: one event per changed part,
short values, no letter text, and nothing at all for a save that changes nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Event, Signatory
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus
from correspondence.services.campaigns.campaigns import Campaigns
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.cases.conflicts import draft_changes
from correspondence.services.cases.history import WITHHELD, TimelineEntry, timeline
from correspondence.services.desk import Desk
from correspondence.services.drafting.draft_view import DraftView, ParagraphInput
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.lines.library import Library
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY

SECRET = "Mrs Odile Pettigrew of 4 Quarry Lane told us in confidence"


def _drafting(db: Database) -> Drafting:
    return Drafting(acting_as(db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY)


def _new_draft(db: Database, keys: list[str]) -> DraftView:
    desk = Desk(acting_as(db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    with db.session_factory() as s:
        sos = s.scalar(select(Signatory.id).where(Signatory.key == "sos"))
    reference = desk.log_case(
        NewCase(
            received_on=DEMO_TODAY - dt.timedelta(days=2),
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.MP,
                first_name="Gwen",
                last_name="Arkwright",
                post_nominals="MP",
                constituency="Ashby Vale",
            ),
            summary="Smacking and the Children Act",
            theme_codes=["SMACK"],
            signatory_id=sos,
            addressed_to_id=sos,
        )
    )
    case_id = desk.find_reference(reference)
    desk.move(case_id, CaseStatus.TRIAGED)
    return _drafting(db).create(case_id, keys)


def _edits(db: Database, draft_id: int) -> list[Event]:
    with db.session_factory() as s:
        return list(
            s.scalars(
                select(Event)
                .where(Event.entity == "draft", Event.entity_id == draft_id)
                .where(Event.action == "edited")
                .order_by(Event.id)
            )
        )


def _history(db: Database, case_id: int) -> list[TimelineEntry]:
    with db.session_factory() as s:
        return timeline(s, case_id)


def _inputs(view: DraftView) -> list[ParagraphInput]:
    return [p.as_input() for p in view.paragraphs]


def test_adding_a_line_records_the_paragraphs_before_and_after(demo_db: Database) -> None:
    view = _new_draft(demo_db, ["babyp-tragedy"])
    view = _drafting(demo_db).add_line(view.id, "campaign-smacking-disagree")

    [event] = _edits(demo_db, view.id)
    assert (event.field, event.old_value, event.new_value) == (
        "paragraphs",
        "babyp-tragedy",
        "babyp-tragedy, campaign-smacking-disagree",
    )
    assert event.case_id == view.case_id and event.username == "p.mehta"
    assert view.case_id is not None
    sentences = [e.description for e in _history(demo_db, view.case_id)]
    assert "Priya Mehta added 'campaign-smacking-disagree' to the draft" in sentences


def test_a_save_that_changes_nothing_records_nothing(demo_db: Database) -> None:
    view = _new_draft(demo_db, ["babyp-tragedy"])
    drafting = _drafting(demo_db)
    # What the editor's autosave sends when nothing was touched, again and again.
    started = view.version
    for _ in range(3):
        view = drafting.save(
            view.id,
            view.version,
            _inputs(view),
            signatory_id=view.signatory_id,
            salutation=view.salutation,
            complimentary_close=view.complimentary_close,
            subject=view.subject,
        )
    assert _edits(demo_db, view.id) == []
    # Nor does it move the version: a colleague's editor open on it sees no conflict.
    assert view.version == started
    # A real change does, whether to the paragraphs alone or to a detail.
    view = drafting.save(view.id, view.version, list(reversed(_inputs(view))))
    assert view.version == started  # one paragraph: reversing it changes nothing
    view = drafting.add_free_text(view.id, "Thank you")
    moved = drafting.save(view.id, view.version, list(reversed(_inputs(view))))
    assert moved.version > view.version
    closed = drafting.save(moved.id, moved.version, complimentary_close="Yours ever")
    assert closed.version > moved.version


def test_each_changed_detail_is_one_event_and_personal_values_are_withheld(
    demo_db: Database,
) -> None:
    view = _new_draft(demo_db, ["babyp-tragedy"])
    first = view.version
    with demo_db.session_factory() as s:
        mos = s.scalar(select(Signatory.id).where(Signatory.key == "mos"))
    view = _drafting(demo_db).save(
        view.id,
        view.version,
        _inputs(view),
        signatory_id=mos,
        salutation="Dear Gwen, my friend",
        complimentary_close="Yours ever",
        subject=SECRET,
        letter_date=dt.date(2026, 11, 25),
    )
    got = {e.field: (e.old_value, e.new_value) for e in _edits(demo_db, view.id)}
    assert got == {
        "signatory_id": ("Rt Hon Ed Balls MP", "Rt Hon Beverley Hughes MP"),
        "salutation": (WITHHELD, WITHHELD),
        "complimentary_close": ("Yours sincerely", "Yours ever"),
        "subject": ("", WITHHELD),
        "letter_date": ("", "2026-11-25"),
    }
    assert view.case_id is not None
    sentences = [e.description for e in _history(demo_db, view.case_id)]
    assert (
        "Priya Mehta changed the draft's complimentary close from 'Yours sincerely' to "
        "'Yours ever'" in sentences
    )
    assert "Priya Mehta changed the draft's letter date from (blank) to 25 Nov 2026" in sentences
    assert not any("Gwen, my friend" in s or "Pettigrew" in s for s in sentences)
    # Someone else's editor, still on the first version, is told who changed the close.
    with demo_db.session_factory() as s:
        [change] = draft_changes(s, view.id, first, {"complimentary_close": "Yours faithfully"})
    assert (change.theirs, change.changed_by) == ("Yours ever", "p.mehta")


def test_own_words_are_noted_without_their_text_and_once_while_typing(
    demo_db: Database,
) -> None:
    drafting = _drafting(demo_db)
    view = _new_draft(demo_db, ["babyp-tragedy"])
    view = drafting.add_free_text(view.id, "Thank you")
    # Autosave during typing: the same paragraph saved again and again with more words.
    typed = ""
    for word in SECRET.split():
        typed = f"{typed} {word}".strip()
        items = _inputs(view)
        items[1] = ParagraphInput("free", typed, id=items[1].id)
        view = drafting.save(view.id, view.version, items)

    events = _edits(demo_db, view.id)
    assert [(e.field, e.new_value) for e in events] == [
        ("paragraphs", "babyp-tragedy, own words"),
        ("own_words", "own words (paragraph 2)"),
    ]
    assert not any("Pettigrew" in f"{e.old_value} {e.new_value}" for e in events)
    assert view.case_id is not None
    sentences = [e.description for e in _history(demo_db, view.case_id)]
    assert "Priya Mehta added own words to the draft" in sentences
    assert "Priya Mehta edited the draft's own words (paragraph 2)" in sentences


def test_moving_numbering_and_updating_a_line_read_well_in_the_history(
    demo_db: Database,
) -> None:
    drafting = _drafting(demo_db)
    view = _new_draft(demo_db, ["babyp-tragedy", "smacking-no-ban"])
    second = view.paragraphs[1]
    view = drafting.save(view.id, view.version, list(reversed(_inputs(view))))
    items = _inputs(view)
    items[0] = ParagraphInput("line", "", second.line_version_id, not second.numbered, second.id)
    view = drafting.save(view.id, view.version, items)

    lead = Library(
        acting_as(demo_db.session_factory, "policy.lead.family"), clock=lambda: DEMO_TODAY
    )
    line = lead.detail("smacking-no-ban")
    revised = lead.new_version(line.id, line.approved.body + " We keep this under review.")
    lead.submit(revised.latest.id)
    lead.approve(revised.latest.id)
    items = _inputs(view)
    items[0] = ParagraphInput("line", "", revised.latest.id, items[0].numbered, items[0].id)
    view = drafting.save(view.id, view.version, items)

    assert view.case_id is not None
    said = [e.what for e in _history(demo_db, view.case_id) if e.action == "edited"]
    n = line.approved.number
    on_off = "numbered" if not second.numbered else "took the number off"
    assert said == [
        "reordered the draft's paragraphs ('smacking-no-ban', 'babyp-tragedy')",
        f"{on_off} smacking-no-ban (paragraph 1) in the draft",
        f"updated the draft's lines from smacking-no-ban v{n} to smacking-no-ban v{n + 1}",
    ]


def test_a_campaign_reply_edit_shows_in_every_members_history(demo_db: Database) -> None:
    draft_id = Campaigns(
        acting_as(demo_db.session_factory, "a.okoro"), lambda: DEMO_TODAY
    ).reply_draft(1)
    drafting = _drafting(demo_db)
    drafting.add_line(draft_id, "babyp-tragedy")

    [event] = _edits(demo_db, draft_id)
    assert event.case_id is None  # no case of its own: the campaign's members share it
    seed = Desk(acting_as(demo_db.session_factory, "a.okoro")).find_reference("2009/0007948POSoS")
    sentences = [e.description for e in _history(demo_db, seed)]
    assert "Priya Mehta added 'babyp-tragedy' to the draft" in sentences
