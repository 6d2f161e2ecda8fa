"""A draft's steps along the approval chain (submit for QA, QA approval, sign-off, a
return) and a comment, in three round trips (PostgreSQL), as a save (draft_save): BEGIN
with who is acting; the draft and its case locked, with everything the editor shows after,
in one message; the draft's and the case's writes, a new comment and the events with the
COMMIT. The editor's new view is made from what was read and written, not read back.

Which way a draft and its case may move, and the event each move records, are approval.py's
rules (`move_draft`, `move_case`, `require_stage`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from correspondence.db.models import Case, Comment, Draft, User, now_utc
from correspondence.db.row_reads import keys_of, numbered_ahead
from correspondence.documents.textclean import clean_for_word
from correspondence.domain.states import CaseStatus, DraftStatus
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.drafting.approval import (
    SIGNATURE_METHODS,
    move_case,
    move_draft,
    require_stage,
)
from correspondence.services.drafting.draft_guards import (
    DRAFTING_ROLES,
    MAX_PARAGRAPH_CHARS,
    check_version,
    draft_label,
)
from correspondence.services.drafting.draft_loading import mapping_from
from correspondence.services.drafting.draft_rows import insert_rows
from correspondence.services.drafting.draft_save import (
    DraftRows,
    asked,
    draft_from,
    save_reads,
    shown_from,
    signatory_rows,
    versions_of,
    view_answers,
)
from correspondence.services.drafting.draft_view import DraftView, view_from
from correspondence.services.drafting.reply_letter import render_paragraphs
from correspondence.services.errors import ValidationError


@dataclass
class _Step:
    """A draft as one step found it: the draft (unsaved), its case (held by the session,
    locked), the case it is shown against, the rows read, and the actor's name."""

    session: Session
    actor: Actor
    draft: Draft
    case: Case | None
    shown: Case | None
    rows: DraftRows
    comment_ids: list[int] | None
    actor_rows: list[tuple[int, str]]
    comments: list[tuple[int, str | None, dt.datetime, str]]
    # A step writes the draft at set points (a new comment, a move of its case, the end),
    # and its version moves on at each point where it changed since the one before:
    # `flushed` is the draft at the last point, `bumps` how many moved it on. These are
    # where the steps flushed when they were made through the ORM: the versions stay.
    read: dict[str, object] = field(default_factory=dict)
    flushed: dict[str, object] = field(default_factory=dict)
    bumps: int = 0

    def flush_point(self) -> None:
        """A point where the step's draft is written: its version moves on if it changed."""
        now = {k: getattr(self.draft, k) for k in keys_of(Draft)}
        if now != self.flushed:
            self.bumps += 1
            self.flushed = now

    def move_case(self, target: CaseStatus, reason: str = "") -> None:
        """The case follows its draft (approval.move_case); a move is a point where the
        draft is written, as cases.move flushes."""
        moving = self.case is not None and self.case.status != target.value
        move_case(self.session, self.actor, self.case, target, reason)
        if moving:
            self.flush_point()


def _step(session: Session, actor: Actor, draft_id: int, comments: int) -> _Step:
    """Read the draft for a step (see the module's docstring); `comments`: how many new
    comments it may write."""
    reads = save_reads(session, draft_id, (), 0, None)
    # The draft's own case, locked right after the draft and before it is read, so the
    # case read is the one its write goes over (a campaign's member letter is not locked).
    of_draft = select(Draft.case_id).where(Draft.id == draft_id).scalar_subquery()
    reads.insert(1, select(Case.id).where(Case.id == of_draft).with_for_update(of=Case.__table__))
    reads += [
        select(User.id, User.display_name).where(User.id == actor.user_id),
        numbered_ahead(session, Comment.__table__, comments),
    ]
    answers = asked(session, reads)
    del answers[1]
    size = len(DraftRows._fields)
    rows = DraftRows(*answers[:size])
    actor_rows, comment_ids = answers[size:]
    draft = draft_from(rows, draft_id, versions_of(rows.versions))
    shown = shown_from(rows, session if draft.case_id is not None else None)
    case = shown if draft.case_id is not None else None
    if case is not None:
        # Locked and read in this transaction: its one UPDATE goes with the COMMIT.
        events.write_with_commit(session, case)
    return _Step(
        session,
        actor,
        draft,
        case,
        shown,
        rows,
        [r[0] for r in comment_ids] or None,
        [(int(r[0]), str(r[1])) for r in actor_rows],
        [],
    )


