"""Marking a campaign's members dispatched once their letters are written, in one transaction.

A campaign reply went through QA, private office and sign-off as the campaign's draft, so
members are moved straight from wherever they stand (logged, triaged, ...) to dispatched,
one event each naming the draft and the file; closed members (dispatched, no reply,
transferred) are left as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from correspondence.db.models import Case, Draft
from correspondence.domain.states import CLOSED_STATUSES, CaseStatus
from correspondence.services import events
from correspondence.services.campaigns.campaign_letters import MemberLetter
from correspondence.services.unit_of_work import UnitOfWorkFactory


def mark_dispatched(
    uow: UnitOfWorkFactory,
    campaign_id: int,
    draft_id: int,
    letters: Sequence[MemberLetter],
    channel: str,
    today: dt.date,
) -> int:
    """Mark every member whose letter was written as dispatched, in one transaction."""
    files = {m.case_id: m.filename for m in letters}
    closed = {s.value for s in CLOSED_STATUSES}
    with uow.begin() as work:
        s, actor = work.session, work.actor
        draft = s.get(Draft, draft_id)
        assert draft is not None
        signed_on = draft.signed_off_at.date() if draft.signed_off_at else today
        moved: list[tuple[Case, str]] = []
        for case in s.scalars(
            select(Case).where(Case.campaign_id == campaign_id).order_by(Case.reference)
        ):
            if case.id not in files or case.status in closed:
                continue
            moved.append((case, case.status))
            case.status = CaseStatus.DISPATCHED
            case.signed_off_on = case.signed_off_on or signed_on
            case.signature_method = case.signature_method or draft.signature_method
            case.dispatched_on = today
            case.dispatch_channel = channel
        s.flush()
        reason = f"answered by the campaign reply (draft #{draft_id}); letter "
        rows: list[dict[str, Any]] = [
            {
                "entity": "case",
                "entity_id": case.id,
                "case_id": case.id,
                "action": "status",
                "field": "status",
                "old_value": old,
                "new_value": CaseStatus.DISPATCHED.value,
                "reason": reason + files[case.id],
            }
            for case, old in moved
        ]
        rows.append(
            {
                "entity": "campaign",
                "entity_id": campaign_id,
                "case_id": None,
                "action": "letters sent",
                "field": "",
                "old_value": "",
                "new_value": str(len(moved)),
                "reason": f"reply draft #{draft_id} exported and dispatched by {channel}",
            }
        )
        events.record_many(s, actor, rows)
    return len(moved)
