"""Breach forecast: the open cases likely to miss their due date, and why, in a sentence each.

Worked out when asked (My work asks once a day, and again on demand); nothing runs in the
background. Two models:

- With 90 days or more of history in the event log, a per-stage duration model: how long
  cases stayed in each status (logged, triaged, drafting, in QA, with private office, signed
  off) in the last 90 days, as the median in working days (from the case's status events; a
  case's first stage starts on its received date). A case is expected to finish its current
  stage in (typical − time already in it, at least nothing) and then take the typical time of
  each later stage; if that lands after its due date (extensions included), it is at risk.
  A stage with fewer than ``MIN_SAMPLES`` moves in the window uses the product brief's time.
- With less history, the stage deadlines of the product brief, scaled to the case's target:
  draft by day 10, sign-off by day 19, dispatch by day 20 (QA by 14 in between). A case still
  short of a stage after that stage's day is behind, and the stages after it need the days
  the brief gives them, so it is forecast to finish late.

A case already past its due date is at risk without a forecast. The holding reply for an
at-risk case is drafted from the approved line ``holding-reply``.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from correspondence.db.models import Case, Event, ReplyType, Signatory, User
from correspondence.documents.letter_spec import BodyParagraph, LetterSpec
from correspondence.documents.rendering import TemplateProblem, render_line
from correspondence.domain.salutations import addressee_block
from correspondence.domain.states import OPEN_STATUSES, CaseStatus
from correspondence.domain.workdays import (
    StagePlan,
    add_working_days,
    working_days_between,
)
from correspondence.services.actors import Actor, Role
from correspondence.services.cases.deadlines import plan_for
from correspondence.services.errors import NotFound, ValidationError
from correspondence.services.lines.line_context import context_for_case
from correspondence.services.lines.line_views import approved_version
from correspondence.services.reports.reports import Column, ColumnKind, Table
from correspondence.services.unit_of_work import UnitOfWorkFactory

HISTORY_DAYS = 90
MIN_SAMPLES = 5
HOLDING_LINE = "holding-reply"
# The stages in the order a case goes through them; "returned" is drafting again.
STAGES = (
    CaseStatus.LOGGED,
    CaseStatus.TRIAGED,
    CaseStatus.DRAFTING,
    CaseStatus.IN_QA,
    CaseStatus.WITH_PRIVATE_OFFICE,
    CaseStatus.SIGNED_OFF,
)
_STAGE_OF = {s.value: s for s in STAGES} | {CaseStatus.RETURNED.value: CaseStatus.DRAFTING}
_NAMES = {
    CaseStatus.LOGGED: "logging",
    CaseStatus.TRIAGED: "triage",
    CaseStatus.DRAFTING: "drafting",
    CaseStatus.IN_QA: "QA",
    CaseStatus.WITH_PRIVATE_OFFICE: "private office",
    CaseStatus.SIGNED_OFF: "dispatch",
}
_WAITING = {
    CaseStatus.LOGGED: "Logged and waiting for triage",
    CaseStatus.TRIAGED: "Triaged and waiting for a draft",
    CaseStatus.DRAFTING: "Drafting",
    CaseStatus.IN_QA: "In QA",
    CaseStatus.WITH_PRIVATE_OFFICE: "With private office",
    CaseStatus.SIGNED_OFF: "Signed off and waiting for dispatch",
}
# Who sees every at-risk case in My work; others see their own and their team's.
_SEE_ALL = (Role.OFFICER, Role.PRIVATE_SECRETARY, Role.ADMIN)


@dataclass(frozen=True)
class StageModel:
    """Typical working days per stage, and where each figure came from."""

    from_history: bool
    history_days: int  # days between the oldest status event and today
    typical: dict[str, float]  # stage (status value) → working days
    samples: dict[str, int]  # stage → moves measured in the last 90 days

    def describe(self) -> str:
        if not self.from_history:
            return (
                f"The event log holds {self.history_days} days of history, under "
                f"{HISTORY_DAYS}: the forecast uses the product brief's stage deadlines (draft "
                "by day 10, sign-off by day 19, dispatch by day 20)."
            )
        parts = ", ".join(
            f"{_NAMES[s]} {self.typical[s.value]:g}"
            + ("" if self.samples.get(s.value, 0) >= MIN_SAMPLES else " (brief)")
            for s in STAGES
        )
        return (
            f"Typical working days per stage over the last {HISTORY_DAYS} days: {parts}. "
            "Stages marked (brief) had too few moves and use the product brief's time."
        )


@dataclass(frozen=True)
class AtRisk:
    case_id: int
    reference: str
    correspondent: str
    status: str
    received_on: dt.date
    due_on: dt.date
    forecast_on: dt.date | None  # None when already past due
    working_days_late: int
    holding_reply_on: dt.date | None
    drafter: str
    explanation: str


@dataclass(frozen=True)
class Forecast:
    today: dt.date
    model: StageModel
    examined: int
    at_risk: tuple[AtRisk, ...]

    @property
    def title(self) -> str:
        return f"Breach forecast as at {self.today:%d %b %Y}"

    @property
    def tables(self) -> tuple[Table, ...]:
        """As a report workbook wants it (report_export.write_xlsx)."""
        return (self.table(),)

    def table(self) -> Table:
        return Table(
            "forecast",
            "Breach forecast: open cases likely to miss their due date",
            (
                Column("Reference"),
                Column("From"),
                Column("Status"),
                Column("Received", ColumnKind.DATE),
                Column("Due", ColumnKind.DATE),
                Column("Forecast", ColumnKind.DATE),
                Column("Working days late", ColumnKind.INT),
                Column("Holding reply", ColumnKind.DATE),
                Column("Why"),
            ),
            tuple(
                (
                    r.reference,
                    r.correspondent,
                    r.status,
                    r.received_on,
                    r.due_on,
                    r.forecast_on,
                    r.working_days_late,
                    r.holding_reply_on,
                    r.explanation,
                )
                for r in self.at_risk
            ),
            self.model.describe(),
        )


def _day(value: dt.date) -> str:
    return f"{value:%-d %b %Y}"


def _plan_budget(plan: StagePlan) -> dict[str, float]:
    """The brief's time for each stage, from the stage days (draft by 10, sign-off by 19 …)."""
    return {
        CaseStatus.LOGGED.value: 1.0,
        CaseStatus.TRIAGED.value: 1.0,
        CaseStatus.DRAFTING.value: float(max(plan.draft - 2, 1)),
        CaseStatus.IN_QA.value: float(plan.qa - plan.draft),
        CaseStatus.WITH_PRIVATE_OFFICE.value: float(plan.signoff - plan.qa),
        CaseStatus.SIGNED_OFF.value: float(plan.dispatch - plan.signoff),
    }


