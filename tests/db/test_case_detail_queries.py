"""Opening a case asks the database a few questions, not one per name it shows.

Each question is a round trip to a team's server (50 ms on a slow link): the detail
pane's correspondent, team, campaign, drafter and signatories come with the case itself.
"""

from __future__ import annotations

from sqlalchemy import event, select

from correspondence.db.models import Case
from correspondence.services.desk import Desk


def test_opening_a_case_with_every_name_filled_takes_few_questions(demo_desk: Desk) -> None:
    with demo_desk.uow.read() as uow:
        case_id = uow.session.scalar(
            select(Case.id)
            .where(
                Case.correspondent_id.is_not(None),
                Case.team_id.is_not(None),
                Case.drafter_id.is_not(None),
                Case.signatory_id.is_not(None),
                Case.addressed_to_id.is_not(None),
            )
            .order_by(Case.id)
            .limit(1)
        )
    assert case_id is not None
    asked: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement != "BEGIN":  # SQLite's explicit BEGIN; psycopg sends its own
            asked.append(statement)

    engine = demo_desk.uow.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        d = demo_desk.detail(case_id)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert d.correspondent is not None and d.correspondent.name
    assert d.team and d.drafter and d.signatory and d.addressed_to
    assert d.history
    # The case with its names, themes and constituents; then its documents, its events with
    # who wrote them, and its drafts: on PostgreSQL those three go as one message
    # (db/batch_reads.py). Before: seven, and one more each for correspondent, team, drafter
    # and signatory before that.
    on_postgresql = demo_desk.uow.backend == "postgresql"
    assert len(asked) <= (2 if on_postgresql else 4), asked
