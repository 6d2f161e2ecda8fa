"""Performance against target: the figures a private office watches weekly and a department
publishes yearly.

Definitions (the tests in tests/db/test_reports.py count them by hand):

- The population is every incoming case *received* in the chosen date range (a cohort), so a
  letter always counts in the week or month it arrived and the figures for a past range only
  change while some of its letters are still open.
- "Needs a reply": the case's reply type has `needs_reply` (no_reply and transfer do not) and
  the case is not closed as no reply / transferred. Such cases count in "received" but in no
  target figure.
- "Answered": dispatched. Days taken = working days from the received date to `dispatched_on`
  (`working_days_between`: the next working day is Day 1, weekends and England-and-Wales bank
  holidays skipped).
- "Within target": days taken <= the reply type's `target_days` (20 if the case has none). An
  extension does NOT make a late reply "within target": the published figure is against the
  Cabinet Office target, not against a date the office agreed to move. Replies that met an
  extended due date (`dispatched_on <= due_on`) are counted separately ("by agreed deadline").
- "% within target" = within target / (answered + still open and already past target). A late
  letter left unanswered is already a miss; leaving it open must not improve the figure.
  Open cases still inside their target are not yet decided and are left out.
- "Median days to reply" over answered cases.
- "Overdue now": open cases (any received date, the chosen correspondent scope) whose due date
  (extensions included) is before today, with the team and drafter holding them.
- A case with several themes counts once under each theme.

Nothing here reads a personal field of a closed case, so anonymising closed cases under the
retention policy leaves every figure unchanged.
"""

from __future__ import annotations

import datetime as dt
import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import (
    Campaign,
    Case,
    Correspondent,
    ReplyType,
    Signatory,
    Team,
    Theme,
    User,
    case_themes,
)
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import OPEN_STATUSES, CaseStatus
from correspondence.domain.workdays import DEFAULT_TARGET_DAYS, is_working_day
from correspondence.services.cases import history
from correspondence.services.cases.history import AuditResult, TimelineEntry
from correspondence.services.errors import ValidationError
from correspondence.services.unit_of_work import UnitOfWorkFactory

NONE_LABEL = "(none)"
MAX_CAMPAIGN_COLUMNS = 6
_NOT_ANSWERED_STATUSES = frozenset({CaseStatus.NO_REPLY.value, CaseStatus.TRANSFERRED.value})
_OPEN = frozenset(s.value for s in OPEN_STATUSES)
_DISPATCHED = CaseStatus.DISPATCHED.value


class Scope(StrEnum):
    """Whose letters: the published figure is for letters from MPs and peers."""

    MPS_AND_PEERS = "mps_and_peers"
    ALL = "all"

    @property
    def label(self) -> str:
        return "Letters from MPs and peers" if self is Scope.MPS_AND_PEERS else "All letters"


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"


class ColumnKind(StrEnum):
    TEXT = "text"
    INT = "int"
    PERCENT = "percent"  # a fraction 0..1, or None when there is nothing to divide by
    DAYS = "days"  # working days, may be fractional (a median)
    DATE = "date"
    WEEK = "week"  # a date: the Monday a week starts
    MONTH = "month"  # a date: the first of a month


@dataclass(frozen=True)
class Column:
    title: str
    kind: ColumnKind = ColumnKind.TEXT


Cell = str | int | float | dt.date | None


