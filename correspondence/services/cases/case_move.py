"""Changing a case's status and showing it moved, in three round trips on PostgreSQL:
BEGIN with who is acting; the case locked with everything its detail pane shows, in one
message (db/batch_reads.py); its UPDATE and its event with the COMMIT (services/events.py).

The pane is made from what was read, as the move left it: its new event is the one row
of its history not yet in the database. The event is stamped with the transaction's own
clock (read with the case), which is also the time a server set up for a team gives it,
so the pane shows what opening the case afresh shows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import DateTime, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from correspondence.db.batch_reads import Read, read_together
from correspondence.db.models import (
    Campaign,
    Case,
    Constituent,
    Correspondent,
    Signatory,
    Team,
    Theme,
    User,
    case_themes,
    now_utc,
)
from correspondence.db.row_reads import columns_of, held
from correspondence.domain.states import CaseStatus
from correspondence.services import events
from correspondence.services.actors import Actor
from correspondence.services.cases import cases
from correspondence.services.cases.history import timeline_statement
from correspondence.services.errors import NotFound


def _reads(session: Session, actor: Actor, case_id: int) -> list[Read]:
    def of_case(column: Any) -> Any:
        return select(column).where(Case.id == case_id).scalar_subquery()

    # Documents and drafts by the case's id alone; its history may take in its campaign's
    # reply, so the campaign is asked of the case in the same statement.
    documents, _history, drafts = cases.detail_reads(Case(id=case_id))
    # timeline_statement compares the campaign in SQL: a subquery compares as a number does.
    history = timeline_statement(case_id, cast(int, of_case(Case.campaign_id)))
    reads: list[Read] = [
        select(*columns_of(Case)).where(Case.id == case_id).with_for_update(),
        select(*columns_of(Correspondent)).where(
            Correspondent.id == of_case(Case.correspondent_id)
        ),
        select(*columns_of(Team)).where(Team.id == of_case(Case.team_id)),
        select(*columns_of(Campaign)).where(Campaign.id == of_case(Case.campaign_id)),
        select(*columns_of(User)).where(User.id == of_case(Case.drafter_id)),
        select(*columns_of(Signatory)).where(
            Signatory.id.in_([of_case(Case.signatory_id), of_case(Case.addressed_to_id)])
        ),
        select(*columns_of(Theme))
        .join(case_themes, case_themes.c.theme_id == Theme.id)
        .where(case_themes.c.case_id == case_id)
        .order_by(Theme.code),
        select(*columns_of(Constituent))
        .where(Constituent.case_id == case_id)
        .order_by(Constituent.id),
        documents,
        history,
        drafts,
        # Who the timeline names for the new event, as it joins the event's username.
        select(User.display_name).where(User.username == actor.username),
    ]
    if session.get_bind().dialect.name == "postgresql":
        # The transaction's start: what the server's trigger stamps an event with.
        reads.append(select(type_coerce(func.timezone("UTC", func.now()), DateTime)))
    return reads


def move_and_show(
    session: Session,
    actor: Actor,
    case_id: int,
    target: CaseStatus,
    *,
    reason: str = "",
    expected_version: int | None = None,
    today: dt.date,
) -> cases.CaseDetail:
    """cases.move, and the detail pane of the case as moved. Does not commit."""
    rows = read_together(session, _reads(session, actor, case_id))
    case_rows, corr, team, campaign, users, signatories, themes, constituents = rows[:8]
    documents, history, drafts, names = rows[8:12]
    if not case_rows:
        raise NotFound(f"No case #{case_id}")
    case = held(session, Case, case_rows[0])
    # Held here while the pane is made: the session holds loaded rows only weakly, and the
    # case's many-to-one names are found among them without a statement.
    looked_up: list[object] = []
    for model, found in (
        (Correspondent, corr),
        (Team, team),
        (Campaign, campaign),
        (User, users),
        (Signatory, signatories),
    ):
        looked_up += [held(session, model, row) for row in found]
    set_committed_value(case, "themes", [held(session, Theme, r) for r in themes])
    set_committed_value(case, "constituents", [held(session, Constituent, r) for r in constituents])
    # PostgreSQL: the transaction's clock, read above; SQLite: this computer's, as before.
    at = rows[12][0][0] if len(rows) > 12 else now_utc()
    old = case.status
    # Locked as it was read: its UPDATE goes with the COMMIT, version checked.
    events.write_with_commit(session, case)
    cases.move(
        session,
        actor,
        case_id,
        target,
        reason=reason,
        expected_version=expected_version,
        today=today,
        at=at,
    )
    # The new event, as timeline_statement reads it back.
    name = names[0][0] if names else None
    event = (at, actor.username, "case", "status", "status", old.value, target.value, reason, name)
    detail = cases.detail_from(session, case, [documents, [*history, event], drafts], today)
    del looked_up
    return detail


__all__ = ["move_and_show"]
