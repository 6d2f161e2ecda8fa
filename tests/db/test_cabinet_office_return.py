"""The Cabinet Office return for 2026-Q3, checked against a count made by hand.

Working days are counted from the day after receipt (Day 1). In 2026-Q3 the only
England-and-Wales bank holiday is Monday 31 August.

Received Monday 10 August: Day 1 is Tuesday 11 August; 11–14 Aug are days 1–4, 17–21 Aug
days 5–9, 24–28 Aug days 10–14, Monday 31 Aug is the bank holiday (skipped), 1–4 Sep days
15–18, Monday 7 Sep day 19, Tuesday 8 Sep day 20, Wednesday 9 Sep day 21.

Received Wednesday 1 July: 2–3 Jul days 1–2, 6–10 Jul days 3–7, 13–17 Jul days 8–12,
20 Jul 13, 21 Jul 14, Wednesday 22 Jul day 15, Thursday 23 Jul day 16.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from correspondence.database import Database
from correspondence.db.models import Case, Correspondent, Extension, ReplyType
from correspondence.services.errors import ValidationError
from correspondence.services.reports.cabinet_office_return import CabinetOfficeReturns, Quarter
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 10, 2)
D = dt.date
_seq = itertools.count(1)


def _case(s, who: Correspondent, office: str, received: dt.date, status: str, *,  # noqa: ANN001
          reply_type: str = "ministerial", dispatched: dt.date | None = None,
          direction: str = "incoming") -> Case:  # fmt: skip
    n = next(_seq)
    case = Case(
        reference=f"{received.year}/{n:07d}{office}",
        ref_year=received.year,
        ref_sequence=n,
        office_code=office,
        direction=direction,
        received_on=received,
        status=status,
        reply_type_code=reply_type,
        correspondent=who,
        dispatched_on=dispatched,
    )
    s.add(case)
    s.flush()
    return case


def _person(s, kind: str, name: str) -> Correspondent:  # noqa: ANN001
    person = Correspondent(kind=kind, display_name=name, last_name=name.split()[-1])
    s.add(person)
    return person


@pytest.fixture
def quarter(db: Database) -> None:
    with db.session_factory.begin() as s:
        # The department's own target for official replies is 15 working days.
        official = s.get(ReplyType, "official")
        assert official is not None
        official.target_days = 15
        mp = _person(s, "mp", "Jane Invented MP")
        peer = _person(s, "peer", "Lord Madeup")
        public = _person(s, "public", "Mr Sample Person")
        # A: day 20, on time only because the bank holiday is skipped.
        _case(s, mp, "POSoS", D(2026, 8, 10), "dispatched", dispatched=D(2026, 9, 8))
        # B: day 21, late; a holding reply went and the deadline was extended: still late.
        late = _case(s, mp, "POSoS", D(2026, 8, 10), "dispatched", dispatched=D(2026, 9, 9))
        late.holding_reply_on = D(2026, 9, 1)
        late.due_on = D(2026, 9, 15)
        s.add(Extension(case_id=late.id, old_due_on=D(2026, 9, 8), new_due_on=D(2026, 9, 15),
                        reason="Awaiting figures from the unit"))  # fmt: skip
        # C: day 16: within 20, but not within the office's own 15.
        _case(s, peer, "POMoS", D(2026, 7, 1), "dispatched", reply_type="official",
              dispatched=D(2026, 7, 23))  # fmt: skip
        # D: day 15: within both.
        _case(s, peer, "POMoS", D(2026, 7, 1), "dispatched", reply_type="official",
              dispatched=D(2026, 7, 22))  # fmt: skip
        # E: transferred to another department: not an item to answer.
        _case(s, mp, "POSoS", D(2026, 7, 14), "transferred", reply_type="transfer")
        # F: received on the last day of the quarter, still open and not yet due.
        _case(s, mp, "POSoS", D(2026, 9, 30), "drafting")
        # G: open since 1 July with only a holding reply: past 20 days, not answered.
        _case(s, mp, "POSoS", D(2026, 7, 1), "drafting").holding_reply_on = D(2026, 7, 20)
        # K: needs no reply.
        _case(s, mp, "POSoS", D(2026, 8, 3), "no_reply", reply_type="no_reply")
        # Not in the return: a member of the public, outside the quarter, an outgoing letter.
        _case(s, public, "POSoS", D(2026, 8, 3), "dispatched", dispatched=D(2026, 8, 4))
        _case(s, mp, "POSoS", D(2026, 6, 30), "dispatched", dispatched=D(2026, 7, 2))
        _case(s, mp, "POSoS", D(2026, 10, 1), "drafting")
        _case(s, mp, "POSoS", D(2026, 8, 3), "dispatched", dispatched=D(2026, 8, 3),
              direction="outgoing")  # fmt: skip


def test_the_return_matches_the_hand_count(db: Database, quarter: None) -> None:
    result = CabinetOfficeReturns(
        acting_as(db.session_factory, "tester"), clock=lambda: TODAY
    ).build("2026-Q3")
    assert result.offices["POSoS"] == {
        "received": 6,
        "transferred": 1,
        "no_reply": 1,
        "to_answer": 4,
        "answered": 2,
        "within_20": 1,
        "pct_within_20": 0.25,
        "within_own_target": 1,
        "pct_within_own_target": 0.25,
        "open_not_yet_due": 1,
        "open_past_20": 1,
    }
    assert result.offices["POMoS"] == {
        "received": 2,
        "transferred": 0,
        "no_reply": 0,
        "to_answer": 2,
        "answered": 2,
        "within_20": 2,
        "pct_within_20": 1.0,
        "within_own_target": 1,
        "pct_within_own_target": 0.5,
        "open_not_yet_due": 0,
        "open_past_20": 0,
    }
    total = result.total
    assert (total["received"], total["to_answer"], total["answered"]) == (8, 6, 4)
    assert (total["within_20"], total["pct_within_20"]) == (3, 0.5)
    assert (total["within_own_target"], total["pct_within_own_target"]) == (2, pytest.approx(1 / 3))

    items = {row[0]: row for row in result.table("items").rows}
    days = [(row[3], row[5], row[8]) for row in items.values() if row[8] is not None]
    assert sorted(days) == [
        (D(2026, 7, 1), D(2026, 7, 22), 15),
        (D(2026, 7, 1), D(2026, 7, 23), 16),
        (D(2026, 8, 10), D(2026, 9, 8), 20),
        (D(2026, 8, 10), D(2026, 9, 9), 21),
    ]
    [late] = [row for row in items.values() if row[8] == 21]
    assert late[6] == D(2026, 9, 1) and late[7] == D(2026, 9, 15)  # holding reply, extension
    assert late[10] == "answered late"
    [held] = [row for row in items.values() if row[3] == D(2026, 7, 1) and row[8] is None]
    assert held[10] == "open, past 20 working days"
    how = dict(result.table("how_counted").rows)
    assert "holding reply is not an answer" in how["Answered"]
    assert "day after receipt" in how["Within 20 days"]
    assert "bank holidays" in how["Within 20 days"]
    assert "another department" in how["Transferred"]
    assert set(how) == set(result.table("return").header[1:])  # every figure is explained


@pytest.mark.parametrize("text", ["2026-Q5", "2026", "Q3-2026", "", "2026-Q3; drop"])
def test_a_bad_quarter_is_named(text: str) -> None:
    with pytest.raises(ValidationError, match="not a quarter"):
        Quarter.parse(text)


def test_quarters_run_through_the_year() -> None:
    q = Quarter.parse("2026q4")
    assert (q.start, q.end) == (D(2026, 10, 1), D(2026, 12, 31))
    assert str(q.next()) == "2027-Q1" and str(q.previous()) == "2026-Q3"
    assert Quarter.containing(D(2026, 2, 28)).end == D(2026, 3, 31)
