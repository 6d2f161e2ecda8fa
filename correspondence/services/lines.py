"""Standard lines in the database: loading the shipped library and writing it back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from correspondence.db.models import LineVersion, StandardLine, Theme, User
from correspondence.documents.line_files import LineFile
from correspondence.services import events
from correspondence.services.actors import Actor
from correspondence.services.errors import ValidationError


@dataclass(frozen=True)
class ImportResult:
    added: int
    new_versions: int
    unchanged: int


def _user_id(session: Session, username: str | None) -> int | None:
    if not username:
        return None
    return session.scalar(select(User.id).where(User.username == username))


def _at(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(9, 0)) if day else None


def import_library(
    session: Session, actor: Actor | None, files: Iterable[LineFile]
) -> ImportResult:
    """Add lines and versions from files; a version already held is left as it is."""
    themes = {t.code: t for t in session.scalars(select(Theme))}
    added = new_versions = unchanged = 0
    for f in files:
        unknown = [c for c in f.themes if c not in themes]
        if unknown:
            raise ValidationError(f"{f.key}.txt: themes", f"unknown theme(s) {', '.join(unknown)}")
        line = session.scalar(
            select(StandardLine)
            .where(StandardLine.key == f.key)
            .options(selectinload(StandardLine.versions))
        )
        if line is None:
            line = StandardLine(
                key=f.key,
                title=f.title,
                owner_id=_user_id(session, f.owner),
                review_by=f.review_by,
                numbered=f.numbered,
                themes=[themes[c] for c in f.themes],
            )
            session.add(line)
            added += 1
        held = {v.number: v for v in line.versions}
        if f.version in held:
            unchanged += 1
            continue
        approver = _user_id(session, f.approved_by)
        version = LineVersion(
            number=f.version,
            body=f.body,
            status=f.status,
            author_id=_user_id(session, f.owner),
            created_at=_at(f.approved_on) or dt.datetime.now(dt.UTC).replace(tzinfo=None),
            submitted_at=_at(f.approved_on),
            approved_by_id=approver if f.status in ("approved", "retired") else None,
            approved_at=_at(f.approved_on) if f.status in ("approved", "retired") else None,
        )
        line.versions.append(version)
        if line.id is not None:
            new_versions += 1
        session.flush()
        events.record(
            session,
            actor,
            "line",
            line.id,
            "imported",
            field="version",
            new=f.version,
            reason=f"from {f.key}.txt",
        )
    return ImportResult(added, new_versions, unchanged)


def approved_version(session: Session, key: str) -> LineVersion:
    """The newest approved version of the line `key`."""
    version = session.scalar(
        select(LineVersion)
        .join(StandardLine)
        .where(StandardLine.key == key, LineVersion.status == "approved")
        .order_by(LineVersion.number.desc())
        .limit(1)
    )
    if version is None:
        raise ValidationError("Standard line", f"no approved version of {key!r}")
    return version
