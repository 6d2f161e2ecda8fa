"""The approval chain: submit for QA, QA approval, sign-off, return with a reason; comments.

The window's clicks take draft_steps.py, the same steps in three round trips built on the
rules here (move_draft, move_case, require_stage); the steps below, made through the ORM,
are what tests/db/test_draft_edit_views.py checks them against."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from correspondence.db.models import Case, Comment, Draft, now_utc
from correspondence.documents.textclean import clean_for_word
from correspondence.domain.states import (
    CaseStatus,
    DraftStatus,
    IllegalTransition,
    check_draft_transition,
)
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.cases import cases
from correspondence.services.drafting.draft_guards import (
    DRAFTING_ROLES,
    MAX_PARAGRAPH_CHARS,
    check_version,
    draft_label,
    flush_draft,
)
from correspondence.services.drafting.draft_loading import case_of, load_draft
from correspondence.services.drafting.reply_letter import letter_spec_for
from correspondence.services.errors import ValidationError

SIGNATURE_METHODS = ("wet", "digital")


def move_draft(
    session: Session,
    actor: Actor,
    draft: Draft,
    case: Case | None,
    target: DraftStatus,
    action: str,
    *,
    reason: str = "",
) -> None:
    current = draft.status
    try:
        check_draft_transition(current, target)
    except IllegalTransition as exc:
        raise ValidationError("Draft", str(exc)) from exc
    draft.status = target
    events.record(
        session,
        actor,
        "draft",
        draft.id,
        action,
        case_id=case.id if case else None,
        field="status",
        old=current.value,
        new=target.value,
        reason=reason,
    )


def move_case(
    session: Session, actor: Actor, case: Case | None, target: CaseStatus, reason: str = ""
) -> None:
    # The case follows its draft; a case already there (a campaign member, say) stays.
    if case is None or case.status == target.value:
        return
    try:
        cases.move(session, actor, case.id, target, reason=reason)
    except IllegalTransition as exc:
        raise ValidationError("Case status", str(exc)) from exc


def require_stage(draft: Draft, case: Case | None, stage: DraftStatus, doing: str) -> None:
    status = draft.status
    if status is not stage:
        raise ValidationError(
            "Draft",
            f"cannot {doing} {draft_label(draft, case)}: it is {status.label.lower()}, "
            f"not {stage.label.lower()}",
        )


def submit(
    session: Session,
    actor: Actor,
    draft_id: int,
    *,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Draft:
    """Send a draft for QA; a returned draft goes back through drafting first."""
    actor.require("submit a draft for QA", *DRAFTING_ROLES)
    draft = load_draft(session, draft_id)
    case = case_of(session, draft)
    check_version(draft, case, expected_version)
    if not draft.paragraphs:
        raise ValidationError("Draft", "add at least one paragraph before submitting")
    if draft.signatory_id is None:
        raise ValidationError("Signatory", "choose who signs the reply before submitting")
    if case is not None:
        # Every line must fill in for this case before anyone is asked to approve it.
        letter_spec_for(session, draft.id, case.id, final=False, today=today)
    if draft.status is DraftStatus.RETURNED:
        move_draft(session, actor, draft, case, DraftStatus.DRAFTING, "draft resumed")
    if case is not None and case.status in (CaseStatus.RETURNED.value, CaseStatus.TRIAGED.value):
        move_case(session, actor, case, CaseStatus.DRAFTING)
    move_draft(session, actor, draft, case, DraftStatus.IN_QA, "submitted for QA")
    draft.returned_reason = ""
    move_case(session, actor, case, CaseStatus.IN_QA)
    flush_draft(session, draft, case)
    return draft


def qa_approve(
    session: Session,
    actor: Actor,
    draft_id: int,
    *,
    comment: str = "",
    expected_version: int | None = None,
) -> Draft:
    """A policy lead approves the draft, which goes to the private office."""
    actor.require("QA-approve a draft", Role.POLICY_LEAD)
    draft = load_draft(session, draft_id)
    case = case_of(session, draft)
    check_version(draft, case, expected_version)
    require_stage(draft, case, DraftStatus.IN_QA, "QA-approve")
    move_draft(
        session, actor, draft, case, DraftStatus.WITH_PRIVATE_OFFICE, "QA approved", reason=comment
    )
    draft.qa_by_id = actor.user_id
    draft.qa_at = now_utc()
    if comment.strip():
        _comment(session, actor, draft, comment)
    move_case(session, actor, case, CaseStatus.WITH_PRIVATE_OFFICE)
    flush_draft(session, draft, case)
    return draft


def sign_off(
    session: Session,
    actor: Actor,
    draft_id: int,
    method: str,
    *,
    comment: str = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Draft:
    """A private secretary signs the reply off (wet or digital signature)."""
    actor.require("sign off a reply", Role.PRIVATE_SECRETARY)
    if method not in SIGNATURE_METHODS:
        raise ValidationError(
            "Signature", f"say how it was signed: {' or '.join(SIGNATURE_METHODS)}"
        )
    draft = load_draft(session, draft_id)
    case = case_of(session, draft)
    check_version(draft, case, expected_version)
    require_stage(draft, case, DraftStatus.WITH_PRIVATE_OFFICE, "sign off")
    today = today or dt.date.today()
    move_draft(session, actor, draft, case, DraftStatus.SIGNED_OFF, "signed off", reason=comment)
    draft.signed_off_by_id = actor.user_id
    draft.signed_off_at = now_utc()
    draft.signature_method = method
    if draft.letter_date is None:
        draft.letter_date = today  # the letter is dated the day it is signed
    if comment.strip():
        _comment(session, actor, draft, comment)
    move_case(session, actor, case, CaseStatus.SIGNED_OFF)
    if case is not None:
        case.signed_off_on = today
        case.signature_method = method
    flush_draft(session, draft, case)
    return draft


def return_draft(
    session: Session,
    actor: Actor,
    draft_id: int,
    reason: str,
    *,
    expected_version: int | None = None,
) -> Draft:
    """Send a draft back to its drafter with the reason (QA: policy lead; private office: PS)."""
    draft = load_draft(session, draft_id)
    case = case_of(session, draft)
    status = draft.status
    if status is DraftStatus.IN_QA:
        actor.require("return a draft from QA", Role.POLICY_LEAD)
    elif status is DraftStatus.WITH_PRIVATE_OFFICE:
        actor.require("return a draft from the private office", Role.PRIVATE_SECRETARY)
    else:
        raise ValidationError(
            "Draft",
            f"cannot return {draft_label(draft, case)}: it is {status.label.lower()}; only drafts "
            "in QA or with the private office can be returned",
        )
    check_version(draft, case, expected_version)
    reason = clean_for_word(reason).strip()
    if not reason:
        raise ValidationError("Reason", "say why the draft is being returned")
    move_draft(session, actor, draft, case, DraftStatus.RETURNED, "returned", reason=reason)
    draft.returned_reason = reason
    _comment(session, actor, draft, f"Returned: {reason}")
    move_case(session, actor, case, CaseStatus.RETURNED, reason)
    flush_draft(session, draft, case)
    return draft


def _comment(session: Session, actor: Actor, draft: Draft, body: str) -> Comment:
    row = Comment(case_id=draft.case_id, draft_id=draft.id, author_id=actor.user_id, body=body)
    session.add(row)
    session.flush()
    return row


def add_comment(session: Session, actor: Actor, draft_id: int, body: str) -> Comment:
    """Anyone working on the reply may comment; the case history records it."""
    actor.require("comment on drafts", *DRAFTING_ROLES, Role.PRIVATE_SECRETARY, Role.OFFICER)
    body = clean_for_word(body).strip()
    if not body:
        raise ValidationError("Comment", "write something first")
    if len(body) > MAX_PARAGRAPH_CHARS:
        raise ValidationError("Comment", "too long; keep a comment under 50,000 characters")
    draft = load_draft(session, draft_id)
    row = _comment(session, actor, draft, body)
    events.record(
        session, actor, "draft", draft.id, "comment", case_id=draft.case_id, new=body[:200]
    )
    return row