def stage_model(session: Session, today: dt.date) -> StageModel:
    """Median working days per stage over the last 90 days, from the cases' status events."""
    oldest = session.scalar(
        select(func.min(Event.at)).where(Event.entity == "case", Event.action == "status")
    )
    history = (today - oldest.date()).days if oldest is not None else 0
    brief = _plan_budget(StagePlan())
    if history < HISTORY_DAYS:
        return StageModel(False, history, brief, {})
    since = dt.datetime.combine(today - dt.timedelta(days=HISTORY_DAYS), dt.time())
    moved = select(Event.case_id).where(
        Event.entity == "case", Event.action == "status", Event.at >= since
    )
    rows = session.execute(
        select(Event.case_id, Event.at, Event.old_value, Case.received_on)
        .join(Case, Case.id == Event.case_id)
        .where(
            Event.entity == "case",
            Event.action == "status",
            Event.case_id.in_(moved.scalar_subquery()),
        )
        .order_by(Event.case_id, Event.at, Event.id)
    ).all()
    durations: dict[str, list[int]] = defaultdict(list)
    entered: dict[int, dt.date] = {}
    for case_id, at, old, received in rows:
        if case_id is None:
            continue  # the query joins on cases: never, but the column may be empty
        fallback: dt.date | None = received if old == CaseStatus.LOGGED.value else None
        start = entered.get(case_id, fallback)
        left = _STAGE_OF.get(old)
        if start is not None and left is not None and at >= since:
            durations[left.value].append(max(working_days_between(start, at.date()), 0))
        entered[case_id] = at.date()
    typical = dict(brief)
    samples = {name: len(values) for name, values in durations.items()}
    for name, values in durations.items():
        if len(values) >= MIN_SAMPLES:
            typical[name] = float(statistics.median(values))
    return StageModel(True, history, typical, samples)