@dataclass(frozen=True)
class Table:
    """One report: a header and rows of plain values, fed to the UI, the CLI and exports."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.title for c in self.columns)

    def column(self, title: str) -> tuple[Cell, ...]:
        i = self.header.index(title)
        return tuple(r[i] for r in self.rows)

    def row(self, first: Cell) -> tuple[Cell, ...]:
        """The row whose first cell is `first` (a group name, a period)."""
        for r in self.rows:
            if r[0] == first:
                return r
        raise KeyError(first)


@dataclass(frozen=True)
class Summary:
    received: int
    needs_reply: int
    answered: int
    within_target: int
    open_past_target: int
    pct_within_target: float | None
    by_agreed_deadline: int  # answered on or before the due date, extensions included
    median_days: float | None
    still_open: int
    overdue_now: int


@dataclass(frozen=True)
class ReportParams:
    start: dt.date
    end: dt.date
    scope: Scope = Scope.ALL
    period: Period = Period.WEEK

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError(
                "Date range", f"{self.end:%d %B %Y} is before {self.start:%d %B %Y}"
            )


@dataclass(frozen=True)
class Report:
    params: ReportParams
    today: dt.date
    summary: Summary
    tables: tuple[Table, ...]

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)

    @property
    def title(self) -> str:
        return (
            f"{self.params.scope.label} received {self.params.start:%d %b %Y} to "
            f"{self.params.end:%d %b %Y} (as at {self.today:%d %b %Y})"
        )


# --- working days, fast --------------------------------------------------------------


class WorkdayIndex:
    """working_days_between for many dates at once: a sorted list of working days in a span.

    Same rule as domain.workdays.working_days_between (count of working days in (a, b]).
    """

    def __init__(self, first: dt.date, last: dt.date) -> None:
        self.first, self.last = first, last
        n = (last - first).days
        self._days = [
            d.toordinal()
            for d in (first + dt.timedelta(days=i) for i in range(n + 1))
            if is_working_day(d)
        ]

    def between(self, start: dt.date, end: dt.date) -> int:
        if not (self.first <= start <= self.last and self.first <= end <= self.last):
            from correspondence.domain.workdays import working_days_between

            return working_days_between(start, end)
        a = bisect_right(self._days, start.toordinal())
        b = bisect_right(self._days, end.toordinal())
        return b - a


# --- the rows we compute from ------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    # Mutable with slots: tens of thousands are built per report, and the facts below are
    # worked out once per row rather than once per table it appears in.
    id: int
    reference: str
    received_on: dt.date
    due_on: dt.date | None
    status: str
    reply_type: str
    needs_reply: bool
    target: int
    team: str
    drafter: str
    signatory: str
    campaign: str
    kind: str
    correspondent: str
    dispatched_on: dt.date | None
    themes: tuple[str, ...] = field(default=())
    is_open: bool = False
    answered: bool = False
    days: int = 0
    within: bool = False
    by_deadline: bool = False
    open_late: bool = False


_MPS_AND_PEERS = (CorrespondentKind.MP.value, CorrespondentKind.PEER.value)


def _load(
    session: Session,
    *,
    scope: Scope,
    start: dt.date | None = None,
    end: dt.date | None = None,
    open_only: bool = False,
) -> list[_Row]:
    reply_types = {
        rt.code: (rt.name, rt.needs_reply, rt.target_days)
        for rt in session.scalars(select(ReplyType))
    }
    teams = dict(session.execute(select(Team.id, Team.name)).all())
    users = dict(session.execute(select(User.id, User.display_name)).all())
    sigs = dict(session.execute(select(Signatory.id, Signatory.name)).all())
    camps = dict(session.execute(select(Campaign.id, Campaign.name)).all())
    q = (
        select(
            Case.id,
            Case.reference,
            Case.received_on,
            Case.due_on,
            Case.status,
            Case.reply_type_code,
            Case.team_id,
            Case.drafter_id,
            Case.signatory_id,
            Case.campaign_id,
            Case.dispatched_on,
            Correspondent.kind,
            Correspondent.display_name,
        )
        .outerjoin(Correspondent, Correspondent.id == Case.correspondent_id)
        .where(Case.direction == "incoming")
    )
    if start is not None:
        q = q.where(Case.received_on >= start)
    if end is not None:
        q = q.where(Case.received_on <= end)
    if open_only:
        q = q.where(Case.status.in_(_OPEN))
    if scope is Scope.MPS_AND_PEERS:
        q = q.where(Correspondent.kind.in_(_MPS_AND_PEERS))
    raw = session.execute(q.order_by(Case.received_on, Case.id)).all()
    theme_map: dict[int, list[str]] = defaultdict(list)
    if raw and not open_only:  # the overdue tables do not show themes
        tq = (
            select(case_themes.c.case_id, Theme.code)
            .join(Theme, Theme.id == case_themes.c.theme_id)
            .join(Case, Case.id == case_themes.c.case_id)
            .where(Case.direction == "incoming")
        )
        if start is not None:
            tq = tq.where(Case.received_on >= start)
        if end is not None:
            tq = tq.where(Case.received_on <= end)
        ids = {r.id for r in raw}
        for cid, code in session.execute(tq.order_by(Theme.code)):
            if cid in ids:
                theme_map[cid].append(code)
    rows = []
    for r in raw:
        name, needs, target = reply_types.get(r.reply_type_code or "", ("", True, None))
        rows.append(
            _Row(
                id=r.id,
                reference=r.reference,
                received_on=r.received_on,
                due_on=r.due_on,
                status=r.status,
                reply_type=name or NONE_LABEL,
                needs_reply=needs and r.status not in _NOT_ANSWERED_STATUSES,
                target=target or DEFAULT_TARGET_DAYS,
                team=teams.get(r.team_id, NONE_LABEL),
                drafter=users.get(r.drafter_id, NONE_LABEL),
                signatory=sigs.get(r.signatory_id, NONE_LABEL),
                campaign=camps.get(r.campaign_id, ""),
                kind=r.kind or "",
                correspondent=r.display_name or "",
                dispatched_on=r.dispatched_on,
                themes=tuple(theme_map.get(r.id, ())) or (NONE_LABEL,),
            )
        )
    return rows


# --- the figures ---------------------------------------------------------------------


@dataclass
class _Tally:
    received: int = 0
    needs_reply: int = 0
    answered: int = 0
    within: int = 0
    open_late: int = 0
    by_deadline: int = 0
    still_open: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def pct(self) -> float | None:
        decided = self.answered + self.open_late
        return self.within / decided if decided else None

    @property
    def median(self) -> float | None:
        return float(statistics.median(self.days)) if self.days else None


class _Counter:
    def __init__(self, today: dt.date, index: WorkdayIndex) -> None:
        self.today = today
        self.index = index

    def facts(self, r: _Row) -> None:
        """Work out, once, what a row counts as (see the module docstring)."""
        r.is_open = r.status in _OPEN
        if not r.needs_reply:
            return
        if r.status == _DISPATCHED and r.dispatched_on is not None:
            r.answered = True
            r.days = self.index.between(r.received_on, r.dispatched_on)
            r.within = r.days <= r.target
            r.by_deadline = r.due_on is not None and r.dispatched_on <= r.due_on
        elif r.is_open:
            r.open_late = self.index.between(r.received_on, self.today) > r.target

    @staticmethod
    def add(t: _Tally, r: _Row) -> None:
        t.received += 1
        t.still_open += r.is_open
        if not r.needs_reply:
            return
        t.needs_reply += 1
        if r.answered:
            t.answered += 1
            t.days.append(r.days)
            t.within += r.within
            t.by_deadline += r.by_deadline
        else:
            t.open_late += r.open_late


def _period_start(day: dt.date, period: Period) -> dt.date:
    if period is Period.WEEK:
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def _periods(start: dt.date, end: dt.date, period: Period) -> list[dt.date]:
    out = []
    p = _period_start(start, period)
    while p <= end:
        out.append(p)
        if period is Period.WEEK:
            p += dt.timedelta(days=7)
        else:
            p = (p.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


_TARGET_COLUMNS = (
    Column("Received", ColumnKind.INT),
    Column("Needs reply", ColumnKind.INT),
    Column("Answered", ColumnKind.INT),
    Column("Within target", ColumnKind.INT),
    Column("Open past target", ColumnKind.INT),
    Column("% within target", ColumnKind.PERCENT),
    Column("Median days", ColumnKind.DAYS),
)


def _target_row(label: Cell, t: _Tally) -> tuple[Cell, ...]:
    return (
        label,
        t.received,
        t.needs_reply,
        t.answered,
        t.within,
        t.open_late,
        t.pct,
        t.median,
    )


def _breakdown(
    key: str,
    title: str,
    group: str,
    rows: Iterable[_Row],
    keys: Callable[[_Row], Sequence[str]],
    counter: _Counter,
    note: str = "",
) -> Table:
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for r in rows:
        for k in keys(r):
            counter.add(tallies[k], r)
    # Biggest groups first; "(none)" last so a missing team does not lead the table.
    order = sorted(tallies, key=lambda k: (k == NONE_LABEL, -tallies[k].received, k))
    return Table(
        key,
        title,
        (Column(group),) + _TARGET_COLUMNS,
        tuple(_target_row(k, tallies[k]) for k in order),
        note,
    )


def _holder(r: _Row) -> str:
    if r.status in (CaseStatus.WITH_PRIVATE_OFFICE.value, CaseStatus.SIGNED_OFF.value):
        return "Private office"
    if r.status in (CaseStatus.LOGGED.value, CaseStatus.TRIAGED.value) and r.drafter == NONE_LABEL:
        return "Correspondence unit"
    return r.drafter


def build_report(session: Session, params: ReportParams, today: dt.date) -> Report:
    """Every table of the reports window for `params`, as at `today`."""
    rows = _load(session, scope=params.scope, start=params.start, end=params.end)
    open_rows = _load(session, scope=params.scope, open_only=True)
    first = min(
        [params.start, today]
        + [r.received_on for r in rows]
        + [r.received_on for r in open_rows]
        + [r.due_on for r in open_rows if r.due_on]
    )
    last = max([params.end, today] + [r.dispatched_on for r in rows if r.dispatched_on])
    counter = _Counter(today, WorkdayIndex(first, last))
    for r in rows:
        counter.facts(r)

    overall = _Tally()
    for r in rows:
        counter.add(overall, r)
    overdue = [r for r in open_rows if r.due_on is not None and r.due_on < today and r.needs_reply]
    summary = Summary(
        received=overall.received,
        needs_reply=overall.needs_reply,
        answered=overall.answered,
        within_target=overall.within,
        open_past_target=overall.open_late,
        pct_within_target=overall.pct,
        by_agreed_deadline=overall.by_deadline,
        median_days=overall.median,
        still_open=overall.still_open,
        overdue_now=len(overdue),
    )

    period_kind = ColumnKind.WEEK if params.period is Period.WEEK else ColumnKind.MONTH
    periods = _periods(params.start, params.end, params.period)
    by_period: dict[dt.date, _Tally] = {p: _Tally() for p in periods}
    for r in rows:
        counter.add(by_period[_period_start(r.received_on, params.period)], r)
    volumes = Table(
        "volumes",
        f"Received and answered by {params.period.value}",
        (
            Column("Week starting" if params.period is Period.WEEK else "Month", period_kind),
            Column("Received", ColumnKind.INT),
            Column("Needs reply", ColumnKind.INT),
            Column("Answered", ColumnKind.INT),
            Column("Within target", ColumnKind.INT),
            Column("Still open", ColumnKind.INT),
            Column("% within target", ColumnKind.PERCENT),
        ),
        tuple(
            (p, t.received, t.needs_reply, t.answered, t.within, t.still_open, t.pct)
            for p, t in by_period.items()
        ),
        "Letters counted in the period they were received.",
    )

    overall_table = Table(
        "overall",
        "Overall",
        (Column("Measure"), Column("Value", ColumnKind.TEXT)),
        (
            ("Received", summary.received),
            ("Needing a reply", summary.needs_reply),
            ("Answered", summary.answered),
            ("Answered within target", summary.within_target),
            ("Open and already past target", summary.open_past_target),
            ("% within target", _pct_text(summary.pct_within_target)),
            ("Answered by the agreed deadline (extensions included)", summary.by_agreed_deadline),
            ("Median working days to reply", _days_text(summary.median_days)),
            ("Still open", summary.still_open),
            ("Overdue now (any received date)", summary.overdue_now),
        ),
        "% within target = within target ÷ (answered + open past target).",
    )

    tables = [
        overall_table,
        volumes,
        _breakdown(
            "reply_type", "By reply type", "Reply type", rows, lambda r: (r.reply_type,), counter
        ),
        _breakdown("team", "By team", "Team", rows, lambda r: (r.team,), counter),
        _breakdown(
            "theme",
            "By theme",
            "Theme",
            rows,
            lambda r: r.themes,
            counter,
            "A letter with several themes counts under each of them.",
        ),
        _breakdown(
            "signatory", "By signatory", "Signatory", rows, lambda r: (r.signatory,), counter
        ),
        _overdue_by_holder(overdue, today, counter),
        _overdue_list(overdue, today, counter),
        _campaigns(rows, periods, params.period, period_kind),
    ]
    return Report(params, today, summary, tuple(tables))


def _pct_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _days_text(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _overdue_by_holder(overdue: list[_Row], today: dt.date, counter: _Counter) -> Table:
    groups: dict[tuple[str, str], list[_Row]] = defaultdict(list)
    for r in overdue:
        groups[(r.team, _holder(r))].append(r)
    order = sorted(groups, key=lambda k: (-len(groups[k]), k))
    return Table(
        "overdue_by_holder",
        "Overdue now, by who holds them",
        (
            Column("Team"),
            Column("With"),
            Column("Overdue", ColumnKind.INT),
            Column("Oldest due date", ColumnKind.DATE),
            Column("Most working days overdue", ColumnKind.INT),
        ),
        tuple(
            (
                team,
                who,
                len(groups[(team, who)]),
                min(r.due_on for r in groups[(team, who)] if r.due_on),
                max(
                    counter.index.between(r.due_on, today) for r in groups[(team, who)] if r.due_on
                ),
            )
            for team, who in order
        ),
        "Open letters of any received date whose due date (extensions included) has passed.",
    )


def _overdue_list(overdue: list[_Row], today: dt.date, counter: _Counter) -> Table:
    ordered = sorted(overdue, key=lambda r: (r.due_on or today, r.reference))
    return Table(
        "overdue",
        "Overdue now",
        (
            Column("Reference"),
            Column("From"),
            Column("Received", ColumnKind.DATE),
            Column("Due", ColumnKind.DATE),
            Column("Working days overdue", ColumnKind.INT),
            Column("Status"),
            Column("Team"),
            Column("With"),
        ),
        tuple(
            (
                r.reference,
                r.correspondent,
                r.received_on,
                r.due_on,
                counter.index.between(r.due_on, today) if r.due_on else None,
                CaseStatus(r.status).label,
                r.team,
                _holder(r),
            )
            for r in ordered
        ),
    )


def _campaigns(rows: list[_Row], periods: list[dt.date], period: Period, kind: ColumnKind) -> Table:
    totals = Counter(r.campaign for r in rows if r.campaign)
    top = [name for name, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]
    shown = top[:MAX_CAMPAIGN_COLUMNS]
    other = len(top) > MAX_CAMPAIGN_COLUMNS
    counts: dict[dt.date, Counter[str]] = {p: Counter() for p in periods}
    for r in rows:
        if r.campaign:
            name = r.campaign if r.campaign in shown else "Other campaigns"
            counts[_period_start(r.received_on, period)][name] += 1
    names = shown + (["Other campaigns"] if other else [])
    columns = (
        (Column("Week starting" if period is Period.WEEK else "Month", kind),)
        + tuple(Column(n, ColumnKind.INT) for n in names)
        + (Column("All campaign letters", ColumnKind.INT),)
    )
    return Table(
        "campaigns",
        "Campaign letters received",
        columns,
        tuple((p, *(counts[p][n] for n in names), sum(counts[p].values())) for p in periods),
        f"The {MAX_CAMPAIGN_COLUMNS} biggest campaigns of the range; the rest are added together."
        if other
        else "",
    )


# --- presets for the date filter --------------------------------------------------------


def preset_range(name: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """'this_week', 'last_4_weeks', 'this_year': the ranges the window offers."""
    monday = today - dt.timedelta(days=today.weekday())
    if name == "this_week":
        return monday, today
    if name == "last_4_weeks":
        return monday - dt.timedelta(weeks=3), today
    if name == "this_year":
        return today.replace(month=1, day=1), today
    raise ValueError(f"Unknown preset {name!r}")


# --- the facade --------------------------------------------------------------------------


class Reports:
    """Reports bound to a database and to the person reading them (any official may)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    def report(self, params: ReportParams) -> Report:
        with self.uow.read() as uow:
            s = uow.session
            _ = uow.actor  # a disabled account is refused here
            return build_report(s, params, self.clock())

    def timeline(self, case_id: int) -> list[TimelineEntry]:
        with self.uow.read() as uow:
            s = uow.session
            return history.timeline(s, case_id)

    def verify_audit(self) -> AuditResult:
        with self.uow.read() as uow:
            s = uow.session
            return history.verify_audit(s)
