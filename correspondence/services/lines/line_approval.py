"""The approval workflow: a version is submitted, then approved, rejected or retired.

A line has numbered versions: draft → submitted → approved → retired, or rejected with
a reason. Approved versions are never edited; a change is a new version. Approving a
new version retires the one it replaces (its approver and date stay on it), so a line
has at most one approved version, the one replies may use. Anyone with drafting
rights (drafter, policy lead) may propose and submit; only a policy lead may approve,
reject or retire, and these functions refuse anyone else whatever the UI shows.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from correspondence.db.models import LineVersion, now_utc
from correspondence.domain.kinds import LineStatus
from correspondence.services import events
from correspondence.services.actors import Actor
from correspondence.services.errors import ValidationError
from correspondence.services.lines.line_checks import check_body
from correspondence.services.lines.line_records import load_version, touch
from correspondence.services.lines.line_roles import require_drafting, require_policy_lead


def submit(session: Session, actor: Actor, version_id: int) -> LineVersion:
    """Draft → submitted, for a policy lead to approve; refused while the text has problems."""
    require_drafting(actor, "submit a standard line")
    version = load_version(session, version_id)
    if version.status != LineStatus.DRAFT:
        raise ValidationError(
            "Version",
            f"only a draft can be submitted; version {version.number} is {version.status}",
        )
    check_body(version.body, f"{version.line.key} v{version.number}")
    version.status = LineStatus.SUBMITTED
    version.submitted_at = now_utc()
    touch(version.line)
    session.flush()
    events.record(
        session, actor, "line", version.line_id, "submitted", field="version", new=version.number
    )
    return version


def _decide(
    session: Session,
    actor: Actor,
    version_id: int,
    *,
    verb: str,
    allowed_from: LineStatus,
    reason: str | None = None,
    reason_prompt: str = "",
) -> LineVersion:
    """The checks every policy lead's decision on a version shares: role, the version's
    current status and, where one is asked for, a reason."""
    require_policy_lead(actor, f"{verb} a standard line")
    version = load_version(session, version_id)
    if version.status != allowed_from:
        which = (
            "a submitted version"
            if allowed_from == LineStatus.SUBMITTED
            else "the approved version"
        )
        raise ValidationError(
            "Version",
            f"only {which} can be {_PAST[verb]}; version {version.number} is {version.status}",
        )
    if reason is not None and not reason.strip():
        raise ValidationError("Reason", reason_prompt)
    return version


def _decided(
    session: Session, actor: Actor, version: LineVersion, action: str, reason: str = ""
) -> LineVersion:
    touch(version.line)
    session.flush()
    events.record(
        session,
        actor,
        "line",
        version.line_id,
        action,
        field="version",
        new=version.number,
        reason=reason,
    )
    return version


_PAST = {"approve": "approved", "reject": "rejected", "retire": "retired"}


def approve(session: Session, actor: Actor, version_id: int) -> LineVersion:
    """Submitted → approved; the version it replaces is retired, its approval kept."""
    version = _decide(session, actor, version_id, verb="approve", allowed_from=LineStatus.SUBMITTED)
    check_body(version.body, f"{version.line.key} v{version.number}")
    now = now_utc()
    for older in version.line.versions:
        if older.status == LineStatus.APPROVED and older.id != version.id:
            older.status = LineStatus.RETIRED
            older.retired_at = now
            events.record(
                session,
                actor,
                "line",
                version.line_id,
                "retired",
                field="version",
                new=older.number,
                reason=f"replaced by version {version.number}",
            )
    version.status = LineStatus.APPROVED
    version.approved_by_id = actor.user_id
    version.approved_at = now
    return _decided(session, actor, version, "approved")


def reject(session: Session, actor: Actor, version_id: int, reason: str) -> LineVersion:
    version = _decide(
        session,
        actor,
        version_id,
        verb="reject",
        allowed_from=LineStatus.SUBMITTED,
        reason=reason,
        reason_prompt="say why the version is rejected",
    )
    version.status = LineStatus.REJECTED
    version.rejected_reason = reason.strip()
    return _decided(session, actor, version, "rejected", reason.strip())


def retire(session: Session, actor: Actor, version_id: int, reason: str) -> LineVersion:
    """Take an approved version out of use; with no approved version the line cannot be used."""
    version = _decide(
        session,
        actor,
        version_id,
        verb="retire",
        allowed_from=LineStatus.APPROVED,
        reason=reason,
        reason_prompt="say why the line is retired",
    )
    version.status = LineStatus.RETIRED
    version.retired_at = now_utc()
    return _decided(session, actor, version, "retired", reason.strip())
