"""The Cabinet Office's quarterly return: correspondence from MPs and peers, as departments
publish it.

How each figure is counted (the same words are in the return itself, `HOW_COUNTED`, and
tests/db/test_cabinet_office_return.py counts a quarter by hand):

- Items received: incoming cases from an MP or a peer whose received date (the date stamp) is
  in the quarter.
- Transferred and "no reply needed" items are answered elsewhere or not at all: they are shown
  but are not items to answer. Items to answer = received − transferred − no reply needed.
- Answered: a full reply dispatched (the case is dispatched with a dispatch date). A holding
  reply is not an answer.
- Working days taken: counted from the day after receipt (Day 1) to the dispatch date,
  skipping weekends and England-and-Wales bank holidays.
- Within 20 working days: answered in 20 working days or fewer. An extension does not move
  this target.
- Within the department's own target: answered within the target working days of the case's
  reply type (configured per reply type; 20 unless changed). Extensions do not move it either.
- Shares are of the items to answer. Items still open and not yet at 20 working days are
  undecided; the return says how many, since running it before they are due understates it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import Case, Correspondent, Extension, Office, ReplyType
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus
from correspondence.domain.workdays import DEFAULT_TARGET_DAYS, working_days_between
from correspondence.services.errors import ValidationError
from correspondence.services.reports.reports import Column, ColumnKind, Table
from correspondence.services.unit_of_work import UnitOfWorkFactory

CABINET_OFFICE_DAYS = 20
ALL_OFFICES = "All offices"
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)
_KINDS = (CorrespondentKind.MP.value, CorrespondentKind.PEER.value)

HOW_COUNTED: tuple[tuple[str, str], ...] = (
    (
        "Received",
        "Items: incoming letters and emails from MPs and peers whose received date (the date "
        "stamp) falls in the quarter.",
    ),
    (
        "Transferred",
        "Sent on to another department, which answers it: shown, but not an item to answer.",
    ),
    ("No reply needed", "Closed as needing no reply: shown, but not an item to answer."),
    ("To answer", "Items received, less those transferred and those needing no reply."),
    (
        "Answered",
        "A full reply dispatched (the case is dispatched, with its dispatch date). A holding "
        "reply is not an answer.",
    ),
    (
        "Within 20 days",
        "Answered in 20 working days or fewer, from the day after receipt (Day 1), skipping "
        "weekends and England-and-Wales bank holidays. Extensions do not move it.",
    ),
    (
        "% within 20 days",
        "Answered within 20 working days ÷ items to answer.",
    ),
    (
        "Within own target",
        "Answered within the department's own target: the reply type's working days (20 "
        "unless changed), counted as above. Extensions do not move it.",
    ),
    ("% within own target", "Answered within the department's own target ÷ items to answer."),
    (
        "Open, past 20 days",
        "Items still open after 20 working days (a holding reply does not stop the count): "
        "already missed.",
    ),
    (
        "Open, not yet due",
        "Items still open and not yet past 20 working days: undecided. While any remain, the "
        "shares can still rise.",
    ),
)


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER.match(text or "")
        if not match:
            raise ValidationError("Quarter", f"{text!r} is not a quarter; write it as 2026-Q3")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        nxt = self.next()
        return nxt.start - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


@dataclass(frozen=True)
class ReturnItem:
    """One item and what it counts as: the rows a person checks the figures against."""

    reference: str
    office: str
    correspondent: str
    received_on: dt.date
    status: str
    dispatched_on: dt.date | None
    holding_reply_on: dt.date | None
    extended_to: dt.date | None
    days_taken: int | None
    own_target: int
    counted_as: str


@dataclass
class _Tally:
    received: int = 0
    transferred: int = 0
    no_reply: int = 0
    answered: int = 0
    within_20: int = 0
    within_own: int = 0
    open_not_due: int = 0
    open_late: int = 0

    @property
    def to_answer(self) -> int:
        return self.received - self.transferred - self.no_reply

    def share(self, n: int) -> float | None:
        return n / self.to_answer if self.to_answer else None


@dataclass(frozen=True)
class CabinetOfficeReturn:
    quarter: Quarter
    today: dt.date
    offices: dict[str, dict[str, int | float | None]] = field(repr=False)
    tables: tuple[Table, ...]

    @property
    def title(self) -> str:
        return (
            f"Cabinet Office return {self.quarter}: correspondence from MPs and peers received "
            f"{self.quarter.start:%d %b %Y} to {self.quarter.end:%d %b %Y} "
            f"(as at {self.today:%d %b %Y})"
        )

    @property
    def total(self) -> dict[str, int | float | None]:
        return self.offices[ALL_OFFICES]

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)


_COLUMNS = (
    Column("Office"),
    Column("Received", ColumnKind.INT),
    Column("Transferred", ColumnKind.INT),
    Column("No reply needed", ColumnKind.INT),
    Column("To answer", ColumnKind.INT),
    Column("Answered", ColumnKind.INT),
    Column("Within 20 days", ColumnKind.INT),
    Column("% within 20 days", ColumnKind.PERCENT),
    Column("Within own target", ColumnKind.INT),
    Column("% within own target", ColumnKind.PERCENT),
    Column("Open, not yet due", ColumnKind.INT),
    Column("Open, past 20 days", ColumnKind.INT),
)
_KEYS = (
    "received",
    "transferred",
    "no_reply",
    "to_answer",
    "answered",
    "within_20",
    "pct_within_20",
    "within_own_target",
    "pct_within_own_target",
    "open_not_yet_due",
    "open_past_20",
)


def _figures(t: _Tally) -> tuple[int | float | None, ...]:
    return (
        t.received,
        t.transferred,
        t.no_reply,
        t.to_answer,
        t.answered,
        t.within_20,
        t.share(t.within_20),
        t.within_own,
        t.share(t.within_own),
        t.open_not_due,
        t.open_late,
    )


def _count(case: Case, own_target: int, today: dt.date, tally: _Tally) -> tuple[str, int | None]:
    """Add one item to a tally; what it counted as, and working days taken if answered."""
    tally.received += 1
    if case.status == CaseStatus.TRANSFERRED.value:
        tally.transferred += 1
        return "transferred", None
    if case.status == CaseStatus.NO_REPLY.value:
        tally.no_reply += 1
        return "no reply needed", None
    if case.status == CaseStatus.DISPATCHED.value and case.dispatched_on is not None:
        days = working_days_between(case.received_on, case.dispatched_on)
        tally.answered += 1
        tally.within_20 += days <= CABINET_OFFICE_DAYS
        tally.within_own += days <= own_target
        if days <= CABINET_OFFICE_DAYS:
            what = "answered within 20"
        else:
            what = "answered late"
        if days <= own_target:
            what += ", within own target"
        return what, days
    if working_days_between(case.received_on, today) > CABINET_OFFICE_DAYS:
        tally.open_late += 1
        return "open, past 20 working days", None
    tally.open_not_due += 1
    return "open, not yet due", None


def build_return(session: Session, quarter: Quarter, today: dt.date) -> CabinetOfficeReturn:
    targets = {
        code: days for code, days in session.execute(select(ReplyType.code, ReplyType.target_days))
    }
    office_names = dict(session.execute(select(Office.code, Office.name)).all())
    extended = {
        case_id: day
        for case_id, day in session.execute(
            select(Extension.case_id, Extension.new_due_on).order_by(Extension.granted_at)
        )
    }
    rows = session.execute(
        select(Case, Correspondent.display_name)
        .join(Correspondent, Correspondent.id == Case.correspondent_id)
        .where(
            Case.direction == "incoming",
            Correspondent.kind.in_(_KINDS),
            Case.received_on >= quarter.start,
            Case.received_on <= quarter.end,
        )
        .order_by(Case.office_code, Case.received_on, Case.reference)
    ).all()
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    total = _Tally()
    items: list[ReturnItem] = []
    for case, name in rows:
        own = targets.get(case.reply_type_code or "", DEFAULT_TARGET_DAYS) or DEFAULT_TARGET_DAYS
        what, days = _count(case, own, today, tallies[case.office_code])
        _count(case, own, today, total)
        items.append(
            ReturnItem(
                reference=case.reference,
                office=case.office_code,
                correspondent=name,
                received_on=case.received_on,
                status=case.status.label,
                dispatched_on=case.dispatched_on,
                holding_reply_on=case.holding_reply_on,
                extended_to=extended.get(case.id),
                days_taken=days,
                own_target=own,
                counted_as=what,
            )
        )
    order = sorted(tallies)
    figures = {code: dict(zip(_KEYS, _figures(tallies[code]), strict=True)) for code in order}
    figures[ALL_OFFICES] = dict(zip(_KEYS, _figures(total), strict=True))
    by_office = Table(
        "return",
        f"Cabinet Office return {quarter}",
        _COLUMNS,
        tuple((code, *_figures(tallies[code])) for code in order)
        + ((ALL_OFFICES, *_figures(total)),),
        "Shares are of the items to answer; see “How each figure is counted”. "
        + "; ".join(f"{code}: {office_names.get(code, code)}" for code in order),
    )
    how = Table(
        "how_counted",
        "How each figure is counted",
        (Column("Figure"), Column("How it is counted")),
        HOW_COUNTED,
    )
    listing = Table(
        "items",
        "Every item counted",
        (
            Column("Reference"),
            Column("Office"),
            Column("From"),
            Column("Received", ColumnKind.DATE),
            Column("Status"),
            Column("Dispatched", ColumnKind.DATE),
            Column("Holding reply", ColumnKind.DATE),
            Column("Extended to", ColumnKind.DATE),
            Column("Working days taken", ColumnKind.INT),
            Column("Own target", ColumnKind.INT),
            Column("Counted as"),
        ),
        tuple(
            (
                i.reference,
                i.office,
                i.correspondent,
                i.received_on,
                i.status,
                i.dispatched_on,
                i.holding_reply_on,
                i.extended_to,
                i.days_taken,
                i.own_target,
                i.counted_as,
            )
            for i in items
        ),
    )
    return CabinetOfficeReturn(quarter, today, figures, (by_office, how, listing))


def return_dict(result: CabinetOfficeReturn) -> dict[str, object]:
    """The return as JSON: figures by office, how each is counted, and every item."""
    items = result.table("items")
    return {
        "title": result.title,
        "quarter": str(result.quarter),
        "from": result.quarter.start.isoformat(),
        "to": result.quarter.end.isoformat(),
        "today": result.today.isoformat(),
        "offices": result.offices,
        "how_counted": dict(HOW_COUNTED),
        "items": [
            {
                key: v.isoformat() if isinstance(v, dt.date) else v
                for key, v in zip(
                    (c.title.lower().replace(" ", "_") for c in items.columns), row, strict=True
                )
            }
            for row in items.rows
        ],
    }


class CabinetOfficeReturns:
    """The return bound to a database and the person reading it (any official may)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    def build(self, quarter: Quarter | str) -> CabinetOfficeReturn:
        q = quarter if isinstance(quarter, Quarter) else Quarter.parse(quarter)
        with self.uow.read() as uow:
            _ = uow.actor  # a disabled account is refused here
            return build_return(uow.session, q, self.clock())

    def last_complete_quarter(self) -> Quarter:
        return Quarter.containing(self.clock()).previous()
