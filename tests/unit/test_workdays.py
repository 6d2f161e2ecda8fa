from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from correspondence.domain.workdays import (
    StageDeadlines,
    StagePlan,
    add_working_days,
    bank_holidays,
    due_date,
    is_working_day,
    stage_deadlines,
    working_days_between,
)


def test_seed_letter_received_4_feb_2009_is_due_4_march() -> None:
    # Wed 4 Feb 2009, no bank holidays in February. Day 1 is Thu 5 Feb:
    # 5,6 (2) | 9-13 (7) | 16-20 (12) | 23-27 (17) | Mon 2, Tue 3, Wed 4 Mar (20).
    assert due_date(date(2009, 2, 4)) == date(2009, 3, 4)
    assert stage_deadlines(date(2009, 2, 4)) == StageDeadlines(
        draft_by=date(2009, 2, 18),  # day 10: Wed 18 Feb
        qa_by=date(2009, 2, 24),  # day 14: Tue 24 Feb
        private_office_by=date(2009, 2, 27),  # day 17: Fri 27 Feb
        signoff_by=date(2009, 3, 3),  # day 19: Tue 3 Mar
        dispatch_by=date(2009, 3, 4),  # day 20: Wed 4 Mar
    )


@pytest.mark.parametrize(
    ("day", "name_contains"),
    [
        (date(2009, 1, 1), "new year"),
        (date(2009, 4, 10), "good friday"),
        (date(2009, 4, 13), "easter monday"),
        (date(2009, 5, 4), "may"),
        (date(2009, 5, 25), "spring"),
        (date(2009, 8, 31), "summer"),
        (date(2009, 12, 25), "christmas"),
        (date(2009, 12, 28), "boxing"),  # Boxing Day fell on a Saturday
        (date(2010, 12, 27), "christmas"),  # Christmas Day 2010 fell on a Saturday
        (date(2010, 12, 28), "boxing"),
        (date(2011, 1, 3), "new year"),
        (date(2021, 12, 27), "christmas"),
        (date(2021, 12, 28), "boxing"),
        (date(2022, 1, 3), "new year"),
        (date(2022, 6, 2), "spring"),  # moved from Mon 30 May for the Jubilee
        (date(2022, 6, 3), "jubilee"),
        (date(2022, 9, 19), "funeral"),
    ],
)
def test_bank_holidays_come_from_the_package(day: date, name_contains: str) -> None:
    names = bank_holidays(day.year)
    assert name_contains in names[day].lower()
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2009, 2, 4),
        date(2009, 12, 24),  # Christmas Eve is not a bank holiday
        date(2009, 12, 31),
        date(2022, 5, 30),  # the usual late-May Monday, moved in 2022
        date(2022, 9, 20),
    ],
)
def test_ordinary_weekdays_are_working_days(day: date) -> None:
    assert is_working_day(day)


@pytest.mark.parametrize("day", [date(2009, 2, 7), date(2009, 2, 8)])
def test_weekends_are_not_working_days(day: date) -> None:
    assert not is_working_day(day)


