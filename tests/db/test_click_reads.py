"""What the reading clicks ask of the database does not grow with the office: no count of
cases a click shows nothing of, and no figure counted twice."""

from __future__ import annotations

from sqlalchemy import event, select

from correspondence.database import Database
from correspondence.db.models import Case, Draft, Signatory
from correspondence.services.cases.case_list import CaseFilter, SortKey
from correspondence.services.desk import Desk
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY


def _statements(db: Database) -> list[str]:
    sent: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    return sent


def test_opening_a_draft_outside_any_campaign_counts_no_cases(demo_db: Database) -> None:
    with demo_db.session_factory() as s:
        case_id = s.scalar(
            select(Case.id)
            .where(Case.status == "triaged", Case.campaign_id.is_(None))
            .where(Case.correspondent_id.is_not(None), ~Case.id.in_(select(Draft.case_id)))
            .order_by(Case.id)
        )
        sos = s.scalar(select(Signatory.id).where(Signatory.key == "sos"))
    assert case_id is not None
    drafting = Drafting(acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY)
    made = drafting.create(case_id, ("babyp-tragedy",), signatory_id=sos)
    sent = _statements(demo_db)
    view = drafting.view(made.id)
    assert view.paragraphs and view.campaign_size == 0
    # `campaign_id IS NULL` counted nearly every case of the office, for nothing shown.
    assert not [sql for sql in sent if "campaign_id IS NULL" in sql]


def test_the_open_cases_are_counted_once_for_the_list_and_its_status_bar(
    demo_desk: Desk, demo_db: Database
) -> None:
    open_rows = demo_desk.list_page(CaseFilter(status="open"), limit=100_000).rows
    sent = _statements(demo_db)
    page, counts = demo_desk.list_with_counts(CaseFilter(status="open"), sort=SortKey.URGENCY)
    assert counts.shown == counts.open == len(open_rows) and not counts.shown_is_estimate
    assert [r.id for r in page.rows] == [r.id for r in open_rows[: len(page.rows)]]
    if demo_db.engine.dialect.name == "postgresql":  # SQLite reads themes and people apart
        assert len(sent) == 2  # the page, and every figure of the status bar
