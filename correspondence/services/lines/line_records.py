"""Finding a line or a version, the names of the people on it, and marking a line changed."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from correspondence.db.models import LineVersion, StandardLine, User, now_utc
from correspondence.services.errors import NotFound


def usernames(session: Session, ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(User.id, User.username, User.display_name).where(User.id.in_(wanted))
    )
    return {i: (u, n) for i, u, n in rows}


def load_line(session: Session, line: int | str) -> StandardLine:
    stmt = select(StandardLine).options(
        selectinload(StandardLine.versions), selectinload(StandardLine.themes)
    )
    if isinstance(line, int):
        row = session.scalar(stmt.where(StandardLine.id == line))
    else:
        row = session.scalar(stmt.where(StandardLine.key == line.strip()))
    if row is None:
        raise NotFound(f"No standard line {line!r}")
    return row


def load_version(session: Session, version_id: int) -> LineVersion:
    version = session.get(LineVersion, version_id)
    if version is None:
        raise NotFound(f"No line version #{version_id}")
    return version


def touch(line: StandardLine) -> None:
    """Bump the line's row version so two people changing one line notice each other."""
    line.updated_at = now_utc()
