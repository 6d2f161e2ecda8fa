"""The case list: filtered, sorted and paged in SQL (keyset, never OFFSET).

The UI asks for one page at a time and keeps only what was shown; sorting
and filtering a million rows in Python is far too slow (see MACHINE.md).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    exists,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    table,
    true,
    tuple_,
    union_all,
)
from sqlalchemy import case as when
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql import Select

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
from correspondence.services.cases import pg_sample, search

OPEN_VALUES = [s.value for s in OPEN_STATUSES]
CLOSED_VALUES = [s.value for s in CLOSED_STATUSES]
FAR_FUTURE = dt.date(9999, 12, 31)
# The open cases as the partial indexes of migration 0016 are written (the same values
# in the same order): only then can a planner tell that such an index covers the query.
# On SQLite the unary `+` keeps the status indexes out of it: without statistics (a
# desk's file is never analysed) SQLite would look each open status up and sort them.
_OPEN_IN = "cases.status IN (" + ", ".join(f"'{v}'" for v in sorted(OPEN_VALUES)) + ")"
OPEN_SQL = {"sqlite": "+" + _OPEN_IN, "postgresql": _OPEN_IN}
# Days left as a sort: an open case's due date; closed cases (no days left) after them all.
URGENCY_SQL = (
    "coalesce(CASE WHEN cases.status IN ("
    + ", ".join(f"'{v}'" for v in sorted(OPEN_VALUES))
    + f") THEN cases.due_on END, '{FAR_FUTURE.isoformat()}')"
)


class DueFilter(StrEnum):
    ANY = ""
    OVERDUE = "overdue"
    THIS_WEEK = "week"


class SortKey(StrEnum):
    REFERENCE = "reference"
    RECEIVED = "received"
    DUE = "due"
    URGENCY = "urgency"  # open cases by due date, most overdue first; closed ones last
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
    shown_is_estimate: bool = False  # a search's many matches, estimated (see counts())

    @property
    def shown_text(self) -> str:
        """'1,234', or 'about 530,000' for an estimate (two significant figures)."""
        if not self.shown_is_estimate:
            return f"{self.shown:,}"
        digits = max(len(str(self.shown)) - 2, 0)
        return f"about {round(self.shown, -digits):,}"


def _sort_expr(key: SortKey) -> ColumnElement[Any] | QueryableAttribute[Any]:
    if key is SortKey.REFERENCE:
        return Case.reference
    if key is SortKey.RECEIVED:
        return Case.received_on
    if key is SortKey.DUE:
        # Written out, not bound: the planner matches it to the index on this very
        # expression (migration 0006) only if the text is the same.
        return func.coalesce(Case.due_on, literal_column(f"'{FAR_FUTURE.isoformat()}'", Date))
    if key is SortKey.URGENCY:
        # The same text as the index of migration 0009, for the same reason.
        return literal_column(URGENCY_SQL, Date)
    if key is SortKey.STATUS:
        return Case.status
    # The names are kept on the case, lower-cased, by triggers (migration 0014): an
    # index on (key, id) gives the order, where a join's name had to sort every case.
    if key is SortKey.CORRESPONDENT:
        return Case.correspondent_sort
    if key is SortKey.TEAM:
        return Case.team_sort
    return Case.campaign_sort


def _search_condition(
    session: Session, flt: CaseFilter, sort: SortKey | None = None
) -> ColumnElement[bool] | None:
    """Full-text match of the typed words (see services/cases/search.py); None when none typed."""
    query = _search_query(session, flt.search)
    if query is None:
        return false()
    if not query:
        return None
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite" and sort is not None and not search.broad_prefix(query):
        # Walking the sort's index with other filters might read far: they are checked
        # on each row, not in that index.
        alone = flt == CaseFilter(search=flt.search)
        if search.has_phrase(query):
            ids = search.few_matches(session, query)
            if ids is None:  # a common phrase: walk the sort's index, probing each row
                return search.probe_each_row(query, dialect)
            return search.among(ids, walk=alone and search.walk_for(session, len(ids)))
        found = search.count_matches(session, query, search.MANY_MATCHES)
        if found >= search.MANY_MATCHES:  # a common word: probe while walking
            return search.probe_each_row(query, dialect)
        walk = alone and search.walk_for(session, found)
        return search.matching_ids(query, dialect, walk=walk)
    return search.matching_ids(query, dialect)


def _search_query(session: Session, text: str) -> search.SearchQuery | None:
    """The query to run: empty when nothing is to be searched, None when nothing can match.

    On PostgreSQL words that are all stop words ("the") search for nothing, which only
    the server's dictionary knows: the page's and the counts' statements ask it
    themselves (numnode) rather than spend a round trip on it first.
    """
    query = search.parse(text)
    if not query or session.get_bind().dialect.name == "postgresql":
        return query
    return search.complete_prefixes(session, query)


# The sorts with an index over the open cases alone (migration 0016).
OPEN_INDEXED = (SortKey.CORRESPONDENT, SortKey.TEAM, SortKey.CAMPAIGN, SortKey.STATUS)


def _where(
    flt: CaseFilter,
    today: dt.date,
    matched: ColumnElement[bool] | None,
    open_cases: ColumnElement[Any] | None = None,
) -> list[ColumnElement[bool]]:
    """The filters as conditions; `open_cases`, if given, is how "open" is written."""
    where: list[ColumnElement[bool]] = []
    if flt.status == "open":
        where.append(Case.status.in_(OPEN_VALUES) if open_cases is None else open_cases)
    elif flt.status == "closed":
        # Not open, rather than IN (the closed ones): they are 97 % of an office's cases,
        # and a condition no index can serve leaves the planner walking the sort's index
        # (a status index would fetch and sort nearly every case).
        where.append(Case.status.not_in(OPEN_VALUES))
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
    if matched is not None:
        where.append(matched)
    return where


def _with_names(left: Any) -> Any:
    """`left` (cases, or a join holding them) with the names the list shows."""
    return (
        left.outerjoin(Correspondent.__table__, Case.correspondent_id == Correspondent.id)
        .outerjoin(Team.__table__, Case.team_id == Team.id)
        .outerjoin(Campaign.__table__, Case.campaign_id == Campaign.id)
    )


# Walking the sort's index for a page of matches is best done by one process. With
# workers (PostgreSQL plans two for a million cases) each walks ahead of the page it
# feeds, and they start late: a phrase's first page read twice the rows and took twice
# the time (bench/README.md). A parallel-unsafe call keeps the planner to one process for
# this statement alone; it is always true here, as unqualified table names need a schema.
_ONE_PROCESS = func.current_schema().is_not(None)


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
    dialect = session.get_bind().dialect.name
    # Other sorts look the open statuses up and sort what they find (~1 % of the cases).
    open_cases: ColumnElement[Any] | None = (
        literal_column(OPEN_SQL[dialect]) if sort in OPEN_INDEXED else None
    )
    # On PostgreSQL the search is a branch of the page's statement (see below).
    matched = None if dialect == "postgresql" else _search_condition(session, flt, sort)
    conds = _where(flt, today, matched, open_cases)
    if after is not None:
        # A row value, not "a < x OR (a = x AND id < y)": SQLite and PostgreSQL seek
        # straight to it in the index, so page 2,500 costs what page 1 does.
        value, last_id = after
        if sort in (SortKey.DUE, SortKey.URGENCY):
            # SQLite seeks an expression index for a plain bound, not for a row value.
            v = literal(value, Date)
            conds.append(
                and_(key <= v, or_(key < v, Case.id < last_id))
                if descending
                else and_(key >= v, or_(key > v, Case.id > last_id))
            )
        else:
            here, there = tuple_(key, Case.id), tuple_(literal(value), literal(last_id))
            conds.append(here < there if descending else here > there)
    order = (key.desc(), Case.id.desc()) if descending else (key.asc(), Case.id.asc())
    columns = (
        Case.id,
        Case.reference,
        Case.received_on,
        Case.due_on,
        Case.status,
        Case.priority,
        Correspondent.display_name,
        Team.name,
        Campaign.name,
    )
    if dialect == "postgresql":
        # The page's ids first, from the sort's index alone (an index-only scan, testing
        # each row against the search there), then the 201 rows and their names: read
        # with the rest of each case's row, walking the index visited the table for
        # every row tested (twice the time of the plain search join for a phrase).
        keys = select(Case.id.label("page_id"), key.label("sort_value"))
        query = search.parse(flt.search)
        if query:
            # Two branches, of which the server runs one: the search, or, when every
            # word typed is a stop word (only its dictionary knows), the list unsearched.
            # Asking first cost a round trip.
            terms = func.numnode(search.pg_tsquery(query))
            found = keys.where(*conds, search.matching_ids(query, dialect), terms > 0, _ONE_PROCESS)
            plain = keys.where(*conds, terms == 0)
            page = union_all(
                *(b.order_by(*order).limit(limit + 1).subquery().select() for b in (found, plain))
            ).subquery("page")
        else:
            page = keys.where(*conds).order_by(*order).limit(limit + 1).subquery("page")
        again = [page.c.page_id]
        if not (sort is SortKey.STATUS and flt.status not in ("", "open", "closed")):
            # (A status sorted within one status is by id alone: PostgreSQL knows the
            # status is fixed inside the page but not outside it, and would sort again.)
            again.insert(0, page.c.sort_value)
        # Each case's themes and people come in the same statement: on a distant server
        # each statement is a round trip, and there are only 201 rows to look them up for.
        stmt = (
            select(*columns, page.c.sort_value, *_pg_extras(page.c.page_id))
            .select_from(_with_names(page.join(Case, Case.id == page.c.page_id)))
            .order_by(*(c.desc() if descending else c.asc() for c in again))
        )
    else:
        # SQLite reads a row's columns only once it passes the filters (a deferred
        # seek), and would sort again what a subquery returned in order.
        stmt = (
            select(*columns, key.label("sort_value"))
            .select_from(_with_names(Case.__table__))
            .where(*conds)
            .order_by(*order)
            .limit(limit + 1)
        )
    rows = session.execute(stmt).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    ids = [r.id for r in rows]
    if dialect == "postgresql":
        themes = {r.id: r.theme_codes.split(SEP) for r in rows if r.theme_codes}
        behalf = {r.id: _behalf_text(_name(r.first_person), r.people) for r in rows if r.people}
    else:
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
    return {case_id: _behalf_text(people[0], len(people)) for case_id, people in names.items()}


def _behalf_text(first: str, people: int) -> str:
    extra = people - 1
    return first + (f" and {extra} other{'s' if extra > 1 else ''}" if extra else "")


# Between the parts of a folded column: in no theme code or name (a control character).
SEP = "\x1f"


def _name(folded: str | None) -> str:
    return " ".join(p for p in (folded or "").split(SEP) if p)


def _pg_extras(case_id: Any) -> list[Any]:
    """A page row's theme codes, first person written for and number of people, as
    correlated subqueries (PostgreSQL: the same as _themes_for and _constituents_for)."""
    from sqlalchemy.dialects.postgresql import aggregate_order_by

    codes = (
        select(func.string_agg(Theme.code, aggregate_order_by(literal(SEP), Theme.code)))
        .select_from(case_themes.join(Theme, Theme.id == case_themes.c.theme_id))
        .where(case_themes.c.case_id == case_id)
        .scalar_subquery()
        .label("theme_codes")
    )
    # concat_ws leaves out a missing part, as the list leaves out an empty one.
    first = (
        select(
            func.concat_ws(
                literal(SEP), Constituent.title, Constituent.first_name, Constituent.last_name
            )
        )
        .where(Constituent.case_id == case_id)
        .order_by(Constituent.id)
        .limit(1)
        .scalar_subquery()
        .label("first_person")
    )
    people = (
        select(func.count()).where(Constituent.case_id == case_id).scalar_subquery().label("people")
    )
    return [codes, first, people]


def _count(
    session: Session, where: list[ColumnElement[bool]], matched: ColumnElement[bool] | None
) -> int:
    conds = [*where, matched] if matched is not None else where
    return session.scalar(select(func.count()).select_from(Case).where(*conds)) or 0


# Probing a row costs ~10 µs and fetching a match ~1 µs: probe up to this many rows.
PROBE_AT_MOST = 50_000
# Reading a match and testing it against a set of ids costs a tenth of a probe.
STREAM_PER_PROBE = 8


def counts(session: Session, flt: CaseFilter, today: dt.date | None = None) -> Counts:
    """Figures for the status bar: rows matching, and open/overdue/due-soon overall.

    Counted without the list's joins, which no filter needs: over a million
    cases that is the difference between milliseconds and seconds.
    """
    today = today or dt.date.today()
    query = _search_query(session, flt.search)
    others = _where(flt, today, None)
    if query and session.get_bind().dialect.name == "postgresql":
        return _pg_search_counts(session, flt, query, others, today)
    estimated = False
    open_only = (
        query is not None and not query and replace(flt, search="") == CaseFilter(status="open")
    )
    if query is None:
        shown = 0
    elif query and not others:
        shown = search.count_matches(session, query, EXACT_UP_TO)  # the index alone knows
        if shown >= EXACT_UP_TO:
            shown, estimated = max(search.estimate_matches(session, query), shown), True
    elif query:
        shown, estimated = _sqlite_search_count(session, flt, query, others)
    elif open_only:
        shown = 0  # the open cases: the status bar's own figure, counted just below
    else:
        shown, estimated = _kept(session, flt, others)
    n_open, n_overdue, n_week = session.execute(_open_counts(today)).one()
    if open_only:
        shown = n_open or 0
    return Counts(shown, n_open or 0, int(n_overdue or 0), int(n_week or 0), estimated)


def _open_counts(today: dt.date) -> Select[int, Any, Any]:
    """The open cases, how many are overdue and how many fall due within five working days."""
    week_end = add_working_days(today, 5)
    return select(
        func.count().label("open"),
        func.sum(when((Case.due_on < today, 1), else_=0)).label("overdue"),
        func.sum(when((and_(Case.due_on >= today, Case.due_on <= week_end), 1), else_=0)).label(
            "week"
        ),
    ).where(Case.status.in_(OPEN_VALUES))


# A search matching more cases than this shows an estimate in the status bar ("about
# 530,000"): counting every match of a common word took 176 ms on PostgreSQL at a
# million cases; nobody needs the last digit of half a million.
EXACT_UP_TO = 10_000


def _status_values(status: str) -> list[str]:
    if status == "open":
        return OPEN_VALUES
    if status == "closed":
        return CLOSED_VALUES
    return [status]


# Counting index entries costs ~0.1 µs each: a status holding fewer is counted directly.
FEW_STATUS = 100_000


def _kept(
    session: Session,
    flt: CaseFilter,
    others: list[ColumnElement[bool]],
    pg_rows: int | None = None,
    first: int | None = None,
) -> tuple[int, bool]:
    """How many cases the filters keep, and whether that is an estimate (`pg_rows`:
    PostgreSQL's figure of all cases, and `first`: what `_kept_first` counts, if
    already read).

    A status filter alone keeping most cases ('closed', 'dispatched': 97 % and 95 % of
    a long-standing office) is counted as all cases less the other statuses: counting
    ~950,000 index entries took 100–170 ms at a million cases, the few others a few ms.
    SQLite counts all cases from its b-tree's pages in ~8 ms; PostgreSQL would read
    every row (~80 ms), so there all cases are its statistics' figure, an estimate.
    """
    if _counted_directly(flt):
        return (_count(session, others, None) if first is None else first), False
    inside = _status_values(flt.status)
    found = (
        _capped_count(session, [Case.status.in_(inside)], FEW_STATUS) if first is None else first
    )
    if found < FEW_STATUS:
        return found, False
    rest = [s.value for s in CaseStatus if s.value not in inside]
    outside = _capped_count(session, [Case.status.in_(rest)], FEW_STATUS)
    if outside >= FEW_STATUS:
        return _count(session, others, None), False
    if session.get_bind().dialect.name == "postgresql":
        total = _pg_rows(session) if pg_rows is None else pg_rows
        if total >= outside + FEW_STATUS:  # statistics that know the table
            return total - outside, True
        return _count(session, others, None), False
    return (session.scalar(select(func.count()).select_from(Case)) or 0) - outside, False


def _kept_first(flt: CaseFilter, others: list[ColumnElement[bool]]) -> Any:
    """`_kept`'s first count, as a scalar subquery: the kept cases, or for a status alone
    its cases up to FEW_STATUS."""
    if _counted_directly(flt):
        return select(func.count()).select_from(Case).where(*others).scalar_subquery()
    inside = select(Case.id).where(Case.status.in_(_status_values(flt.status)))
    return select(func.count()).select_from(inside.limit(FEW_STATUS).subquery()).scalar_subquery()


def _counted_directly(flt: CaseFilter) -> bool:
    """Whether `_kept` counts the kept cases directly (anything but a status alone)."""
    return not flt.status or replace(flt, search="") != CaseFilter(status=flt.status)


def _pg_rows(session: Session) -> int:
    """PostgreSQL's estimate of the cases (kept by VACUUM and ANALYZE)."""
    return max(int(session.scalar(select(_pg_reltuples())) or 0), 0)


