"""Working days in England and Wales, and the deadlines a case is measured against.

The Cabinet Office target counts from the day of receipt: the next working day is Day 1, and
weekends and England-and-Wales bank holidays are skipped.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

from correspondence.domain import bank_holiday_table

DEFAULT_TARGET_DAYS = 20
_SATURDAY = 5


@lru_cache(maxsize=64)
def _holidays_in(year: int) -> Mapping[date, str]:
    # Read-only so the cached value cannot be changed by a caller. The shipped table spares
    # start-up the import of the `holidays` package; other years still come from it.
    if bank_holiday_table.FIRST_YEAR <= year <= bank_holiday_table.LAST_YEAR:
        table = bank_holiday_table.TABLE[year]
        return MappingProxyType({date(year, m, d): name for m, d, name in table})
    import holidays

    calendar = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return MappingProxyType(dict(sorted(calendar.items())))


def bank_holidays(year: int) -> dict[date, str]:
    """England-and-Wales bank holidays of a year, date → name, including substitute days."""
    return dict(_holidays_in(year))


def is_working_day(day: date) -> bool:
    return day.weekday() < _SATURDAY and day not in _holidays_in(day.year)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after start (the next working day is Day 1); n == 0 returns start."""
    if n < 0:
        raise ValueError(f"Number of working days must be 0 or more, not {n}.")
    day = start
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


@lru_cache(maxsize=4096)  # a page's rows share a few due dates, and today is one day
def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start.

    So add_working_days(start, n) == end gives working_days_between(start, end) == n, which is
    what "days taken" and "days left" need.
    """
    if end < start:
        return -working_days_between(end, start)
    # Counted, not walked: the list works this out for every row it shows, and a case a
    # year overdue took a 365-step walk per row (200 rows: ~0.8 s of CPU per page). The
    # bank holidays too: each year's are looked at once, not again for every row.
    holidays = (
        _weekday_holidays_in_years(start.year, end.year)
        + _weekday_holidays_through(end)
        - _weekday_holidays_through(start)
    )
    return _weekdays_through(end) - _weekdays_through(start) - holidays


@lru_cache(maxsize=64)
def _weekday_holidays(year: int) -> tuple[date, ...]:
    """The year's bank holidays that fall on a weekday, in order."""
    return tuple(sorted(d for d in _holidays_in(year) if d.weekday() < _SATURDAY))


@lru_cache(maxsize=1024)
def _weekday_holidays_in_years(first: int, last: int) -> int:
    """Weekday bank holidays of the years `first` to `last`, the last year left out."""
    return sum(len(_weekday_holidays(year)) for year in range(first, last))


def _weekday_holidays_through(day: date) -> int:
    """Weekday bank holidays from 1 January of `day`'s year to `day`, inclusive."""
    return bisect_right(_weekday_holidays(day.year), day)


def _weekdays_through(day: date) -> int:
    """Mondays to Fridays from 1 January of year 1 (a Monday) to `day`, inclusive."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def due_date(received: date, target_days: int = DEFAULT_TARGET_DAYS) -> date:
    return add_working_days(received, target_days)


@dataclass(frozen=True)
class StageDeadlines:
    draft_by: date
    qa_by: date
    private_office_by: date
    signoff_by: date
    dispatch_by: date


@dataclass(frozen=True)
class StagePlan:
    """The working day, within the target, by which each stage should be done."""

    draft: int = 10
    qa: int = 14
    private_office: int = 17
    signoff: int = 19
    dispatch: int = 20

    def __post_init__(self) -> None:
        days = self._days()
        if min(days) < 1 or days != sorted(days):
            raise ValueError(
                "Stage days must be at least 1 and in order (draft ≤ QA ≤ private office"
                f" ≤ sign-off ≤ dispatch), not {days}."
            )

    def _days(self) -> list[int]:
        return [getattr(self, field.name) for field in fields(self)]

    def scaled(self, target_days: int) -> StagePlan:
        """This plan stretched or squeezed so that dispatch falls on target_days."""
        if target_days < 1:
            raise ValueError(f"Target must be at least 1 working day, not {target_days}.")
        base = self.dispatch
        stages: list[int] = []
        floor = 1
        for day in self._days()[:-1]:
            # Round down: an earlier stage deadline leaves room for the stages after it.
            scaled = min(max(day * target_days // base, floor), target_days)
            stages.append(scaled)
            floor = scaled
        stages.append(target_days)
        return StagePlan(*stages)


def stage_deadlines(
    received: date, target_days: int = DEFAULT_TARGET_DAYS, plan: StagePlan | None = None
) -> StageDeadlines:
    plan = plan or StagePlan()
    if plan.dispatch != target_days:
        plan = plan.scaled(target_days)
    return StageDeadlines(
        draft_by=add_working_days(received, plan.draft),
        qa_by=add_working_days(received, plan.qa),
        private_office_by=add_working_days(received, plan.private_office),
        signoff_by=add_working_days(received, plan.signoff),
        dispatch_by=add_working_days(received, plan.dispatch),
    )
