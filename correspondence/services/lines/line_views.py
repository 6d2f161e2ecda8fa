"""Reading the library: lines and their versions as plain views, and the wording replies use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from correspondence.db.models import Event, LineVersion, StandardLine, Theme
from correspondence.documents.word_diff import Segment, word_diff
from correspondence.domain.kinds import LineStatus
from correspondence.services.errors import NotFound, ValidationError
from correspondence.services.lines.line_records import load_line, load_version, usernames

STATUSES = tuple(LineStatus)
OPEN_VERSION_STATUSES = frozenset({LineStatus.DRAFT, LineStatus.SUBMITTED})


@dataclass(frozen=True)
class LineSummary:
    id: int
    key: str
    title: str
    themes: tuple[str, ...]
    owner: str  # username, "" if none
    owner_name: str
    review_by: dt.date | None
    numbered: bool
    status: str  # the newest version's status
    latest_number: int
    approved_number: int | None  # the version replies may use
    review_overdue: bool

    @property
    def status_label(self) -> str:
        """'approved v2', or 'approved v2 · draft v3' while a change is in progress."""
        if self.approved_number is None:
            return f"{self.status} v{self.latest_number}"
        text = f"approved v{self.approved_number}"
        if self.latest_number != self.approved_number:
            text += f" · {self.status} v{self.latest_number}"
        return text


@dataclass(frozen=True)
class VersionView:
    id: int
    number: int
    status: str
    body: str
    author: str
    author_name: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    approved_by: str
    approved_by_name: str
    approved_at: dt.datetime | None
    rejected_reason: str
    retired_at: dt.datetime | None
    retired_reason: str


@dataclass(frozen=True)
class LineDetail:
    id: int
    row_version: int
    key: str
    title: str
    themes: tuple[str, ...]
    owner: str
    owner_name: str
    review_by: dt.date | None
    numbered: bool
    review_overdue: bool
    versions: tuple[VersionView, ...]  # oldest first

    def version(self, number: int) -> VersionView:
        for v in self.versions:
            if v.number == number:
                return v
        raise NotFound(f"Line {self.key!r} has no version {number}")

    @property
    def latest(self) -> VersionView:
        return self.versions[-1]

    @property
    def approved(self) -> VersionView | None:
        found = [v for v in self.versions if v.status == LineStatus.APPROVED]
        return found[-1] if found else None

    @property
    def open_version(self) -> VersionView | None:
        """The draft or submitted version being worked on, if any."""
        found = [v for v in self.versions if v.status in OPEN_VERSION_STATUSES]
        return found[-1] if found else None


@dataclass(frozen=True)
class LineFilter:
    theme: str = ""  # a theme code
    text: str = ""  # words in the key, title or any version's body
    status: str = ""  # lines with a version in this status
    review_overdue: bool = False


def _is_overdue(line: StandardLine, today: dt.date) -> bool:
    """Past review-by, for a line replies can still use (a retired line needs no review)."""
    return (
        line.review_by is not None
        and line.review_by < today
        and any(v.status == LineStatus.APPROVED for v in line.versions)
    )


def _retire_reasons(session: Session, line_id: int) -> dict[int, str]:
    rows = session.execute(
        select(Event.new_value, Event.reason).where(
            Event.entity == "line", Event.entity_id == line_id, Event.action == "retired"
        )
    )
    return {int(number): reason for number, reason in rows if str(number).isdigit()}


def _summary(line: StandardLine, names: dict[int, tuple[str, str]], today: dt.date) -> LineSummary:
    versions = sorted(line.versions, key=lambda v: v.number)
    latest = versions[-1] if versions else None
    approved = [v.number for v in versions if v.status == LineStatus.APPROVED]
    owner = names.get(line.owner_id or -1, ("", ""))
    return LineSummary(
        id=line.id,
        key=line.key,
        title=line.title,
        themes=tuple(t.code for t in line.themes),
        owner=owner[0],
        owner_name=owner[1],
        review_by=line.review_by,
        numbered=line.numbered,
        status=latest.status if latest else "draft",
        latest_number=latest.number if latest else 0,
        approved_number=approved[-1] if approved else None,
        review_overdue=_is_overdue(line, today),
    )


def _detail(session: Session, line: StandardLine, today: dt.date) -> LineDetail:
    versions = sorted(line.versions, key=lambda v: v.number)
    names = usernames(
        session,
        [line.owner_id, *(v.author_id for v in versions), *(v.approved_by_id for v in versions)],
    )
    retired = _retire_reasons(session, line.id)
    owner = names.get(line.owner_id or -1, ("", ""))

    def who(uid: int | None) -> tuple[str, str]:
        return names.get(uid or -1, ("", ""))

    return LineDetail(
        id=line.id,
        row_version=line.version,
        key=line.key,
        title=line.title,
        themes=tuple(t.code for t in line.themes),
        owner=owner[0],
        owner_name=owner[1],
        review_by=line.review_by,
        numbered=line.numbered,
        review_overdue=_is_overdue(line, today),
        versions=tuple(
            VersionView(
                id=v.id,
                number=v.number,
                status=v.status,
                body=v.body,
                author=who(v.author_id)[0],
                author_name=who(v.author_id)[1],
                created_at=v.created_at,
                submitted_at=v.submitted_at,
                approved_by=who(v.approved_by_id)[0],
                approved_by_name=who(v.approved_by_id)[1],
                approved_at=v.approved_at,
                rejected_reason=v.rejected_reason,
                retired_at=v.retired_at,
                retired_reason=retired.get(v.number, ""),
            )
            for v in versions
        ),
    )


def list_lines(
    session: Session, flt: LineFilter | None = None, today: dt.date | None = None
) -> list[LineSummary]:
    """Lines matching the filter, by key. The library is hundreds of rows, not millions."""
    flt = flt or LineFilter()
    today = today or dt.date.today()
    stmt = (
        select(StandardLine)
        .options(selectinload(StandardLine.versions), selectinload(StandardLine.themes))
        .order_by(StandardLine.key)
    )
    if flt.theme:
        stmt = stmt.where(StandardLine.themes.any(Theme.code == flt.theme.strip().upper()))
    if flt.status:
        if flt.status not in STATUSES:
            raise ValidationError("Status", f"unknown status {flt.status!r}")
        stmt = stmt.where(StandardLine.versions.any(LineVersion.status == flt.status))
    if flt.review_overdue:
        stmt = stmt.where(StandardLine.review_by < today)
    rows = list(session.scalars(stmt))
    words = flt.text.lower().split()
    if words:

        def haystack(line: StandardLine) -> str:
            bodies = " ".join(v.body for v in line.versions)
            return f"{line.key} {line.title} {bodies}".lower()

        rows = [r for r in rows if all(w in haystack(r) for w in words)]
    if flt.review_overdue:
        rows = [r for r in rows if _is_overdue(r, today)]
    names = usernames(session, [r.owner_id for r in rows])
    return [_summary(r, names, today) for r in rows]


def line_detail(session: Session, line: int | str, today: dt.date | None = None) -> LineDetail:
    """One line (by id or key) with every version, oldest first."""
    return _detail(session, load_line(session, line), today or dt.date.today())


def overdue_reviews(session: Session, today: dt.date | None = None) -> list[LineSummary]:
    """Lines in use whose review-by date has passed: the reminders."""
    return list_lines(session, LineFilter(review_overdue=True), today)


def approved_version(session: Session, key: str) -> LineVersion:
    """The newest approved version of the line `key`: the only kind a reply may use."""
    version = session.scalar(
        select(LineVersion)
        .join(StandardLine)
        .where(StandardLine.key == key, LineVersion.status == LineStatus.APPROVED)
        .order_by(LineVersion.number.desc())
        .limit(1)
    )
    if version is None:
        raise ValidationError("Standard line", f"no approved version of {key!r}")
    return version


def version_diff(session: Session, old_version_id: int, new_version_id: int) -> list[Segment]:
    """Word-level differences between two versions (of any lines)."""
    old = load_version(session, old_version_id)
    new = load_version(session, new_version_id)
    return word_diff(old.body, new.body)
