"""Recording that a signed-off reply has gone out: the last step of a case."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from correspondence.db.models import Case
from correspondence.domain.states import CaseStatus
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.cases import cases
from correspondence.services.errors import ValidationError

DISPATCH_CHANNELS = ("post", "email", "hand")


def dispatch(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    on: dt.date,
    channel: str,
    today: dt.date | None = None,
) -> Case:
    """An officer records when and how the signed-off reply was sent; the case closes."""
    actor.require("record dispatch", Role.OFFICER)
    case = cases.get_case(session, case_id)
    if case.status != CaseStatus.SIGNED_OFF.value:
        raise ValidationError(
            "Dispatch",
            f"{case.reference} is {case.status.label.lower()}: only a signed-off "
            "reply can be dispatched",
        )
    if channel not in DISPATCH_CHANNELS:
        raise ValidationError("Channel", f"choose one of {', '.join(DISPATCH_CHANNELS)}")
    today = today or dt.date.today()
    if on > today:
        raise ValidationError("Dispatch date", f"{on:%d %B %Y} is in the future")
    if case.signed_off_on is not None and on < case.signed_off_on:
        raise ValidationError("Dispatch date", f"{on:%d %B %Y} is before the reply was signed off")
    cases.move(session, actor, case.id, CaseStatus.DISPATCHED, today=on)
    case.dispatched_on = on
    case.dispatch_channel = channel
    events.record(
        session, actor, "case", case.id, "dispatched", case_id=case.id, field="channel", new=channel
    )
    return case
