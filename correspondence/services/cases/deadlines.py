"""Due dates of a case: the stage deadlines, extensions with a reason, holding replies.

The target (working days from receipt) and the stage days come from the case's reply type, so
they are configurable per reply type. Once a case is extended, its stages are stretched to the
new due date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.batch_reads import Read, Rows, read_together
from correspondence.db.models import Case, Extension, ReplyType, User
from correspondence.domain.states import OPEN_STATUSES, CaseStatus
from correspondence.domain.workdays import (
    DEFAULT_TARGET_DAYS,
    StagePlan,
    add_working_days,
    due_date,
    stage_deadlines,
    working_days_between,
)
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.cases.cases import get_case
from correspondence.services.errors import ValidationError
from correspondence.services.unit_of_work import UnitOfWorkFactory

# A holding reply is offered when the target is this close and the draft is not yet with
# private office (PRODUCT.md: "if the target will be missed, a holding reply is sent").
HOLDING_REPLY_WINDOW = 2

_STAGES = (
    ("draft_by", "Draft to the team's QA"),
    ("qa_by", "QA done"),
    ("private_office_by", "With private office"),
    ("signoff_by", "Signed off"),
    ("dispatch_by", "Dispatched (target)"),
)
# The status from which a stage counts as done.
_DONE_FROM = {
    "draft_by": CaseStatus.IN_QA,
    "qa_by": CaseStatus.WITH_PRIVATE_OFFICE,
    "private_office_by": CaseStatus.WITH_PRIVATE_OFFICE,
    "signoff_by": CaseStatus.SIGNED_OFF,
    "dispatch_by": CaseStatus.DISPATCHED,
}
_LIFECYCLE = [
    CaseStatus.LOGGED,
    CaseStatus.TRIAGED,
    CaseStatus.DRAFTING,
    CaseStatus.IN_QA,
    CaseStatus.WITH_PRIVATE_OFFICE,
    CaseStatus.SIGNED_OFF,
    CaseStatus.DISPATCHED,
]
_BEFORE_PRIVATE_OFFICE = frozenset(
    {
        CaseStatus.LOGGED,
        CaseStatus.TRIAGED,
        CaseStatus.DRAFTING,
        CaseStatus.IN_QA,
        CaseStatus.RETURNED,
    }
)


@dataclass(frozen=True)
class StageRow:
    key: str
    label: str
    due: dt.date
    done: bool
    days_left: int  # working days from today; negative when past


@dataclass(frozen=True)
class ExtensionView:
    old_due_on: dt.date | None
    new_due_on: dt.date
    reason: str
    granted_by: str
    granted_at: dt.datetime


@dataclass(frozen=True)
class DeadlineView:
    case_id: int
    reference: str
    status: CaseStatus
    received_on: dt.date
    reply_type: str
    target_days: int
    due_on: dt.date | None
    days_left: int | None
    stages: tuple[StageRow, ...]
    extensions: tuple[ExtensionView, ...]
    holding_reply_on: dt.date | None
    offer_holding_reply: bool  # due within the window and not yet with private office


def plan_for(reply_type: ReplyType | ReplyDays | None) -> StagePlan:
    """The reply type's stage days; a malformed configuration falls back to the default."""
    if reply_type is None:
        return StagePlan()
    days = (reply_type.draft_day, reply_type.qa_day, reply_type.private_office_day)
    signoff = reply_type.signoff_day
    try:
        # The plan is scaled to the target later, so its own dispatch day just has to be last.
        return StagePlan(*days, signoff, max(reply_type.target_days, signoff))
    except (TypeError, ValueError):
        return StagePlan()


def target_days(reply_type: ReplyType | ReplyDays | None) -> int:
    return reply_type.target_days if reply_type else DEFAULT_TARGET_DAYS


def due_for(session: Session, received: dt.date, reply_type_code: str | None) -> dt.date | None:
    """The due date a reply type gives; None when it needs no reply."""
    rt = session.get(ReplyType, reply_type_code) if reply_type_code else None
    if rt is not None and not rt.needs_reply:
        return None
    return due_date(received, target_days(rt))


def _stage_done(status: CaseStatus, key: str) -> bool:
    if status not in _LIFECYCLE:
        return False
    return _LIFECYCLE.index(status) >= _LIFECYCLE.index(_DONE_FROM[key])


class ReplyDays(NamedTuple):
    """A reply type's days, as the deadline box reads them."""

    target_days: int
    draft_day: int
    qa_day: int
    private_office_day: int
    signoff_day: int


def deadline_reads(case: Case) -> list[Read]:
    """What the deadline box asks besides the case: its reply type's days and its
    extensions (independent reads: db/batch_reads.py asks them together)."""
    return [
        select(
            ReplyType.target_days,
            ReplyType.draft_day,
            ReplyType.qa_day,
            ReplyType.private_office_day,
            ReplyType.signoff_day,
        ).where(ReplyType.code == case.reply_type_code),
        select(
            Extension.old_due_on,
            Extension.new_due_on,
            Extension.reason,
            User.display_name,
            Extension.granted_at,
        )
        .outerjoin(User, User.id == Extension.granted_by_id)
        .where(Extension.case_id == case.id)
        .order_by(Extension.id),
    ]


def deadline_view(session: Session, case_id: int, today: dt.date) -> DeadlineView:
    case = get_case(session, case_id)
    return deadline_from(case, *read_together(session, deadline_reads(case)), today=today)


