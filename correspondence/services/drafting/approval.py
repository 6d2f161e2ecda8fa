"""The approval chain's rules: which way a draft may move and the event each move records,
the case following its draft, the stage a step needs, and how a reply may be signed.
The steps themselves (submit, QA approval, sign-off, a return, a comment) are
draft_steps.py's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from correspondence.db.models import Case, Draft
from correspondence.domain.states import (
    CaseStatus,
    DraftStatus,
    IllegalTransition,
    check_draft_transition,
)
from correspondence.services import events
from correspondence.services.actors import Actor
from correspondence.services.cases import cases
from correspondence.services.drafting.draft_guards import draft_label
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
    """Move the draft to `target`, if the chain allows it, recording `action`."""
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
    """Refuse a step (`doing`) the draft is not at the stage for."""
    status = draft.status
    if status is not stage:
        raise ValidationError(
            "Draft",
            f"cannot {doing} {draft_label(draft, case)}: it is {status.label.lower()}, "
            f"not {stage.label.lower()}",
        )
