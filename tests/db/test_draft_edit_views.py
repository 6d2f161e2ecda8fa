"""Adding a line or own words, and saving a campaign's one reply, show the editor a view
made from what the click read and wrote: it must be exactly the view of the draft opened
afterwards, and a refused click must change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from correspondence.database import Database
from correspondence.db.models import Campaign, Case, Draft, Event, Signatory
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
from correspondence.services.replies.dispatch import dispatch
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY


def _drafting(db: Database, username: str = "p.mehta") -> Drafting:
    return Drafting(acting_as(db.session_factory, username), clock=lambda: DEMO_TODAY)


def _new_reply(db: Database, lines: tuple[str, ...] = ("babyp-tragedy",)) -> DraftView:
    with db.session_factory() as s:
        case_id = s.scalar(
            select(Case.id)
            .where(Case.status == CaseStatus.TRIAGED.value, Case.correspondent_id.is_not(None))
            .where(Case.campaign_id.is_(None))
            .where(~select(Draft.id).where(Draft.case_id == Case.id).exists())
            .order_by(Case.id)
        )
        sos = s.scalar(select(Signatory.id).where(Signatory.key == "sos"))
    assert case_id is not None
    return _drafting(db).create(case_id, lines, signatory_id=sos)


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


def _chain_of(
    db: Database, draft_id: int, case_id: int | None, since: int
) -> list[tuple[object, ...]]:
    """The events of a draft and its case after event `since`, as a person reads them."""
    with db.session_factory() as s:
        rows = s.scalars(
            select(Event)
            .where(Event.id > since)
            .where(
                ((Event.entity == "draft") & (Event.entity_id == draft_id))
                | ((Event.case_id == case_id) & (Event.entity == "case"))
            )
            .order_by(Event.id)
        ).all()
        return [(e.entity, e.action, e.field, e.old_value, e.new_value, e.reason, e.username)
                for e in rows]  # fmt: skip


def _the_old_way(db: Database, username: str, step: str, draft_id: int, **kw: object) -> None:
    """The step made by approval.py's own functions, each as the facade made it before."""
    from correspondence.services.drafting import approval

    with acting_as(db.session_factory, username).begin() as uow:
        getattr(approval, step)(uow.session, uow.actor, draft_id, **kw)


def test_each_step_of_the_approval_chain_shows_what_opening_it_shows(demo_db: Database) -> None:
    """QA approval, sign-off, a return and a comment: the view returned is the draft
    opened afterwards, and the events are those the steps recorded before, in order."""
    drafting, lead, ps = (
        _drafting(demo_db),
        _drafting(demo_db, "policy.lead.safeguarding"),
        _drafting(demo_db, "ps.sos"),
    )
    mine, theirs = _new_reply(demo_db), _new_reply(demo_db)
    since = _last_event(demo_db)
    submitted = drafting.submit(mine.id, mine.version)
    assert submitted == drafting.view(mine.id) and submitted.status is DraftStatus.IN_QA
    assert submitted.case_status == "in_qa"
    _the_old_way(demo_db, "p.mehta", "submit", theirs.id, today=DEMO_TODAY)
    # The same chain on both: one through the facade, one through the steps as they were.
    commented = drafting.comment(mine.id, "  Over to you.  ")
    assert commented == drafting.view(mine.id) and commented.comments[-1].body == "Over to you."
    assert commented.comments[-1].author == "Priya Mehta" and commented.version == mine.version + 1
    _the_old_way(demo_db, "p.mehta", "add_comment", theirs.id, body="  Over to you.  ")
    approved = lead.approve(mine.id, "Fine by me.", commented.version)
    assert approved == drafting.view(mine.id) and approved.status is DraftStatus.WITH_PRIVATE_OFFICE
    assert approved.qa_by == "Helen Forsyth" and approved.comments[-1].body == "Fine by me."
    _the_old_way(
        demo_db, "policy.lead.safeguarding", "qa_approve", theirs.id, comment="Fine by me."
    )
    returned = ps.return_draft(mine.id, "Shorter, please.", approved.version)
    assert returned == drafting.view(mine.id) and returned.status is DraftStatus.RETURNED
    assert returned.returned_reason == "Shorter, please." and returned.case_status == "returned"
    _the_old_way(demo_db, "ps.sos", "return_draft", theirs.id, reason="Shorter, please.")
    for view, old_way in ((mine, False), (theirs, True)):
        now = drafting.view(view.id)
        if old_way:
            _the_old_way(demo_db, "p.mehta", "submit", view.id, today=DEMO_TODAY)
            _the_old_way(demo_db, "policy.lead.safeguarding", "qa_approve", view.id)
            _the_old_way(demo_db, "ps.sos", "sign_off", view.id, method="digital",
                         comment="Signed.", today=DEMO_TODAY)  # fmt: skip
        else:
            now = drafting.submit(now.id, now.version)  # a returned draft resumes first
            assert now == drafting.view(view.id) and now.status is DraftStatus.IN_QA
            now = lead.approve(now.id, "", now.version)
            signed = ps.sign_off(now.id, "digital", "Signed.", now.version)
            assert signed == drafting.view(view.id) and signed.status is DraftStatus.SIGNED_OFF
            assert signed.letter_date == DEMO_TODAY and signed.signed_off_by == "Mark Ellery"
    # Dispatched: the case read locked and written with the COMMIT, as before.
    officer = _drafting(demo_db, "a.okoro")
    assert mine.case_id is not None and theirs.case_id is not None
    with pytest.raises(ValidationError, match="only a signed-off reply can be dispatched"):
        officer.dispatch(_new_reply(demo_db).case_id or -1, "post")
    with pytest.raises(ValidationError, match="choose one of"):
        officer.dispatch(mine.case_id, "pigeon")
    officer.dispatch(mine.case_id, "email", DEMO_TODAY)
    with acting_as(demo_db.session_factory, "a.okoro").begin() as uow:
        dispatch(
            uow.session, uow.actor, theirs.case_id, on=DEMO_TODAY, channel="email", today=DEMO_TODAY
        )
    ours, old = drafting.view(mine.id), drafting.view(theirs.id)
    assert (ours.version, ours.status, ours.case_status) == (
        old.version,
        old.status,
        old.case_status,
    )
    assert [c.body for c in ours.comments] == [c.body for c in old.comments]
    ours_chain = _chain_of(demo_db, mine.id, mine.case_id, since)
    assert ours_chain == _chain_of(demo_db, theirs.id, theirs.case_id, since)
    assert len(ours_chain) >= 10
    with demo_db.session_factory() as s:
        assert events.verify_chain(s) is None
        mine_case, old_case = s.get(Case, mine.case_id), s.get(Case, theirs.case_id)
        assert mine_case is not None and old_case is not None
        assert (mine_case.version, mine_case.signed_off_on, mine_case.signature_method) == (
            old_case.version, old_case.signed_off_on, old_case.signature_method,
        )  # fmt: skip
        assert (mine_case.status, mine_case.dispatched_on, mine_case.dispatch_channel) == (
            CaseStatus.DISPATCHED, DEMO_TODAY, "email",
        )  # fmt: skip
        assert (old_case.status, old_case.dispatched_on, old_case.dispatch_channel) == (
            CaseStatus.DISPATCHED, DEMO_TODAY, "email",
        )  # fmt: skip


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
