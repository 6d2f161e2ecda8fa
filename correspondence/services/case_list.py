"""The case list: filtered, sorted and paged in SQL (keyset, never OFFSET).

The UI asks for one page at a time and keeps only what was shown; sorting
and filtering a million rows in Python is far too slow (see MACHINE.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from correspondence.db.models import (
    Campaign,
    Case,
    Constituent,
    Correspondent,
    Team,
    Theme,
    case_themes,
)
from correspondence.domain.states import CLOSED_STATUSES, OPEN_STATUSES, CaseStatus
from correspondence.domain.workdays import add_working_days, working_days_between

OPEN_VALUES = [s.value for s in OPEN_STATUSES]
CLOSED_VALUES = [s.value for s in CLOSED_STATUSES]
FAR_FUTURE = dt.date(9999, 12, 31)


class DueFilter(StrEnum):
    ANY = ""
    OVERDUE = "overdue"
    THIS_WEEK = "week"


class SortKey(StrEnum):
    REFERENCE = "reference"
    RECEIVED = "received"
    DUE = "due"
    CORRESPONDENT = "correspondent"
    STATUS = "status"
    TEAM = "team"
    CAMPAIGN = "campaign"


@dataclass(frozen=True)
class CaseFilter:
    status: str = ""  # a CaseStatus value, "open", "closed", or "" for all
    theme: str = ""  # theme code
    team_id: int | None = None
    due: DueFilter = DueFilter.ANY
    search: str = ""
    campaign_id: int | None = None


@dataclass(frozen=True)
class CaseRow:
    id: int
    reference: str
    received_on: dt.date
    due_on: dt.date | None
    days_left: int | None  # working days; negative when overdue; None once closed
    correspondent: str
    on_behalf_of: str
    themes: tuple[str, ...]
    status: CaseStatus
    team: str
    campaign: str
    priority: str
    sort_value: Any  # the value of the sort column, for the next page's keyset

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


@dataclass(frozen=True)
class Page:
    rows: list[CaseRow]
    has_more: bool

    @property
    def last_key(self) -> tuple[Any, int] | None:
        return (self.rows[-1].sort_value, self.rows[-1].id) if self.rows else None


@dataclass(frozen=True)
class Counts:
    shown: int
    open: int
    overdue: int
    due_this_week: int


def _sort_expr(key: SortKey) -> ColumnElement[Any]:
    if key is SortKey.REFERENCE:
        return Case.reference
    if key is SortKey.RECEIVED:
        return Case.received_on
    if key is SortKey.DUE:
        return func.coalesce(Case.due_on, literal(FAR_FUTURE))
    if key is SortKey.STATUS:
        return Case.status
    if key is SortKey.CORRESPONDENT:
        return func.coalesce(Correspondent.display_name, "")
    if key is SortKey.TEAM:
        return func.coalesce(Team.name, "")
    return func.coalesce(Campaign.name, "")


def _search_condition(text: str) -> ColumnElement[bool]:
    conds = []
    for word in text.split():
        like = f"%{word.replace('%', '').replace('_', '')}%"
        conds.append(
            or_(
                Case.reference.ilike(like),
                Case.summary.ilike(like),
                Case.letter_text.ilike(like),
                Correspondent.display_name.ilike(like),
                exists().where(
                    Constituent.case_id == Case.id,
                    or_(Constituent.last_name.ilike(like), Constituent.first_name.ilike(like)),
                ),
            )
        )
    return and_(*conds)


def _where(flt: CaseFilter, today: dt.date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if flt.status == "open":
        where.append(Case.status.in_(OPEN_VALUES))
    elif flt.status == "closed":
        where.append(Case.status.in_(CLOSED_VALUES))
    elif flt.status:
        where.append(Case.status == flt.status)
    if flt.theme:
        where.append(
            exists().where(
                case_themes.c.case_id == Case.id,
                case_themes.c.theme_id
                == select(Theme.id).where(Theme.code == flt.theme).scalar_subquery(),
            )
        )
    if flt.team_id is not None:
        where.append(Case.team_id == flt.team_id)
    if flt.campaign_id is not None:
        where.append(Case.campaign_id == flt.campaign_id)
    if flt.due is DueFilter.OVERDUE:
        where.append(and_(Case.status.in_(OPEN_VALUES), Case.due_on < today))
    elif flt.due is DueFilter.THIS_WEEK:
        where.append(
            and_(
                Case.status.in_(OPEN_VALUES),
                Case.due_on >= today,
                Case.due_on <= add_working_days(today, 5),
            )
        )
    if flt.search.strip():
        where.append(_search_condition(flt.search))
    return where


def _base(flt: CaseFilter, today: dt.date, *columns: Any):  # noqa: ANN202 - a Select
    stmt = (
        select(*columns)
        .select_from(Case)
        .outerjoin(Correspondent, Case.correspondent_id == Correspondent.id)
        .outerjoin(Team, Case.team_id == Team.id)
        .outerjoin(Campaign, Case.campaign_id == Campaign.id)
    )
    where = _where(flt, today)
    return stmt.where(*where) if where else stmt


def list_page(
    session: Session,
    flt: CaseFilter,
    *,
    sort: SortKey = SortKey.RECEIVED,
    descending: bool = True,
    after: tuple[Any, int] | None = None,
    limit: int = 200,
    today: dt.date | None = None,
) -> Page:
    """One page of the list, starting after the keyset `after` = (sort value, id)."""
    today = today or dt.date.today()
    key = _sort_expr(sort)
    stmt = _base(
        flt,
        today,
        Case.id,
        Case.reference,
        Case.received_on,
        Case.due_on,
        Case.status,
        Case.priority,
        Correspondent.display_name,
        Team.name,
        Campaign.name,
        key.label("sort_value"),
    )
    if after is not None:
        value, last_id = after
        if descending:
            stmt = stmt.where(or_(key < value, and_(key == value, Case.id < last_id)))
        else:
            stmt = stmt.where(or_(key > value, and_(key == value, Case.id > last_id)))
    order = (key.desc(), Case.id.desc()) if descending else (key.asc(), Case.id.asc())
    rows = session.execute(stmt.order_by(*order).limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    ids = [r.id for r in rows]
    themes = _themes_for(session, ids)
    behalf = _constituents_for(session, ids)
    out = []
    for r in rows:
        status = CaseStatus(r.status)
        days_left = (
            working_days_between(today, r.due_on)
            if r.due_on is not None and status in OPEN_STATUSES
            else None
        )
        out.append(
            CaseRow(
                id=r.id,
                reference=r.reference,
                received_on=r.received_on,
                due_on=r.due_on,
                days_left=days_left,
                correspondent=r.display_name or "",
                on_behalf_of=behalf.get(r.id, ""),
                themes=tuple(themes.get(r.id, ())),
                status=status,
                team=r.name or "",
                campaign=r[8] or "",
                priority=r.priority,
                sort_value=r.sort_value,
            )
        )
    return Page(out, has_more)


def _themes_for(session: Session, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    if ids:
        q = (
            select(case_themes.c.case_id, Theme.code)
            .join(Theme, Theme.id == case_themes.c.theme_id)
            .where(case_themes.c.case_id.in_(ids))
            .order_by(Theme.code)
        )
        for case_id, code in session.execute(q):
            out[case_id].append(code)
    return out


def _constituents_for(session: Session, ids: list[int]) -> dict[int, str]:
    """'Ms A Person' or 'Ms A Person and 2 others' per case."""
    names: dict[int, list[str]] = defaultdict(list)
    if ids:
        q = (
            select(
                Constituent.case_id,
                Constituent.title,
                Constituent.first_name,
                Constituent.last_name,
            )
            .where(Constituent.case_id.in_(ids))
            .order_by(Constituent.id)
        )
        for case_id, title, first, last in session.execute(q):
            names[case_id].append(" ".join(p for p in (title, first, last) if p))
    out = {}
    for case_id, people in names.items():
        extra = len(people) - 1
        out[case_id] = people[0] + (
            f" and {extra} other{'s' if extra > 1 else ''}" if extra else ""
        )
    return out


def counts(session: Session, flt: CaseFilter, today: dt.date | None = None) -> Counts:
    """Figures for the status bar: rows matching, and open/overdue/due-soon overall."""
    today = today or dt.date.today()
    shown = session.scalar(_base(flt, today, func.count(Case.id))) or 0
    week_end = add_working_days(today, 5)
    open_q = select(
        func.count(Case.id),
        func.sum(when((Case.due_on < today, 1), else_=0)),
        func.sum(when((and_(Case.due_on >= today, Case.due_on <= week_end), 1), else_=0)),
    ).where(Case.status.in_(OPEN_VALUES))
    n_open, n_overdue, n_week = session.execute(open_q).one()
    return Counts(shown, n_open or 0, int(n_overdue or 0), int(n_week or 0))
