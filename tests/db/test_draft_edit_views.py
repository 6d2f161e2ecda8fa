"""Adding a line or own words, and saving a campaign's one reply, show the editor a view
made from what the click read and wrote: it must be exactly the view of the draft opened
afterwards, and a refused click must change nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from correspondence.database import Database
from correspondence.db.models import (
    Campaign,
    Case,
    Comment,
    Draft,
    Event,
    User,
    now_utc,
)
from correspondence.domain.states import CaseStatus, DraftStatus
from correspondence.services import events
from correspondence.services.campaigns.campaigns import Campaigns
from correspondence.services.drafting.draft_view import DraftView, ParagraphInput
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from correspondence.services.lines.library import Library
from correspondence.services.lines.line_editing import NewLine
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY
from tests.factories import signatory_id, undrafted_case

T = TypeVar("T")


def _drafting(db: Database, username: str = "p.mehta") -> Drafting:
    return Drafting(acting_as(db.session_factory, username), clock=lambda: DEMO_TODAY)


def _new_reply(db: Database, lines: tuple[str, ...] = ("babyp-tragedy",)) -> DraftView:
    return _drafting(db).create(undrafted_case(db), lines, signatory_id=signatory_id(db, "sos"))


def _last_event(db: Database) -> int:
    with db.session_factory() as s:
        return s.scalar(select(func.max(Event.id))) or 0


def _events(db: Database) -> int:
    with db.session_factory() as s:
        return s.scalar(select(func.count(Event.id))) or 0


def test_adding_a_line_or_own_words_shows_exactly_what_opening_it_shows(
    demo_db: Database,
) -> None:
    drafting = _drafting(demo_db)
    view = _new_reply(demo_db)
    # At the end, numbered as the line is; then at the top, numbered as asked.
    added = drafting.add_line(view.id, " care-decisions-laming ")
    assert added == drafting.view(view.id) and added.version == view.version + 1
    assert [p.line_key for p in added.paragraphs] == ["babyp-tragedy", "care-decisions-laming"]
    assert added.paragraphs[-1].wording and not added.paragraphs[-1].unavailable
    top = drafting.add_line(
        view.id, "cdr-prevent-and-learn", position=0, numbered=True, expected_version=added.version
    )
    assert top == drafting.view(view.id)
    assert [p.line_key for p in top.paragraphs][0] == "cdr-prevent-and-learn"
    assert top.paragraphs[0].numbered
    words = drafting.add_free_text(view.id, "Thank you for writing.", position=1, numbered=True)
    assert words == drafting.view(view.id)
    assert [(p.kind, p.text, p.numbered) for p in words.paragraphs][1] == (
        "free",
        "Thank you for writing.",
        True,
    )
    last = drafting.add_free_text(view.id, "We note your point.", expected_version=words.version)
    assert last == drafting.view(view.id) and last.paragraphs[-1].text == "We note your point."
    assert [p.position for p in last.paragraphs] == list(range(5))
    with demo_db.session_factory() as s:
        assert events.verify_chain(s) is None


def test_a_refused_addition_changes_nothing(demo_db: Database) -> None:
    drafting = _drafting(demo_db)
    view = _new_reply(demo_db)
    # A line proposed but never approved may not go into a reply.
    Library(acting_as(demo_db.session_factory, "policy.lead.safeguarding")).propose(
        NewLine(key="unapproved-line", title="Not yet", themes=["SCR"], body="Not yet.")
    )
    logged = _events(demo_db)
    with pytest.raises(ValidationError, match="'no-such-line' is not in the library"):
        drafting.add_line(view.id, "no-such-line")
    with pytest.raises(ValidationError, match="'unapproved-line' has no approved version"):
        drafting.add_line(view.id, "unapproved-line")
    with pytest.raises(ValidationError, match="'no-such-line' is not in the library"):
        drafting.add_line(99_999, "no-such-line")  # the line is looked for first
    with pytest.raises(NotFound, match="No draft #99999"):
        drafting.add_line(99_999, "babyp-tragedy")
    with pytest.raises(NotFound, match="No draft #99999"):
        drafting.add_free_text(99_999, "Hello")
    with pytest.raises(ValidationError, match="too long for one paragraph"):
        drafting.add_free_text(view.id, "x" * 100_001)
    assert drafting.view(view.id) == view and _events(demo_db) == logged
    saved = drafting.add_free_text(view.id, "Thank you.")
    logged = _events(demo_db)
    # An editor still holding the older copy is refused, with either button.
    with pytest.raises(ConflictError, match="saved by someone else since you opened it"):
        drafting.add_line(view.id, "care-decisions-laming", expected_version=view.version)
    with pytest.raises(ConflictError, match="saved by someone else since you opened it"):
        drafting.add_free_text(view.id, "Old copy", expected_version=view.version)
    assert drafting.view(view.id) == saved and _events(demo_db) == logged
    submitted = drafting.submit(saved.id, saved.version)
    assert submitted.status is DraftStatus.IN_QA
    logged = _events(demo_db)
    with pytest.raises(ValidationError, match="can no longer be edited"):
        drafting.add_free_text(view.id, "Too late")
    assert drafting.view(view.id) == submitted and _events(demo_db) == logged


def test_a_campaign_reply_save_shows_exactly_what_opening_it_shows(demo_db: Database) -> None:
    with demo_db.session_factory() as s:
        campaign = s.scalar(
            select(Campaign.id)
            .where(select(Case.id).where(Case.campaign_id == Campaign.id).exists())
            .where(~select(Draft.id).where(Draft.campaign_id == Campaign.id).exists())
            .order_by(Campaign.id)
        )
    assert campaign is not None
    draft_id = Campaigns(
        acting_as(demo_db.session_factory, "a.okoro"), lambda: DEMO_TODAY
    ).reply_draft(campaign)
    drafting = _drafting(demo_db)
    view = drafting.view(draft_id)
    assert view.case_id is None and view.campaign_size > 0
    saved = drafting.save(view.id, view.version, [ParagraphInput("free", "Thank you.")])
    assert saved == drafting.view(draft_id) and saved.version == view.version + 1
    lined = drafting.add_line(draft_id, "babyp-tragedy")
    assert lined == drafting.view(draft_id) and lined.campaign_themes == view.campaign_themes
    assert lined.paragraphs[-1].wording  # filled in for the member letter it is shown against
    again = drafting.save(
        draft_id,
        lined.version,
        list(reversed([p.as_input() for p in lined.paragraphs])),
        salutation="Dear Friend",
        subject="Your letter",
    )
    assert again == drafting.view(draft_id) and again.salutation == "Dear Friend"
    with pytest.raises(ConflictError, match="saved by someone else since you opened it"):
        drafting.save(draft_id, saved.version, [ParagraphInput("free", "Old copy")])
    assert drafting.view(draft_id) == again
    with demo_db.session_factory() as s:
        assert events.verify_chain(s) is None


# A time a step set, between its start and its end.
NOW = "the moment of the step"


def _saved(db: Database, draft_id: int) -> dict[str, Any]:
    """A draft and its case as saved, people named by username, and the draft's comments
    (case, author, body, when), oldest first."""
    with db.session_factory() as s:
        draft = s.get(Draft, draft_id)
        assert draft is not None and draft.case_id is not None
        case = s.get(Case, draft.case_id)
        assert case is not None
        names = {uid: name for uid, name in s.execute(select(User.id, User.username))}
        comments = s.execute(
            select(Comment.case_id, Comment.author_id, Comment.body, Comment.created_at)
            .where(Comment.draft_id == draft_id)
            .order_by(Comment.id)
        ).all()
        return {
            "version": draft.version,
            "status": draft.status,
            "qa_by": names.get(draft.qa_by_id or 0),
            "qa_at": draft.qa_at,
            "signed_off_by": names.get(draft.signed_off_by_id or 0),
            "signed_off_at": draft.signed_off_at,
            "signature_method": draft.signature_method,
            "letter_date": draft.letter_date,
            "returned_reason": draft.returned_reason,
            "case version": case.version,
            "case status": case.status,
            "case signed_off_on": case.signed_off_on,
            "case signature_method": case.signature_method,
            "case dispatched_on": case.dispatched_on,
            "case dispatch_channel": case.dispatch_channel,
            "comments": [(c, names.get(a or 0), b, at) for c, a, b, at in comments],
        }


def _after(
    db: Database, draft_id: int, step: Callable[[], T]
) -> tuple[T, dict[str, Any], list[Any]]:
    """Take one step; what it returned, what it changed of the draft and its case (the
    versions by how far they moved on, the comments it added, a time it set as NOW), and
    every event written, in order, as (entity, id, case, action, field, old, new, reason,
    username)."""
    before, since, start = _saved(db, draft_id), _last_event(db), now_utc()
    result = step()
    end = now_utc()
    after = _saved(db, draft_id)

    def stamped(value: object) -> object:
        if isinstance(value, dt.datetime) and start <= value <= end:
            return NOW
        return value

    changed = {k: stamped(v) for k, v in after.items() if v != before[k] and k != "comments"}
    for key in ("version", "case version"):
        if key in changed:
            changed[key] = after[key] - before[key]
    old_comments = len(before["comments"])
    assert after["comments"][:old_comments] == before["comments"]
    if after["comments"][old_comments:]:
        changed["comments"] = [
            (*row[:3], stamped(row[3])) for row in after["comments"][old_comments:]
        ]
    with db.session_factory() as s:
        logged = s.execute(
            select(
                Event.entity, Event.entity_id, Event.case_id, Event.action, Event.field,
                Event.old_value, Event.new_value, Event.reason, Event.username,
            )
            .where(Event.id > since)
            .order_by(Event.id)
        ).all()  # fmt: skip
    return result, changed, [tuple(row) for row in logged]


def test_each_step_of_the_approval_chain_shows_what_opening_it_shows(demo_db: Database) -> None:
    """Submit, a comment, QA approval, a return, a resubmission, sign-off and dispatch: the
    view returned is the draft opened afterwards, and each step changes the draft, its case
    and their comments, and records the events, exactly as the approval chain says."""
    drafting, lead, ps = (
        _drafting(demo_db),
        _drafting(demo_db, "policy.lead.safeguarding"),
        _drafting(demo_db, "ps.sos"),
    )
    mine = _new_reply(demo_db)
    d, c = mine.id, mine.case_id
    assert c is not None
    drafter, qa, pso = "p.mehta", "policy.lead.safeguarding", "ps.sos"

    submitted, changed, logged = _after(demo_db, d, lambda: drafting.submit(d, mine.version))
    assert submitted == drafting.view(d) and submitted.status is DraftStatus.IN_QA
    assert submitted.case_status == "in_qa"
    assert changed == {
        "version": 1, "status": DraftStatus.IN_QA,
        "case version": 1, "case status": CaseStatus.IN_QA,
    }  # fmt: skip
    assert logged == [
        ("draft", d, c, "submitted for QA", "status", "drafting", "in_qa", "", drafter),
        ("case", c, c, "status", "status", "drafting", "in_qa", "", drafter),
    ]

    commented, changed, logged = _after(demo_db, d, lambda: drafting.comment(d, "  Over to you.  "))
    assert commented == drafting.view(d) and commented.comments[-1].body == "Over to you."
    assert commented.comments[-1].author == "Priya Mehta"
    # A comment is a row of its own: the draft's version stays.
    assert changed == {"comments": [(c, drafter, "Over to you.", NOW)]}
    assert logged == [("draft", d, c, "comment", "", "", "Over to you.", "", drafter)]

    approved, changed, logged = _after(
        demo_db, d, lambda: lead.approve(d, "Fine by me.", commented.version)
    )
    assert approved == drafting.view(d) and approved.status is DraftStatus.WITH_PRIVATE_OFFICE
    assert approved.qa_by == "Helen Forsyth" and approved.comments[-1].body == "Fine by me."
    assert changed == {
        "version": 1, "status": DraftStatus.WITH_PRIVATE_OFFICE, "qa_by": qa, "qa_at": NOW,
        "case version": 1, "case status": CaseStatus.WITH_PRIVATE_OFFICE,
        "comments": [(c, qa, "Fine by me.", NOW)],
    }  # fmt: skip
    assert logged == [
        ("draft", d, c, "QA approved", "status", "in_qa", "with_private_office", "Fine by me.", qa),
        ("case", c, c, "status", "status", "in_qa", "with_private_office", "", qa),
    ]

    returned, changed, logged = _after(
        demo_db, d, lambda: ps.return_draft(d, " Shorter, please. ", approved.version)
    )
    assert returned == drafting.view(d) and returned.status is DraftStatus.RETURNED
    assert returned.returned_reason == "Shorter, please." and returned.case_status == "returned"
    assert changed == {
        "version": 1, "status": DraftStatus.RETURNED, "returned_reason": "Shorter, please.",
        "case version": 1, "case status": CaseStatus.RETURNED,
        "comments": [(c, pso, "Returned: Shorter, please.", NOW)],
    }  # fmt: skip
    why = "Shorter, please."
    assert logged == [
        ("draft", d, c, "returned", "status", "with_private_office", "returned", why, pso),
        ("case", c, c, "status", "status", "with_private_office", "returned", why, pso),
    ]

    # A returned draft resumes drafting, its case with it, before it goes to QA again; the
    # draft and the case are each written twice on the way, and their versions say so.
    again, changed, logged = _after(demo_db, d, lambda: drafting.submit(d, returned.version))
    assert again == drafting.view(d) and again.status is DraftStatus.IN_QA
    assert changed == {
        "version": 2, "status": DraftStatus.IN_QA, "returned_reason": "",
        "case version": 2, "case status": CaseStatus.IN_QA,
    }  # fmt: skip
    assert logged == [
        ("draft", d, c, "draft resumed", "status", "returned", "drafting", "", drafter),
        ("case", c, c, "status", "status", "returned", "drafting", "", drafter),
        ("draft", d, c, "submitted for QA", "status", "drafting", "in_qa", "", drafter),
        ("case", c, c, "status", "status", "drafting", "in_qa", "", drafter),
    ]

    # Approved without a comment: no comment row, an empty reason; QA stamped anew.
    approved, changed, logged = _after(demo_db, d, lambda: lead.approve(d, "", again.version))
    assert approved == drafting.view(d)
    assert changed == {
        "version": 1, "status": DraftStatus.WITH_PRIVATE_OFFICE, "qa_at": NOW,
        "case version": 1, "case status": CaseStatus.WITH_PRIVATE_OFFICE,
    }  # fmt: skip
    assert logged == [
        ("draft", d, c, "QA approved", "status", "in_qa", "with_private_office", "", qa),
        ("case", c, c, "status", "status", "in_qa", "with_private_office", "", qa),
    ]

    signed, changed, logged = _after(
        demo_db, d, lambda: ps.sign_off(d, "digital", "Signed.", approved.version)
    )
    assert signed == drafting.view(d) and signed.status is DraftStatus.SIGNED_OFF
    assert signed.letter_date == DEMO_TODAY and signed.signed_off_by == "Mark Ellery"
    # The letter is dated the day it is signed; the case records the day and how.
    assert changed == {
        "version": 1, "status": DraftStatus.SIGNED_OFF, "signed_off_by": pso,
        "signed_off_at": NOW, "signature_method": "digital", "letter_date": DEMO_TODAY,
        "case version": 2, "case status": CaseStatus.SIGNED_OFF,
        "case signed_off_on": DEMO_TODAY, "case signature_method": "digital",
        "comments": [(c, pso, "Signed.", NOW)],
    }  # fmt: skip
    office = "with_private_office"
    assert logged == [
        ("draft", d, c, "signed off", "status", office, "signed_off", "Signed.", pso),
        ("case", c, c, "status", "status", office, "signed_off", "", pso),
    ]

    # A long comment is kept whole; its event holds the first 200 characters.
    long = "A long note. " * 30
    _, changed, logged = _after(demo_db, d, lambda: drafting.comment(d, long))
    assert changed == {"comments": [(c, drafter, long.strip(), NOW)]}
    assert logged == [("draft", d, c, "comment", "", "", long.strip()[:200], "", drafter)]

    # Dispatched: the case read locked and written with the COMMIT.
    officer = _drafting(demo_db, "a.okoro")
    with pytest.raises(ValidationError, match="only a signed-off reply can be dispatched"):
        officer.dispatch(_new_reply(demo_db).case_id or -1, "post")
    with pytest.raises(ValidationError, match="choose one of"):
        officer.dispatch(c, "pigeon")
    _, changed, logged = _after(demo_db, d, lambda: officer.dispatch(c, "email", DEMO_TODAY))
    # The case is written twice on the way (its move, then the channel).
    assert changed == {
        "case version": 2, "case status": CaseStatus.DISPATCHED,
        "case dispatched_on": DEMO_TODAY, "case dispatch_channel": "email",
    }  # fmt: skip
    assert logged == [
        ("case", c, c, "status", "status", "signed_off", "dispatched", "", "a.okoro"),
        ("case", c, c, "dispatched", "channel", "", "email", "", "a.okoro"),
    ]
    assert drafting.view(d).case_status == "dispatched"
    with demo_db.session_factory() as s:
        assert events.verify_chain(s) is None


def test_a_refused_step_changes_nothing(demo_db: Database) -> None:
    drafting, lead, ps = (
        _drafting(demo_db),
        _drafting(demo_db, "policy.lead.safeguarding"),
        _drafting(demo_db, "ps.sos"),
    )
    view = _new_reply(demo_db)
    logged = _events(demo_db)
    with pytest.raises(ValidationError, match="cannot QA-approve the draft reply to .* drafting"):
        lead.approve(view.id)
    with pytest.raises(
        ValidationError, match="cannot return the draft reply to .*: it is drafting"
    ):
        lead.return_draft(view.id, "No")
    with pytest.raises(ValidationError, match="write something first"):
        drafting.comment(view.id, "   ")
    with pytest.raises(NotFound, match="No draft #99999"):
        drafting.comment(99_999, "Hello")
    submitted = drafting.submit(view.id, view.version)
    logged = _events(demo_db)
    with pytest.raises(ConflictError, match="saved by someone else since you opened it"):
        lead.approve(view.id, "", view.version)
    with pytest.raises(ValidationError, match="say why the draft is being returned"):
        lead.return_draft(view.id, "  ", submitted.version)
    with pytest.raises(PermissionDenied, match="may not QA-approve a draft"):
        drafting.approve(view.id)  # a drafter is no policy lead
    with pytest.raises(PermissionDenied, match="may not return a draft from QA"):
        ps.return_draft(view.id, "No")
    with pytest.raises(ValidationError, match="say how it was signed"):
        ps.sign_off(view.id, "stamp")
    with pytest.raises(ValidationError, match="cannot sign off the draft reply to .*: it is in qa"):
        ps.sign_off(view.id, "wet", expected_version=submitted.version)
    assert drafting.view(view.id) == submitted and _events(demo_db) == logged


def test_the_word_letter_is_the_letter_it_was(demo_db: Database) -> None:
    """The letter of a case's own draft, read in one message, is the one
    reply_letter.letter_spec_for makes, draft and final; refusals as before."""
    from correspondence.services.drafting.reply_letter import letter_spec_for

    drafting, lead, ps = (
        _drafting(demo_db),
        _drafting(demo_db, "policy.lead.safeguarding"),
        _drafting(demo_db, "ps.sos"),
    )
    view = _new_reply(demo_db, ("babyp-tragedy", "care-decisions-laming"))
    view = drafting.add_free_text(view.id, "Thank you & <goodbye>.", numbered=True)

    def as_before(final: bool) -> object:
        with acting_as(demo_db.session_factory, "p.mehta").read() as uow:
            return letter_spec_for(uow.session, view.id, final=final, today=DEMO_TODAY)

    assert drafting.letter_spec(view.id, final=False) == as_before(False)
    with pytest.raises(ValidationError, match="not signed off"):
        drafting.letter_spec(view.id, final=True)
    view = drafting.submit(view.id, view.version)
    view = lead.approve(view.id, "", view.version)
    ps.sign_off(view.id, "wet", "", view.version)
    spec = drafting.letter_spec(view.id, final=True)
    assert spec == as_before(True) and not spec.draft and spec.paragraphs
    with pytest.raises(NotFound, match="No draft #99999"):
        drafting.letter_spec(99_999, final=False)