def _comment(step: _Step, body: str) -> None:
    """A comment by the actor, written with the COMMIT (PostgreSQL) and shown at once."""
    now = now_utc()
    values = {
        "case_id": step.draft.case_id,
        "draft_id": step.draft.id,
        "author_id": step.actor.user_id,
        "body": body,
        "created_at": now,
    }
    ids = step.comment_ids[:1] if step.comment_ids else None
    [made] = insert_rows(step.session, Comment.__table__, [values], ids)
    if step.comment_ids:
        step.comment_ids = step.comment_ids[1:]
    # The comments read show an author without a name as "?" (draft_view.view_from).
    name = step.actor_rows[0][1] if step.actor_rows else None
    step.comments.append((made, name, now, body))
    step.flush_point()


def _finish(step: _Step) -> DraftView:
    """Write the draft's changes with the COMMIT (its version moved on once per flush that
    wrote it before, see _Step), flush the case's, and make the editor's view."""
    draft, session = step.draft, step.session
    original = draft.version
    step.flush_point()  # the step's end
    if step.bumps:
        changed = {k: v for k, v in step.flushed.items() if v != step.read[k]}
        now = now_utc()
        events.at_commit(
            session,
            update(Draft.__table__)
            .where(Draft.id == draft.id, Draft.version == original)
            .values(**changed, version=original + step.bumps, updated_at=now),
        )
        draft.version, draft.updated_at = original + step.bumps, now
    session.flush()  # the case's changes become its UPDATE for the COMMIT
    signatories = {row[0]: row for row in step.rows.signatories}
    names = [*step.rows.names, *step.actor_rows]
    answers = view_answers(
        step.rows, draft, step.shown, signatories, [*step.rows.comments, *step.comments], names
    )
    return view_from(draft, step.case, step.shown, answers)


def _stepped(
    session: Session,
    actor: Actor,
    draft_id: int,
    expected_version: int | None,
    comments: int,
    change: Callable[[_Step], None],
    *,
    check: Callable[[_Step], None] | None = None,
) -> DraftView:
    step = _step(session, actor, draft_id, comments)
    if check is not None:
        check(step)
    check_version(step.draft, step.case, expected_version)
    step.read = step.flushed = {k: getattr(step.draft, k) for k in keys_of(Draft)}
    change(step)
    return _finish(step)