def _pg_reltuples() -> Any:
    return (
        select(literal_column("reltuples"))
        .select_from(table("pg_class"))
        .where(literal_column("oid") == literal_column("'cases'::regclass"))
        .scalar_subquery()
    )


def _capped_count(session: Session, where: list[ColumnElement[bool]], cap: int) -> int:
    """Up to `cap`: stops reading there, however many rows match."""
    return session.scalar(select(_capped_scalar(where, cap))) or 0


def _capped_scalar(where: list[ColumnElement[bool]], cap: int) -> Any:
    capped = select(Case.id).where(*where).limit(cap).subquery()
    return select(func.count()).select_from(capped).scalar_subquery()


def _count_scalar(where: list[ColumnElement[bool]], matched: ColumnElement[bool]) -> Any:
    return select(func.count()).select_from(Case).where(*where, matched).scalar_subquery()


def _sqlite_search_count(
    session: Session, flt: CaseFilter, query: search.SearchQuery, others: list[ColumnElement[bool]]
) -> tuple[int, bool]:
    """Exact when the filters keep few cases (each is probed) or the words match few
    (each match is looked up); a common word within a filter keeping many cases is
    estimated, as the status bar says: its matches (estimate_matches) times the share
    of cases the filters keep. Counting those exactly took 600–800 ms at a million."""
    if search.broad_prefix(query) or not search.many_matches(session, query):
        return _count(session, others, search.matching_ids(query, "sqlite")), False
    if _capped_count(session, others, PROBE_AT_MOST + 1) <= PROBE_AT_MOST:
        lo, hi, kept = session.execute(
            select(func.min(Case.id), func.max(Case.id), func.count()).where(*others)
        ).one()
        if not kept:
            return 0, False
        # The kept cases' ids often lie close together (the open ones are the newest):
        # then reading the matches between them costs less than probing each case.
        most = STREAM_PER_PROBE * kept
        if search.count_in_range(session, query, lo, hi, cap=most + 1) <= most:
            among = select(Case.id).where(*others)
            return search.count_in_range(session, query, lo, hi, among), False
        return _count(session, others, search.probe_each_row(query, "sqlite")), False
    top = session.scalar(select(func.max(Case.id))) or 0
    share = _kept(session, flt, others)[0] / max(top, 1)
    guess = round(search.estimate_matches(session, query) * share)
    if guess < EXACT_UP_TO:
        return _count(session, others, search.matching_ids(query, "sqlite")), False
    return guess, True