def test_scotland_only_holidays_are_working_days() -> None:
    # 2 January and St Andrew's Day are Scottish bank holidays, not English ones.
    assert is_working_day(date(2009, 1, 2))
    assert is_working_day(date(2009, 11, 30))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # n == 0 is the day itself, even when that is not a working day.
        (date(2009, 2, 4), 0, date(2009, 2, 4)),
        (date(2009, 2, 7), 0, date(2009, 2, 7)),
        # Fri -> Mon over a weekend.
        (date(2009, 2, 6), 1, date(2009, 2, 9)),
        # Received Sat 7 Feb: Day 1 is Mon 9 Feb.
        (date(2009, 2, 7), 1, date(2009, 2, 9)),
        # Christmas 2009: Fri 25 holiday, Sat 26 Boxing Day, Mon 28 substitute -> Tue 29.
        (date(2009, 12, 24), 1, date(2009, 12, 29)),
        # Christmas 2010 on a Saturday: Mon 27 and Tue 28 substitutes -> Day 1 Wed 29;
        # Day 3 Fri 31; Sat 1 Jan 2011 New Year, Mon 3 Jan substitute -> Day 4 Tue 4 Jan.
        (date(2010, 12, 24), 1, date(2010, 12, 29)),
        (date(2010, 12, 24), 3, date(2010, 12, 31)),
        (date(2010, 12, 24), 4, date(2011, 1, 4)),
        # Easter 2009: Good Friday 10 Apr, Easter Monday 13 Apr -> Day 1 Tue 14 Apr.
        (date(2009, 4, 9), 1, date(2009, 4, 14)),
        # Early May bank holiday Mon 4 May 2009.
        (date(2009, 5, 1), 1, date(2009, 5, 5)),
        # Spring bank holiday Mon 25 May 2009.
        (date(2009, 5, 22), 1, date(2009, 5, 26)),
        # Summer bank holiday Mon 31 Aug 2009.
        (date(2009, 8, 28), 1, date(2009, 9, 1)),
        # 2022: Mon 30 May is a working day; Thu 2 and Fri 3 June are holidays.
        (date(2022, 5, 27), 1, date(2022, 5, 30)),
        (date(2022, 5, 31), 1, date(2022, 6, 1)),
        (date(2022, 5, 31), 2, date(2022, 6, 6)),
        (date(2022, 6, 1), 1, date(2022, 6, 6)),
        # The Queen's funeral, Mon 19 Sept 2022.
        (date(2022, 9, 16), 1, date(2022, 9, 20)),
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        # Fri 17 Dec 2010: 20,21,22,23,24 (5) | 29,30,31 (8) | 3 Jan holiday, 4-7 (12) |
        # 10-14 (17) | 17,18,19 (20) -> Wed 19 Jan 2011.
        (date(2010, 12, 17), date(2011, 1, 19)),
        # Mon 13 Dec 2021: 14-17 (4) | 20-24 (9) | 27,28 holidays, 29-31 (12) |
        # 3 Jan holiday, 4-7 (16) | 10-13 (20) -> Thu 13 Jan 2022.
        (date(2021, 12, 13), date(2022, 1, 13)),
        # Thu 9 Apr 2009: 14-17 (4) | 20-24 (9) | 27 Apr-1 May (14) | 4 May holiday,
        # 5-8 (18) | 11, 12 (20) -> Tue 12 May 2009.
        (date(2009, 4, 9), date(2009, 5, 12)),
        # Received Fri, Sat or Sun 6-8 Feb 2009: Day 1 is Mon 9 Feb; four full weeks ->
        # Fri 6 Mar 2009.
        (date(2009, 2, 6), date(2009, 3, 6)),
        (date(2009, 2, 7), date(2009, 3, 6)),
        (date(2009, 2, 8), date(2009, 3, 6)),
    ],
)
def test_due_date(received: date, expected: date) -> None:
    assert due_date(received) == expected


def test_due_date_with_a_shorter_target() -> None:
    # Wed 4 Feb 2009 + 10 working days -> Wed 18 Feb.
    assert due_date(date(2009, 2, 4), 10) == date(2009, 2, 18)


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError, match="-1"):
        add_working_days(date(2009, 2, 4), -1)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2009, 2, 4), date(2009, 3, 4), 20),
        (date(2009, 3, 4), date(2009, 2, 4), -20),
        (date(2009, 2, 4), date(2009, 2, 4), 0),
        (date(2009, 2, 6), date(2009, 2, 8), 0),  # Fri -> Sun
        (date(2009, 2, 7), date(2009, 2, 9), 1),  # Sat -> Mon
        (date(2021, 12, 24), date(2021, 12, 29), 1),  # over the Christmas substitutes
        (date(2022, 9, 16), date(2022, 9, 23), 4),  # 19 Sept funeral skipped
        (date(2022, 9, 23), date(2022, 9, 16), -4),
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert working_days_between(start, end) == expected


