"""The demo office tells a true story: the seed case follows the seed reply's real dates,
and the standard-line reminders show a library that is looked after."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from correspondence.database import Database
from correspondence.db.models import Case, Event
from correspondence.services.lines.line_views import LineFilter, list_lines, overdue_reviews

SEED_REFERENCE = "2009/0007948POSoS"
TODAY = dt.date(2026, 11, 23)


def test_the_seed_case_moves_on_the_dates_its_reply_bears(demo_db: Database) -> None:
    with demo_db.session_factory() as s:
        case = s.scalar(select(Case).where(Case.reference == SEED_REFERENCE))
        assert case is not None
        steps = s.scalars(
            select(Event)
            .where(Event.case_id == case.id, Event.field == "status")
            .order_by(Event.id)
        ).all()
        when = {e.new_value: e.at.date() for e in steps}
        assert when["signed_off"] == dt.date(2009, 2, 3) == case.signed_off_on
        assert when["dispatched"] == dt.date(2009, 2, 4) == case.dispatched_on
        assert [e.at for e in steps] == sorted(e.at for e in steps), "history reads in order"
        assert case.received_on == dt.date(2009, 1, 20) == case.logged_at.date()
        # No demo letter is received after it was logged.
        late = s.scalars(select(Case.reference).where(Case.received_on > func.date(Case.logged_at)))
        assert list(late) == []


def test_a_few_lines_are_due_for_review_not_all(demo_db: Database) -> None:
    with demo_db.session_factory() as s:
        every = list_lines(s, LineFilter(), TODAY)
        overdue = overdue_reviews(s, TODAY)
        soon = [
            line
            for line in every
            if line.review_by is not None and TODAY <= line.review_by <= TODAY + dt.timedelta(28)
        ]
    assert 3 <= len(overdue) <= len(every) // 5
    assert soon, "some lines fall due for review within four weeks"
    assert all(line.review_by is not None for line in every)