def _entered_current(session: Session, case_ids: list[int]) -> dict[int, dt.date]:
    """When each case entered its current status: its newest status event."""
    out: dict[int, dt.date] = {}
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start : start + 500]
        for case_id, at in session.execute(
            select(Event.case_id, func.max(Event.at))
            .where(Event.entity == "case", Event.action == "status", Event.case_id.in_(chunk))
            .group_by(Event.case_id)
        ):
            if case_id is not None:
                out[case_id] = at.date()
    return out


def _later(stage: CaseStatus) -> list[CaseStatus]:
    return list(STAGES[STAGES.index(stage) + 1 :])


def _judge_history(
    case: Case, stage: CaseStatus, since: dt.date, model: StageModel, today: dt.date
) -> tuple[dt.date, str]:
    spent = max(working_days_between(since, today), 0)
    typical = model.typical[stage.value]
    later = _later(stage)
    rest = sum(model.typical[s.value] for s in later)
    remaining = math.ceil(max(typical - spent, 0) + rest)
    when = add_working_days(today, remaining)
    still = ", ".join(f"{_NAMES[s]} {model.typical[s.value]:g}" for s in later)
    why = (
        f"{_WAITING[stage]} for {spent} working day{'s' if spent != 1 else ''} (typically "
        f"{typical:g} in the last {HISTORY_DAYS} days)"
        + (f"; still to come: {still}" if later else "")
        + f", so it would go on {_day(when)}"
    )
    return when, why


def _judge_brief(
    case: Case, stage: CaseStatus, plan: StagePlan, today: dt.date
) -> tuple[dt.date, str]:
    elapsed = max(working_days_between(case.received_on, today), 0)
    end = {
        CaseStatus.LOGGED: plan.draft,
        CaseStatus.TRIAGED: plan.draft,
        CaseStatus.DRAFTING: plan.draft,
        CaseStatus.IN_QA: plan.qa,
        CaseStatus.WITH_PRIVATE_OFFICE: plan.signoff,
        CaseStatus.SIGNED_OFF: plan.dispatch,
    }[stage]
    finish = max(elapsed, end) + (plan.dispatch - end)
    when = add_working_days(case.received_on, finish)
    what = {
        CaseStatus.LOGGED: "the draft",
        CaseStatus.TRIAGED: "the draft",
        CaseStatus.DRAFTING: "the draft",
        CaseStatus.IN_QA: "QA",
        CaseStatus.WITH_PRIVATE_OFFICE: "sign-off",
        CaseStatus.SIGNED_OFF: "dispatch",
    }[stage]
    after = plan.dispatch - end
    why = (
        f"{case.status.label} on working day {elapsed} of {plan.dispatch}; the brief "
        f"has {what} done by day {end}"
        + (f" and {after} more working day{'s' if after != 1 else ''} after it" if after else "")
        + f", so it would go on {_day(when)}"
    )
    return when, why