def test_between_and_add_agree_across_awkward_dates() -> None:
    starts = [date(2010, 12, 20) + timedelta(days=i) for i in range(20)]
    starts += [date(2022, 5, 28) + timedelta(days=i) for i in range(10)]
    for start in starts:
        for n in (0, 1, 2, 5, 20):
            assert working_days_between(start, add_working_days(start, n)) == n, (start, n)


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2005, 1, 1), max_value=date(2030, 12, 31)),
    span=st.integers(min_value=-800, max_value=800),
)
def test_between_counts_what_a_day_by_day_walk_counts(start: date, span: int) -> None:
    # Over weekends, bank holidays, substitute days and year ends, long gaps included
    # (a case a year overdue): the count is the walk's.
    end = start + timedelta(days=span)
    lo, hi = min(start, end), max(start, end)
    walked = sum(is_working_day(lo + timedelta(days=i)) for i in range(1, (hi - lo).days + 1))
    assert working_days_between(start, end) == (walked if end >= start else -walked)


def test_bank_holidays_returns_a_copy() -> None:
    holidays_2009 = bank_holidays(2009)
    holidays_2009[date(2009, 2, 4)] = "Invented holiday"
    assert is_working_day(date(2009, 2, 4))
    assert date(2009, 2, 4) not in bank_holidays(2009)


def test_default_stage_plan_matches_the_product_brief() -> None:
    assert StagePlan() == StagePlan(draft=10, qa=14, private_office=17, signoff=19, dispatch=20)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (20, StagePlan()),
        # Rounded down: 10*10/20=5, 14*10/20=7, 17*10/20=8.5, 19*10/20=9.5.
        (10, StagePlan(5, 7, 8, 9, 10)),
        (40, StagePlan(20, 28, 34, 38, 40)),
        (5, StagePlan(2, 3, 4, 4, 5)),
        (1, StagePlan(1, 1, 1, 1, 1)),
    ],
)
def test_scaled_plan(target: int, expected: StagePlan) -> None:
    assert StagePlan().scaled(target) == expected


@pytest.mark.parametrize("target", range(1, 61))
def test_scaled_plan_is_always_usable(target: int) -> None:
    plan = StagePlan().scaled(target)
    days = [plan.draft, plan.qa, plan.private_office, plan.signoff, plan.dispatch]
    assert days == sorted(days)
    assert days[0] >= 1
    assert plan.dispatch == target


@pytest.mark.parametrize("target", [0, -3])
def test_scaling_to_no_time_is_refused(target: int) -> None:
    with pytest.raises(ValueError):
        StagePlan().scaled(target)


def test_stage_plan_refuses_stages_out_of_order() -> None:
    with pytest.raises(ValueError, match="in order"):
        StagePlan(draft=15, qa=14)
    with pytest.raises(ValueError):
        StagePlan(draft=0)


def test_stage_deadlines_for_a_ten_day_target() -> None:
    # From Wed 4 Feb 2009, days 5, 7, 8, 9, 10.
    assert stage_deadlines(date(2009, 2, 4), 10) == StageDeadlines(
        draft_by=date(2009, 2, 11),
        qa_by=date(2009, 2, 13),
        private_office_by=date(2009, 2, 16),
        signoff_by=date(2009, 2, 17),
        dispatch_by=date(2009, 2, 18),
    )


def test_stage_deadlines_with_a_custom_plan() -> None:
    plan = StagePlan(draft=3, qa=4, private_office=5, signoff=6, dispatch=7)
    deadlines = stage_deadlines(date(2009, 2, 4), 7, plan)
    # Day 3 Mon 9 Feb ... Day 7 Fri 13 Feb.
    assert deadlines.draft_by == date(2009, 2, 9)
    assert deadlines.dispatch_by == date(2009, 2, 13)


def test_the_shipped_bank_holiday_table_matches_the_holidays_package() -> None:
    """Regenerate with `python -m correspondence.domain.make_bank_holidays` if this fails."""
    from correspondence.domain import make_bank_holidays

    assert make_bank_holidays.TARGET.read_text(encoding="utf-8") == make_bank_holidays.render()