def submit(
    session: Session,
    actor: Actor,
    draft_id: int,
    *,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> DraftView:
    """Send a draft for QA (a returned one resumes drafting first, its case with it); the
    editor's new view. Every line must fill in for the case, checked on the rows read as
    reply_letter.letter_spec_for checks a draft."""
    actor.require("submit a draft for QA", *DRAFTING_ROLES)
    day = today or dt.date.today()

    def change(step: _Step) -> None:
        draft, case = step.draft, step.case
        if not draft.paragraphs:
            raise ValidationError("Draft", "add at least one paragraph before submitting")
        if draft.signatory_id is None:
            raise ValidationError("Signatory", "choose who signs the reply before submitting")
        if case is not None:
            _check_lines_fill(step, case, day)
        if draft.status is DraftStatus.RETURNED:
            move_draft(session, actor, draft, case, DraftStatus.DRAFTING, "draft resumed")
        if case is not None and case.status in (CaseStatus.RETURNED, CaseStatus.TRIAGED):
            step.move_case(CaseStatus.DRAFTING)
        move_draft(session, actor, draft, case, DraftStatus.IN_QA, "submitted for QA")
        draft.returned_reason = ""
        step.move_case(CaseStatus.IN_QA)

    return _stepped(session, actor, draft_id, expected_version, 0, change)


def _check_lines_fill(step: _Step, case: Case, today: dt.date) -> None:
    """What letter_spec_for(final=False) refuses for a case's draft with a signatory: a
    case with nobody to reply to, a line that does not fill in."""
    if case.correspondent is None:
        raise ValidationError(
            "Correspondent", f"case {case.reference} has no correspondent to reply to"
        )
    draft, rows = step.draft, step.rows
    signatories = {row[0]: row for row in rows.signatories}
    context = [signatory_rows(case, draft, signatories), rows.size, rows.themes]
    mapping = mapping_from(case, [*context, rows.constituents], draft.letter_date or today)
    assert mapping is not None  # a correspondent, and the draft's own signatory
    render_paragraphs(draft, {**mapping, "today": today})


def qa_approve(
    session: Session,
    actor: Actor,
    draft_id: int,
    *,
    comment: str = "",
    expected_version: int | None = None,
) -> DraftView:
    """A policy lead approves a draft in QA, with a comment if given; it goes to the
    private office, its case with it. The editor's new view."""
    actor.require("QA-approve a draft", Role.POLICY_LEAD)

    def change(step: _Step) -> None:
        draft, case = step.draft, step.case
        require_stage(draft, case, DraftStatus.IN_QA, "QA-approve")
        move_draft(
            session,
            actor,
            draft,
            case,
            DraftStatus.WITH_PRIVATE_OFFICE,
            "QA approved",
            reason=comment,
        )
        draft.qa_by_id = actor.user_id
        draft.qa_at = now_utc()
        if comment.strip():
            _comment(step, comment)
        step.move_case(CaseStatus.WITH_PRIVATE_OFFICE)

    return _stepped(session, actor, draft_id, expected_version, int(bool(comment.strip())), change)


def sign_off(
    session: Session,
    actor: Actor,
    draft_id: int,
    method: str,
    *,
    comment: str = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> DraftView:
    """A private secretary signs the reply off (wet or digital), dated that day if it had
    no date; the case records the day and how. The editor's new view."""
    actor.require("sign off a reply", Role.PRIVATE_SECRETARY)
    if method not in SIGNATURE_METHODS:
        raise ValidationError(
            "Signature", f"say how it was signed: {' or '.join(SIGNATURE_METHODS)}"
        )
    day = today or dt.date.today()

    def change(step: _Step) -> None:
        draft, case = step.draft, step.case
        require_stage(draft, case, DraftStatus.WITH_PRIVATE_OFFICE, "sign off")
        move_draft(
            session, actor, draft, case, DraftStatus.SIGNED_OFF, "signed off", reason=comment
        )
        draft.signed_off_by_id = actor.user_id
        draft.signed_off_at = now_utc()
        draft.signature_method = method
        if draft.letter_date is None:
            draft.letter_date = day  # the letter is dated the day it is signed
        if comment.strip():
            _comment(step, comment)
        step.move_case(CaseStatus.SIGNED_OFF)
        if case is not None:
            case.signed_off_on = day
            case.signature_method = method

    return _stepped(session, actor, draft_id, expected_version, int(bool(comment.strip())), change)


def return_draft(
    session: Session,
    actor: Actor,
    draft_id: int,
    reason: str,
    *,
    expected_version: int | None = None,
) -> DraftView:
    """Send a draft back to its drafter with the reason, also written as a comment (from
    QA: a policy lead; from the private office: a private secretary); its case goes back
    with it. The editor's new view."""

    def check(step: _Step) -> None:
        draft, case = step.draft, step.case
        status = draft.status
        if status is DraftStatus.IN_QA:
            actor.require("return a draft from QA", Role.POLICY_LEAD)
        elif status is DraftStatus.WITH_PRIVATE_OFFICE:
            actor.require("return a draft from the private office", Role.PRIVATE_SECRETARY)
        else:
            raise ValidationError(
                "Draft",
                f"cannot return {draft_label(draft, case)}: it is {status.label.lower()}; only "
                "drafts in QA or with the private office can be returned",
            )

    def change(step: _Step) -> None:
        draft, case = step.draft, step.case
        why = clean_for_word(reason).strip()
        if not why:
            raise ValidationError("Reason", "say why the draft is being returned")
        move_draft(session, actor, draft, case, DraftStatus.RETURNED, "returned", reason=why)
        draft.returned_reason = why
        _comment(step, f"Returned: {why}")
        step.move_case(CaseStatus.RETURNED, why)

    return _stepped(session, actor, draft_id, expected_version, 1, change, check=check)


def add_comment(session: Session, actor: Actor, draft_id: int, body: str) -> DraftView:
    """Anyone working on the reply may comment; the case history records it. The
    editor's new view."""
    actor.require("comment on drafts", *DRAFTING_ROLES, Role.PRIVATE_SECRETARY, Role.OFFICER)
    body = clean_for_word(body).strip()
    if not body:
        raise ValidationError("Comment", "write something first")
    if len(body) > MAX_PARAGRAPH_CHARS:
        raise ValidationError("Comment", "too long; keep a comment under 50,000 characters")

    def change(step: _Step) -> None:
        _comment(step, body)
        events.record(
            session, actor, "draft", step.draft.id, "comment", case_id=step.draft.case_id,
            new=body[:200],
        )  # fmt: skip

    return _stepped(session, actor, draft_id, None, 1, change)