def forecast(session: Session, today: dt.date, actor: Actor | None = None) -> Forecast:
    """The open cases likely to miss their due date; `actor` narrows it to their work."""
    model = stage_model(session, today)
    q = (
        select(Case)
        .where(
            Case.direction == "incoming",
            Case.status.in_([s.value for s in OPEN_STATUSES]),
            Case.due_on.is_not(None),
        )
        .options(selectinload(Case.correspondent), selectinload(Case.drafter))
        .order_by(Case.due_on, Case.reference)
    )
    if actor is not None:
        if not actor.has(*_SEE_ALL):
            user = session.get(User, actor.user_id) if actor.user_id else None
            mine = Case.drafter_id == actor.user_id
            if user is not None and user.team_id is not None:
                q = q.where(mine | (Case.team_id == user.team_id))
            else:
                q = q.where(mine)
    cases = session.scalars(q).all()
    plans = {rt.code: plan_for(rt) for rt in session.scalars(select(ReplyType))}
    entered = _entered_current(session, [c.id for c in cases]) if model.from_history else {}
    out: list[AtRisk] = []
    for case in cases:
        due = case.due_on
        assert due is not None
        stage = _STAGE_OF.get(case.status)
        if stage is None:
            continue
        if due < today:
            late = working_days_between(due, today)
            when: dt.date | None = None
            why = (
                f"Already {late} working day{'s' if late != 1 else ''} past its due date of "
                f"{_day(due)}, {case.status.label.lower()}."
            )
        else:
            plan = plans.get(case.reply_type_code or "", StagePlan())
            target = working_days_between(case.received_on, due)
            if plan.dispatch != target and target >= 1:
                plan = plan.scaled(target)  # an extended case: its stages stretch with it
            if model.from_history:
                when, why = _judge_history(
                    case, stage, entered.get(case.id, case.received_on), model, today
                )
            else:
                when, why = _judge_brief(case, stage, plan, today)
            if when <= due:
                continue
            late = working_days_between(due, when)
            why += (
                f", {late} working day{'s' if late != 1 else ''} after its due date of {_day(due)}."
            )
        if case.holding_reply_on:
            why += f" A holding reply went on {_day(case.holding_reply_on)}."
        out.append(
            AtRisk(
                case_id=case.id,
                reference=case.reference,
                correspondent=case.correspondent.display_name if case.correspondent else "",
                status=case.status.label,
                received_on=case.received_on,
                due_on=due,
                forecast_on=when,
                working_days_late=late,
                holding_reply_on=case.holding_reply_on,
                drafter=case.drafter.display_name if case.drafter else "",
                explanation=why,
            )
        )
    return Forecast(today, model, len(cases), tuple(out))


def holding_reply_spec(session: Session, case_id: int, today: dt.date) -> LetterSpec:
    """The holding reply to a case, from the approved holding line, marked DRAFT for signing."""
    from correspondence.services.drafting.reply_letter import (
        computed_salutation,
        letterhead_of,
        person_of,
    )

    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"No case #{case_id}")
    try:
        version = approved_version(session, HOLDING_LINE)
    except (NotFound, ValidationError):
        raise ValidationError(
            "Holding reply", f"there is no approved standard line {HOLDING_LINE!r} to draft from"
        ) from None
    context = context_for_case(session, case.id, letter_date=today)
    try:
        text = render_line(version.body, context.as_mapping(today=today))
    except TemplateProblem as exc:
        raise ValidationError(f"Holding line for {case.reference}", str(exc)) from exc
    signatory = session.get(Signatory, case.signatory_id or case.addressed_to_id or -1)
    if signatory is None:
        raise ValidationError("Signatory", f"choose who signs the reply to {case.reference}")
    dear, close = computed_salutation(case)
    assert case.correspondent is not None  # context_for_case refuses a case without one
    return LetterSpec(
        letterhead=letterhead_of(signatory),
        reference=case.reference,
        addressee_lines=tuple(addressee_block(person_of(case.correspondent))),
        letter_date=today,
        salutation=dear,
        paragraphs=(BodyParagraph(text),),
        complimentary_close=close,
        signatory_name=signatory.name,
        subject="",
        draft=True,
    )


class BreachForecast:
    """The forecast bound to a database and the person asking (any official may)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    @property
    def username(self) -> str:
        return self.uow.username

    def everything(self) -> Forecast:
        with self.uow.read() as uow:
            _ = uow.actor  # a disabled account is refused here
            return forecast(uow.session, self.clock())

    def mine(self) -> Forecast:
        with self.uow.read() as uow:
            return forecast(uow.session, self.clock(), uow.actor)

    def draft_holding_reply(self, case_id: int, path: Path) -> Path:
        """Write the holding reply as a Word letter (marked DRAFT until it is signed)."""
        from correspondence.documents.word import write_letter

        with self.uow.read() as uow:
            _ = uow.actor  # a disabled account is refused here
            spec = holding_reply_spec(uow.session, case_id, self.clock())
        return write_letter(spec, path)