def deadline_from(
    case: Case, reply_type: Rows, extension_rows: Rows, *, today: dt.date
) -> DeadlineView:
    """The deadline box from the case and the rows of `deadline_reads`."""
    status = case.status
    rt = ReplyDays(*reply_type[0]) if reply_type and case.reply_type_code else None
    stages: list[StageRow] = []
    days_left: int | None = None
    if case.due_on is not None:
        span = max(working_days_between(case.received_on, case.due_on), 1)
        sd = stage_deadlines(case.received_on, span, plan_for(rt))
        for key, label in _STAGES:
            due = getattr(sd, key)
            stages.append(
                StageRow(
                    key, label, due, _stage_done(status, key), working_days_between(today, due)
                )
            )
        if status in OPEN_STATUSES:
            days_left = working_days_between(today, case.due_on)
    extensions = tuple(
        ExtensionView(old, new, reason, name or "", at)
        for old, new, reason, name, at in extension_rows
    )
    offer = (
        days_left is not None
        and days_left <= HOLDING_REPLY_WINDOW
        and status in _BEFORE_PRIVATE_OFFICE
        and case.holding_reply_on is None
    )
    return DeadlineView(
        case_id=case.id,
        reference=case.reference,
        status=status,
        received_on=case.received_on,
        reply_type=case.reply_type_code or "",
        target_days=target_days(rt),
        due_on=case.due_on,
        days_left=days_left,
        stages=tuple(stages),
        extensions=extensions,
        holding_reply_on=case.holding_reply_on,
        offer_holding_reply=offer,
    )


def extend_deadline(
    session: Session,
    actor: Actor,
    case_id: int,
    new_due: dt.date,
    reason: str,
    today: dt.date,
) -> Case:
    """Move the due date later, keeping the old one and the reason."""
    actor.require("extend a deadline", Role.OFFICER, Role.PRIVATE_SECRETARY)
    case = get_case(session, case_id)
    if case.status not in OPEN_STATUSES:
        raise ValidationError("Case", f"{case.reference} is closed; its deadline cannot change")
    if not reason.strip():
        raise ValidationError("Reason", "say why the deadline is being extended")
    if new_due < today:
        raise ValidationError("New due date", f"{new_due:%d %B %Y} is in the past")
    if case.due_on is not None and new_due <= case.due_on:
        raise ValidationError(
            "New due date", f"must be after the current due date, {case.due_on:%d %B %Y}"
        )
    old = case.due_on
    session.add(
        Extension(
            case_id=case.id,
            old_due_on=old,
            new_due_on=new_due,
            reason=reason.strip(),
            granted_by_id=actor.user_id,
        )
    )
    case.due_on = new_due
    session.flush()
    events.record(
        session,
        actor,
        "case",
        case.id,
        "deadline extended",
        case_id=case.id,
        field="due_on",
        old=old.isoformat() if old else "",
        new=new_due.isoformat(),
        reason=reason.strip(),
    )
    return case


def record_holding_reply(
    session: Session, actor: Actor, case_id: int, sent_on: dt.date, today: dt.date
) -> Case:
    """Note that a holding reply went out; the target itself does not move."""
    actor.require(
        "record a holding reply",
        Role.OFFICER,
        Role.PRIVATE_SECRETARY,
        Role.DRAFTER,
        Role.POLICY_LEAD,
    )
    case = get_case(session, case_id)
    if case.status not in OPEN_STATUSES:
        raise ValidationError("Case", f"{case.reference} is closed")
    if sent_on > today:
        raise ValidationError("Holding reply date", f"{sent_on:%d %B %Y} is in the future")
    if sent_on < case.received_on:
        raise ValidationError("Holding reply date", "is before the letter was received")
    old = case.holding_reply_on
    case.holding_reply_on = sent_on
    session.flush()
    events.record(
        session,
        actor,
        "case",
        case.id,
        "holding reply",
        case_id=case.id,
        field="holding_reply_on",
        old=old.isoformat() if old else "",
        new=sent_on.isoformat(),
    )
    return case


def configure_reply_type(
    session: Session,
    actor: Actor,
    code: str,
    *,
    target: int,
    plan: StagePlan | None = None,
) -> ReplyType:
    """Change a reply type's target and stage days (admins only); open cases keep theirs."""
    actor.require("configure reply types", Role.ADMIN)
    rt = session.get(ReplyType, code)
    if rt is None:
        raise ValidationError("Reply type", f"unknown reply type {code!r}")
    if target < 1:
        raise ValidationError("Target days", "must be at least 1 working day")
    plan = plan or StagePlan().scaled(target)
    old = (rt.target_days, rt.draft_day, rt.qa_day, rt.private_office_day, rt.signoff_day)
    rt.target_days = target
    rt.draft_day, rt.qa_day = plan.draft, plan.qa
    rt.private_office_day, rt.signoff_day = plan.private_office, plan.signoff
    new = (rt.target_days, rt.draft_day, rt.qa_day, rt.private_office_day, rt.signoff_day)
    session.flush()
    events.record(session, actor, "reply_type", None, "configured", field=code, old=old, new=new)
    return rt


def latest_for_holding(today: dt.date) -> dt.date:
    """The due date at or before which a holding reply is offered, from today."""
    return add_working_days(today, HOLDING_REPLY_WINDOW)


class Deadlines:
    """Facade: one transaction per call, as Desk."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    def view(self, case_id: int) -> DeadlineView:
        with self.uow.read() as uow:
            s = uow.session
            return deadline_view(s, case_id, self.clock())

    def extend_deadline(self, case_id: int, new_due: dt.date, reason: str) -> DeadlineView:
        with self.uow.begin() as uow:
            s, actor = uow.session, uow.actor
            extend_deadline(s, actor, case_id, new_due, reason, self.clock())
        return self.view(case_id)

    def record_holding_reply(self, case_id: int, sent_on: dt.date | None = None) -> DeadlineView:
        with self.uow.begin() as uow:
            s, actor = uow.session, uow.actor
            today = self.clock()
            record_holding_reply(s, actor, case_id, sent_on or today, today)
        return self.view(case_id)
