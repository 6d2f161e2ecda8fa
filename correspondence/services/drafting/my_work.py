"""My work: the drafts waiting for this person by role, and their own cases falling due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from correspondence.db.models import Campaign, Case, Correspondent, Draft, Theme, User, case_themes
from correspondence.domain.states import CLOSED_STATUSES, CaseStatus, DraftStatus
from correspondence.domain.workdays import working_days_between
from correspondence.services.actors import Actor, Role
from correspondence.services.drafting.draft_guards import DRAFTING_ROLES


@dataclass(frozen=True)
class WorkItem:
    draft_id: int
    case_id: int | None
    reference: str
    correspondent: str
    status: DraftStatus
    waiting_for: str  # why it is on my list: "Returned: ...", "Waiting for QA" ...
    due_on: dt.date | None
    days_left: int | None


@dataclass(frozen=True)
class DueCase:
    case_id: int
    reference: str
    correspondent: str
    status: CaseStatus
    due_on: dt.date | None
    days_left: int | None


@dataclass(frozen=True)
class MyWork:
    username: str
    roles: frozenset[Role]
    drafts: tuple[WorkItem, ...] = ()
    due_cases: tuple[DueCase, ...] = ()
    to_dispatch: tuple[DueCase, ...] = field(default=())


def _campaign_work_label(session: Session, draft: Draft) -> str:
    campaign = session.get(Campaign, draft.campaign_id) if draft.campaign_id else None
    return f"Campaign: {campaign.name}" if campaign else f"Campaign reply #{draft.id}"


def _correspondent_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        session.execute(
            select(Correspondent.id, Correspondent.display_name).where(Correspondent.id.in_(ids))
        ).all()
    )


def my_work(
    session: Session,
    actor: Actor,
    today: dt.date,
    *,
    due_within: int = 10,
    everything: bool = False,
) -> MyWork:
    """What is waiting for this person, by role; and the open cases they own that fall due."""
    me = session.get(User, actor.user_id)
    team_id = me.team_id if me else None
    waiting: list[tuple[Draft, Case | None, str]] = []
    case: Case | None  # outer-joined: a draft may have no case
    base = select(Draft, Case).outerjoin(Case, Case.id == Draft.case_id)
    if actor.has(*DRAFTING_ROLES):
        mine = or_(Draft.created_by_id == actor.user_id, Case.drafter_id == actor.user_id)
        for draft, case in session.execute(
            base.where(
                Draft.status.in_([DraftStatus.DRAFTING.value, DraftStatus.RETURNED.value]), mine
            )
        ).all():
            why = (
                f"Returned: {draft.returned_reason}"
                if draft.status == DraftStatus.RETURNED.value
                else "Being drafted"
            )
            waiting.append((draft, case, why))
    if actor.has(Role.POLICY_LEAD):
        query = base.where(Draft.status == DraftStatus.IN_QA.value)
        if team_id is not None and not everything and Role.ADMIN not in actor.roles:
            # Mine to QA: the case's team is mine, or one of its themes belongs to my team;
            # a case with no team yet is every lead's, so that nobody's QA falls through.
            theme_cases = (
                select(case_themes.c.case_id)
                .join(Theme, Theme.id == case_themes.c.theme_id)
                .where(Theme.team_id == team_id)
            )
            query = query.where(
                or_(Case.team_id == team_id, Case.team_id.is_(None), Case.id.in_(theme_cases))
            )
        for draft, case in session.execute(query).all():
            waiting.append((draft, case, "Waiting for QA"))
    if actor.has(Role.PRIVATE_SECRETARY):
        for draft, case in session.execute(
            base.where(Draft.status == DraftStatus.WITH_PRIVATE_OFFICE.value)
        ).all():
            waiting.append((draft, case, "Waiting for sign-off"))
    names = _correspondent_names(
        session, {c.correspondent_id for _, c, _ in waiting if c and c.correspondent_id}
    )
    seen: set[int] = set()
    items: list[WorkItem] = []
    for draft, case, why in waiting:
        if draft.id in seen:
            continue
        seen.add(draft.id)
        due = case.due_on if case else None
        items.append(
            WorkItem(
                draft_id=draft.id,
                case_id=case.id if case else None,
                reference=case.reference if case else _campaign_work_label(session, draft),
                correspondent=names.get(case.correspondent_id or -1, "") if case else "",
                status=draft.status,
                waiting_for=why,
                due_on=due,
                days_left=working_days_between(today, due) if due else None,
            )
        )
    items.sort(key=lambda i: (i.due_on or dt.date.max, i.reference))

    closed = [s.value for s in CLOSED_STATUSES]
    own = session.execute(
        select(Case.id, Case.reference, Case.correspondent_id, Case.status, Case.due_on)
        .where(Case.drafter_id == actor.user_id, Case.status.not_in(closed))
        .order_by(Case.due_on.is_(None), Case.due_on, Case.id)
    ).all()
    dispatch = (
        session.execute(
            select(Case.id, Case.reference, Case.correspondent_id, Case.status, Case.due_on)
            .where(Case.status == CaseStatus.SIGNED_OFF.value)
            .order_by(Case.due_on.is_(None), Case.due_on, Case.id)
            .limit(200)
        ).all()
        if actor.has(Role.OFFICER)
        else []
    )
    names.update(_correspondent_names(session, {r[2] for r in [*own, *dispatch] if r[2]}))

    def due_case(row: tuple) -> DueCase:
        cid, ref, corr, status, due = row
        return DueCase(
            cid,
            ref,
            names.get(corr, ""),
            CaseStatus(status),
            due,
            working_days_between(today, due) if due else None,
        )

    due_cases = [due_case(r) for r in own]
    due_cases = [c for c in due_cases if c.days_left is not None and c.days_left <= due_within]
    return MyWork(
        username=actor.username,
        roles=actor.roles,
        drafts=tuple(items),
        due_cases=tuple(due_cases),
        to_dispatch=tuple(due_case(r) for r in dispatch),
    )
