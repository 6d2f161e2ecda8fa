"""Changing a line: proposing it, drafting versions, its title, themes, review date and owner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import LineVersion, StandardLine, User
from correspondence.domain.kinds import LineStatus
from correspondence.services import events
from correspondence.services.actors import Actor, Role, roles_of
from correspondence.services.errors import ConflictError, ValidationError
from correspondence.services.lines.line_checks import (
    check_key,
    check_title,
    find_themes,
    refuse_runaway,
)
from correspondence.services.lines.line_records import load_line, load_version, touch
from correspondence.services.lines.line_roles import require_drafting, require_policy_lead
from correspondence.services.lines.line_views import OPEN_VERSION_STATUSES


@dataclass
class NewLine:
    key: str
    title: str
    themes: Sequence[str]
    body: str
    numbered: bool = False
    review_by: dt.date | None = None


def propose_line(session: Session, actor: Actor, data: NewLine) -> StandardLine:
    """A new line with a draft version 1, owned by whoever proposed it."""
    require_drafting(actor, "propose a standard line")
    key = check_key(session, data.key)
    title = check_title(data.title)
    themes = find_themes(session, data.themes)
    if not data.body.strip():
        raise ValidationError("Text", "the line has no text")
    refuse_runaway(data.body)
    line = StandardLine(
        key=key,
        title=title,
        owner_id=actor.user_id,
        review_by=data.review_by,
        numbered=data.numbered,
        themes=themes,
    )
    line.versions.append(
        LineVersion(number=1, body=data.body, status=LineStatus.DRAFT, author_id=actor.user_id)
    )
    session.add(line)
    session.flush()
    events.record(session, actor, "line", line.id, "proposed", field="key", new=key)
    return line


def new_version(session: Session, actor: Actor, line_id: int, body: str) -> LineVersion:
    """Start a change: a draft version after the newest one."""
    require_drafting(actor, "draft a new version of a standard line")
    line = load_line(session, line_id)
    pending = [v for v in line.versions if v.status in OPEN_VERSION_STATUSES]
    if pending:
        v = pending[-1]
        raise ValidationError(
            "Version",
            f"version {v.number} of {line.key!r} is still {v.status}; "
            "finish or reject it before starting another",
        )
    if not body.strip():
        raise ValidationError("Text", "the line has no text")
    refuse_runaway(body)
    number = max((v.number for v in line.versions), default=0) + 1
    version = LineVersion(
        number=number, body=body, status=LineStatus.DRAFT, author_id=actor.user_id
    )
    line.versions.append(version)
    session.flush()
    events.record(session, actor, "line", line.id, "new version", field="version", new=number)
    return version


def edit_draft(session: Session, actor: Actor, version_id: int, body: str) -> LineVersion:
    """Change the text of a draft version; anything past draft is a new version instead."""
    require_drafting(actor, "edit a draft standard line")
    version = load_version(session, version_id)
    if version.status != LineStatus.DRAFT:
        raise ValidationError(
            "Version",
            f"version {version.number} is {version.status} and cannot be edited; "
            "start a new version instead",
        )
    if not body.strip():
        raise ValidationError("Text", "the line has no text")
    refuse_runaway(body)
    if body == version.body:
        return version
    version.body = body
    touch(version.line)
    session.flush()
    events.record(
        session, actor, "line", version.line_id, "edited", field="version", new=version.number
    )
    return version


def update_line(
    session: Session,
    actor: Actor,
    line_id: int,
    *,
    title: str | None = None,
    themes: Sequence[str] | None = None,
    numbered: bool | None = None,
    expected_version: int | None = None,
) -> StandardLine:
    """Change a line's title, themes or numbering (not its wording: that is a version)."""
    require_drafting(actor, "change a standard line")
    line = load_line(session, line_id)
    _check_row_version(line, expected_version)
    if title is not None:
        new_title = check_title(title)
        if new_title != line.title:
            events.record(
                session,
                actor,
                "line",
                line.id,
                "changed",
                field="title",
                old=line.title,
                new=new_title,
            )
            line.title = new_title
    if themes is not None:
        new_themes = find_themes(session, themes)
        old_codes = ", ".join(t.code for t in line.themes)
        new_codes = ", ".join(sorted(t.code for t in new_themes))
        if old_codes != new_codes:
            line.themes = new_themes
            events.record(
                session,
                actor,
                "line",
                line.id,
                "changed",
                field="themes",
                old=old_codes,
                new=new_codes,
            )
    if numbered is not None and numbered != line.numbered:
        events.record(
            session,
            actor,
            "line",
            line.id,
            "changed",
            field="numbered",
            old=line.numbered,
            new=numbered,
        )
        line.numbered = numbered
    session.flush()
    return line


def _check_row_version(line: StandardLine, expected: int | None) -> None:
    if expected is not None and line.version != expected:
        raise ConflictError(
            f"The line {line.key!r} was changed by someone else since you opened it; "
            "reload it to see their changes."
        )


def set_review_by(
    session: Session, actor: Actor, line_id: int, review_by: dt.date | None
) -> StandardLine:
    require_policy_lead(actor, "set a standard line's review-by date")
    line = load_line(session, line_id)
    if review_by != line.review_by:
        events.record(
            session,
            actor,
            "line",
            line.id,
            "changed",
            field="review_by",
            old=line.review_by or "",
            new=review_by or "",
        )
        line.review_by = review_by
        session.flush()
    return line


def change_owner(session: Session, actor: Actor, line_id: int, username: str) -> StandardLine:
    """Hand a line to another policy lead."""
    require_policy_lead(actor, "change who owns a standard line")
    line = load_line(session, line_id)
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        raise ValidationError("Owner", f"no active user {username.strip()!r}")
    roles = roles_of(session, user.id)
    if Role.POLICY_LEAD not in roles and Role.ADMIN not in roles:
        raise ValidationError("Owner", f"{user.display_name} is not a policy lead")
    if user.id != line.owner_id:
        old = session.get(User, line.owner_id) if line.owner_id else None
        events.record(
            session,
            actor,
            "line",
            line.id,
            "changed",
            field="owner",
            old=old.username if old else "",
            new=user.username,
        )
        line.owner_id = user.id
        session.flush()
    return line
