"""Breach forecast, counted by hand: the brief's stage deadlines, then a per-stage history model.

Working days in November 2026 (no bank holidays): received Monday 2 November, Day 1 is
3 November; Monday 23 November is day 15. Received Monday 26 October: 23 November is day 20.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import docx
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Case, Correspondent, Signatory
from correspondence.domain.workdays import add_working_days
from correspondence.services import events
from correspondence.services.drafting.forecast import BreachForecast
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 11, 23)
D = dt.date
_seq = itertools.count(1)


def _case(s, received: dt.date, status: str, due: dt.date | None = None) -> Case:  # noqa: ANN001
    n = next(_seq)
    sos = s.scalar(select(Signatory.id).where(Signatory.key == "sos"))
    person = Correspondent(
        kind="public", title="Mrs", first_name="Nia", last_name=f"Example{n}",
        display_name=f"Mrs Nia Example{n}", address="1 Test Row\nAshby",
    )  # fmt: skip
    case = Case(
        reference=f"2026/{n:07d}POSoS", ref_year=2026, ref_sequence=n, office_code="POSoS",
        received_on=received, due_on=due or add_working_days(received, 20), status=status,
        reply_type_code="ministerial", correspondent=person, signatory_id=sos,
        summary="the safety of children in Ashby",
    )  # fmt: skip
    s.add(case)
    s.flush()
    return case


def _moves(s, case: Case, steps: list[tuple[str, str, dt.date]]) -> None:  # noqa: ANN001
    for old, new, day in steps:
        events.record(s, None, "case", case.id, "status", case_id=case.id, field="status",
                      old=old, new=new, at=dt.datetime.combine(day, dt.time(10)))  # fmt: skip


def test_with_little_history_the_brief_stage_deadlines_decide(db: Database) -> None:
    with db.session_factory.begin() as s:
        behind = _case(s, D(2026, 11, 2), "drafting").reference  # day 15, draft due by day 10
        _case(s, D(2026, 11, 16), "drafting")  # day 5: on plan
        qa = _case(s, D(2026, 10, 26), "in_qa").reference  # day 20, QA due by day 14
        late = _case(s, D(2026, 10, 1), "drafting").reference  # due 29 October
        # Extended to 14 December (30 working days): draft by day 15, so it is on plan.
        _case(s, D(2026, 11, 2), "drafting", due=D(2026, 12, 14))
        _case(s, D(2026, 10, 1), "dispatched")
    result = BreachForecast(
        acting_as(db.session_factory, "tester"), clock=lambda: TODAY
    ).everything()
    assert not result.model.from_history
    assert "draft by day 10" in result.model.describe()
    assert result.examined == 5
    risk = {r.reference: r for r in result.at_risk}
    assert set(risk) == {behind, qa, late}
    # Day 15 in drafting: 15 + the 10 days the brief gives QA to dispatch = day 25, 7 Dec.
    assert (risk[behind].due_on, risk[behind].forecast_on) == (D(2026, 11, 30), D(2026, 12, 7))
    assert risk[behind].working_days_late == 5
    assert risk[behind].explanation == (
        "Drafting on working day 15 of 20; the brief has the draft done by day 10 and 10 more "
        "working days after it, so it would go on 7 Dec 2026, 5 working days after its due "
        "date of 30 Nov 2026."
    )
    # Day 20 in QA: 20 + 6 = day 26, 1 December.
    assert (risk[qa].forecast_on, risk[qa].working_days_late) == (D(2026, 12, 1), 6)
    assert risk[late].forecast_on is None and risk[late].working_days_late == 17
    assert risk[late].explanation.startswith("Already 17 working days past its due date")


def test_with_90_days_of_history_each_stage_takes_its_typical_time(db: Database) -> None:
    with db.session_factory.begin() as s:
        old = _case(s, D(2026, 7, 1), "dispatched")
        _moves(s, old, [("logged", "triaged", D(2026, 7, 2))])  # history starts 145 days ago
        for i in range(5):  # each stage's typical time, in working days
            start = D(2026, 10, 5) + dt.timedelta(days=7 * i)  # Mondays
            c = _case(s, start, "dispatched")
            days = [1, 1, 3, 2, 1, 1]  # logged, triaged, drafting, QA, private office, signed
            names = ["logged", "triaged", "drafting", "in_qa", "with_private_office",
                     "signed_off", "dispatched"]  # fmt: skip
            when, steps = start, []
            for k, d in enumerate(days):
                when = add_working_days(when, d)
                steps.append((names[k], names[k + 1], when))
            _moves(s, c, steps)
        # In QA for 3 working days (typically 2): QA is due now, then private office 1 and
        # dispatch 1: 25 November, a day after its due date of 24 November.
        slow = _case(s, D(2026, 10, 27), "in_qa", due=D(2026, 11, 24))
        _moves(s, slow, [("drafting", "in_qa", D(2026, 11, 18))])
        quick = _case(s, D(2026, 11, 9), "in_qa", due=D(2026, 11, 30))
        _moves(s, quick, [("drafting", "in_qa", D(2026, 11, 23))])
        slow_ref = slow.reference
    result = BreachForecast(
        acting_as(db.session_factory, "tester"), clock=lambda: TODAY
    ).everything()
    model = result.model
    assert model.from_history
    assert model.typical == {"logged": 1, "triaged": 1, "drafting": 3, "in_qa": 2,
                             "with_private_office": 1, "signed_off": 1}  # fmt: skip
    [risk] = result.at_risk
    assert risk.reference == slow_ref
    assert (risk.forecast_on, risk.working_days_late) == (D(2026, 11, 25), 1)
    assert risk.explanation == (
        "In QA for 3 working days (typically 2 in the last 90 days); still to come: private "
        "office 1, dispatch 1, so it would go on 25 Nov 2026, 1 working day after its due date "
        "of 24 Nov 2026."
    )


def test_the_holding_reply_is_drafted_from_the_approved_line(
    demo_db: Database, tmp_path: Path
) -> None:
    svc = BreachForecast(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: TODAY)
    risk = svc.everything().at_risk[0]
    path = svc.draft_holding_reply(risk.case_id, tmp_path / "holding.docx")
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "I am sorry that it has not yet been possible to send you a full reply" in text
    assert risk.reference in text and "DRAFT" in text.upper()