# PostgreSQL reads a table row for each candidate a count looks at (~10 µs from the OS
# cache; a bitmap scan visits the heap even for count(*)): a count that would read more
# than this many is estimated from the sample instead (see pg_sample.py).
PG_EXACT_READS = 2_500
# A filter keeping at most this many cases has each tested (~10 µs a case): exact.
PG_PROBE_AT_MOST = 4_000
# The filter's cases are counted (~0.3 µs an index entry) only when the sample says
# they are at most this many; beyond, the sample's share of them serves.
LAZY_KEPT = 50_000


def _pg_search_counts(
    session: Session,
    flt: CaseFilter,
    query: search.SearchQuery,
    others: list[ColumnElement[bool]],
    today: dt.date,
) -> Counts:
    """Exact when that reads few rows: the search's candidates are few (the sample says
    so), or the filter keeps few cases; else an estimate, said to be one: the sample's
    share of matches times the cases (times the share of cases the other filters keep).
    Words that are all stop words search for nothing: then the cases the filters keep.

    At most two statements (over a distant link each is a round trip): the sample with
    every figure that does not depend on it, then the exact count if one is cheap.
    """
    terms = func.numnode(search.pg_tsquery(query))
    smp = pg_sample.sample(query, others)
    o = _open_counts(today).subquery()
    figures: Any = (
        select(
            terms.label("terms"),
            *smp.c,
            o.c.open,
            o.c.overdue,
            o.c.week,
            _pg_reltuples().label("rows"),
        )
        .select_from(smp.join(o, true()))
        .offset(0)  # a subquery of its own (see pg_sample.then)
        .subquery("figures")
    )
    if others:
        # The cases the filters keep, counted only where the sample says they are few
        # enough to test each (or the search's words are all stop words): else the
        # sample's own share of them serves. A status alone is counted up to FEW_STATUS;
        # then, as `_kept` does, the other statuses' cases, and only if those tell too
        # little (or the statistics know too little) all of its cases.
        f = figures.c
        few = f.kept_documents * func.greatest(f.rows, f.documents) <= LAZY_KEPT * func.greatest(
            f.documents, 1
        )
        need = or_(f.terms == 0, few)
        figures = pg_sample.then(
            figures, "kept", when((need, _kept_first(flt, others)), else_=null())
        )
        if not _counted_directly(flt):
            rest = [s.value for s in CaseStatus if s.value not in _status_values(flt.status)]
            outside = _capped_scalar([Case.status.in_(rest)], FEW_STATUS)
            many = figures.c.kept >= FEW_STATUS
            figures = pg_sample.then(figures, "outside", when((many, outside), else_=null()))
            f = figures.c
            unknown = or_(f.outside >= FEW_STATUS, f.rows < f.outside + FEW_STATUS)
            every = select(func.count()).select_from(Case).where(*others).scalar_subquery()
            figures = pg_sample.then(
                figures, "every", when((and_(f.kept >= FEW_STATUS, unknown), every), else_=null())
            )
    else:
        # Words that are all stop words search for nothing: then all cases are counted
        # (the test is folded away by the planner when a word is searched).
        everything = select(func.count()).select_from(Case).scalar_subquery()
        figures = pg_sample.then(figures, "kept", when((terms > 0, null()), else_=everything))
    row = pg_sample.run(session, select(figures))
    n_open, n_overdue, n_week = row.open or 0, int(row.overdue or 0), int(row.week or 0)
    total = max(int(row.rows or 0), 0)
    if not row.terms:  # the list unsearched
        shown, estimated = _pg_kept(flt, row, total) if others else (row.kept or 0, False)
        return Counts(shown, n_open, n_overdue, n_week, estimated)
    sample = pg_sample.read(row)
    candidates = sample.scaled(sample.candidates, total)
    if sample.whole:
        found = sample.kept_hits if others else sample.hits
        return Counts(found, n_open, n_overdue, n_week)
    exact: Any = None
    few_kept = others and row.kept is not None and row.kept <= PG_PROBE_AT_MOST
    if few_kept and row.kept <= max(candidates, 1):
        exact = _count_scalar(others, pg_sample.probe(query))  # each kept case tested
    elif others and (few_kept or candidates <= PG_EXACT_READS):
        exact = _count_scalar(others, search.matching_ids(query, "postgresql"))
    elif not others and candidates <= PG_EXACT_READS:
        exact = pg_sample.exact_among_few(query, 2 * PG_EXACT_READS)
    if exact is not None:
        found = pg_sample.run(session, select(exact.label("n"))).n
        if found >= 0:
            return Counts(found, n_open, n_overdue, n_week)
    matches = sample.scaled(sample.hits, total)
    if others:
        if row.kept is not None:
            kept, _estimated = _pg_kept(flt, row, total)
        else:
            kept = sample.scaled(sample.kept_documents, total)
        # The search's share of all cases, unless the sample's kept cases say otherwise
        # (a status and a search are seldom independent: open cases are the newest).
        alike = sample.hits * sample.kept_documents / max(sample.documents, 1)
        apart = abs(sample.kept_hits - alike) > 2 * math.sqrt(alike) + 1
        if sample.kept_documents >= pg_sample.ENOUGH_KEPT and apart:
            matches = round(kept * sample.kept_hits / sample.kept_documents)
        else:
            matches = round(matches * kept / max(total, kept, 1))
    return Counts(matches, n_open, n_overdue, n_week, shown_is_estimate=True)


def _pg_kept(flt: CaseFilter, row: Any, total: int) -> tuple[int, bool]:
    """`_kept`, from the figures `_pg_search_counts` read in its first statement."""
    if _counted_directly(flt) or row.kept < FEW_STATUS:
        return row.kept, False
    if row.every is not None:
        return row.every, False
    return total - row.outside, True
