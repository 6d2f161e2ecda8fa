"""How a case's reply goes out: by letter or by email, and to which address.

Proposed when the case is logged (an email is answered by email, to its sender) and
changed at triage or in the draft editor, each change recorded in the history.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.cases import cases
from correspondence.services.errors import ConflictError, ValidationError
from correspondence.services.replies.email_reply import EMAIL
from correspondence.services.unit_of_work import UnitOfWorkFactory

CHANNELS = ("letter", "email")
LABELS = {"letter": "Letter", "email": "Email"}


@dataclass(frozen=True)
class ReplyChannel:
    case_id: int
    channel: str  # letter|email
    email: str  # the address an email reply goes to ("" for a letter, or not yet known)
    correspondent_email: str  # the writer's own address, to offer
    case_version: int = 0  # for the caller's next optimistic-locking check

    @property
    def address(self) -> str:
        return self.email or self.correspondent_email


def reply_channel(session: Session, case_id: int) -> ReplyChannel:
    case = cases.get_case(session, case_id)
    own = case.correspondent.email if case.correspondent else ""
    return ReplyChannel(case.id, case.reply_channel, case.reply_email, own, case.version)


def set_reply_channel(
    session: Session,
    actor: Actor,
    case_id: int,
    channel: str,
    email: str = "",
    *,
    expected_version: int | None = None,
) -> ReplyChannel:
    """Choose letter or email; an email reply needs an address (the writer's by default)."""
    actor.require(
        "choose how a reply goes out",
        Role.OFFICER,
        Role.DRAFTER,
        Role.POLICY_LEAD,
        Role.PRIVATE_SECRETARY,
    )
    if channel not in CHANNELS:
        raise ValidationError("Reply by", f"choose letter or email, not {channel!r}")
    case = cases.get_case(session, case_id)
    if expected_version is not None and case.version != expected_version:
        raise ConflictError(
            f"Case {case.reference} was changed by someone else since you opened it; "
            "reload it to see their changes."
        )
    email = email.strip()
    if channel == "email":
        email = email or (case.correspondent.email.strip() if case.correspondent else "")
        if not email:
            raise ValidationError("Reply email", "give the address the reply should go to")
        if len(email) > 200 or not EMAIL.fullmatch(email):
            raise ValidationError("Reply email", f"{email[:60]!r} is not an email address")
    old = f"{case.reply_channel} {case.reply_email}".strip()
    case.reply_channel, case.reply_email = channel, email if channel == "email" else ""
    new = f"{case.reply_channel} {case.reply_email}".strip()
    if old != new:
        events.record(
            session, actor, "case", case.id, "edited", case_id=case.id,
            field="reply_channel", old=old, new=new,
        )  # fmt: skip
    session.flush()
    return reply_channel(session, case.id)


class ReplyChannels:
    """The facade the windows use: one transaction per call."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    def get(self, case_id: int) -> ReplyChannel:
        with self.uow.read() as work:
            s = work.session
            return reply_channel(s, case_id)

    def set(
        self, case_id: int, channel: str, email: str = "", expected_version: int | None = None
    ) -> ReplyChannel:
        with self.uow.begin() as work:
            s = work.session
            return set_reply_channel(
                s, work.actor, case_id, channel, email, expected_version=expected_version
            )


__all__ = [
    "CHANNELS",
    "LABELS",
    "ReplyChannel",
    "ReplyChannels",
    "reply_channel",
    "set_reply_channel",
]
