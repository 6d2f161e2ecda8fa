"""Standard lines: the approved-wording library, its approval workflow and its versions.

A line has numbered versions: draft → submitted → approved → retired, or rejected with
a reason. Approved versions are never edited; a change is a new version. Approving a
new version retires the one it replaces (its approver and date stay on it), so a line
has at most one approved version, the one replies may use. Anyone with drafting
rights (drafter, policy lead) may propose and submit; only a policy lead may approve,
reject or retire, and these functions refuse anyone else whatever the UI shows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from correspondence.db.models import (
    Case,
    Draft,
    DraftParagraph,
    Event,
    LineVersion,
    StandardLine,
    Theme,
    User,
    now_utc,
)
from correspondence.documents.line_files import (
    KEY_PATTERN,
    SUFFIX,
    LineFile,
    LineFileError,
    parse_line_file,
)
from correspondence.documents.rendering import TemplateProblem, runaway_problems, validate_line
from correspondence.documents.word_diff import Segment, word_diff
from correspondence.domain.states import DraftStatus
from correspondence.services import events
from correspondence.services.actors import Actor, Role, roles_of
from correspondence.services.errors import ConflictError, NotFound, ValidationError

DRAFTING_ROLES = (Role.DRAFTER, Role.POLICY_LEAD)
APPROVING_ROLES = (Role.POLICY_LEAD,)
STATUSES = ("draft", "submitted", "approved", "rejected", "retired")
OPEN_VERSION_STATUSES = frozenset({"draft", "submitted"})
CLOSED_DRAFT_STATUSES = frozenset({DraftStatus.SIGNED_OFF.value, DraftStatus.SUPERSEDED.value})
MAX_TITLE = 300
MAX_KEY = 100


# --- plain results -----------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    added: int
    new_versions: int
    unchanged: int


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
        found = [v for v in self.versions if v.status == "approved"]
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


@dataclass
class NewLine:
    key: str
    title: str
    themes: Sequence[str]
    body: str
    numbered: bool = False
    review_by: dt.date | None = None


@dataclass(frozen=True)
class DriftItem:
    """A paragraph of an open draft built from a line that has since been revised."""

    draft_id: int
    draft_status: str
    case_id: int | None
    case_reference: str
    drafter: str
    paragraph_id: int
    position: int
    line_id: int
    line_key: str
    line_title: str
    old_version_id: int
    old_number: int
    new_version_id: int
    new_number: int
    diff: tuple[Segment, ...] = field(repr=False)


# --- helpers -------------------------------------------------------------------------


def _require_drafting(actor: Actor, action: str) -> None:
    actor.require(action, *DRAFTING_ROLES)


def _require_policy_lead(actor: Actor, action: str) -> None:
    actor.require(action, *APPROVING_ROLES)


def can_draft(actor: Actor) -> bool:
    return actor.has(*DRAFTING_ROLES)


def can_approve(actor: Actor) -> bool:
    return actor.has(*APPROVING_ROLES)


def _user_id(session: Session, username: str | None, *, create: bool = False) -> int | None:
    """The user's id; `create` keeps an unknown owner's name rather than lose it.

    Such a row is made inactive, with no roles: a name in a file must never become an
    account someone can act as (on PostgreSQL a login equal to a username maps to it).
    """
    if not username:
        return None
    found = session.scalar(select(User.id).where(User.username == username))
    if found is None and create:
        user = User(username=username, display_name=username, active=False)
        session.add(user)
        session.flush()
        return user.id
    return found


def _usernames(session: Session, ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(User.id, User.username, User.display_name).where(User.id.in_(wanted))
    )
    return {i: (u, n) for i, u, n in rows}


def _at(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(9, 0)) if day else None


def _themes(session: Session, codes: Iterable[str], where: str = "Themes") -> list[Theme]:
    wanted = [c.strip().upper() for c in codes if c.strip()]
    if not wanted:
        raise ValidationError(where, "give at least one theme")
    found = {t.code: t for t in session.scalars(select(Theme).where(Theme.code.in_(wanted)))}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise ValidationError(where, f"unknown theme code(s): {', '.join(missing)}")
    return [found[c] for c in dict.fromkeys(wanted)]


def _load_line(session: Session, line: int | str) -> StandardLine:
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


def _load_version(session: Session, version_id: int) -> LineVersion:
    version = session.get(LineVersion, version_id)
    if version is None:
        raise NotFound(f"No line version #{version_id}")
    return version


def _problems_text(problems: Sequence[TemplateProblem]) -> str:
    return "; ".join(p.message for p in problems)


def _check_body(body: str, where: str) -> None:
    if not body.strip():
        raise ValidationError(where, "the line has no text")
    problems = validate_line(body)
    if problems:
        raise ValidationError(where, f"the line has problems: {_problems_text(problems)}")


def _refuse_runaway(body: str) -> None:
    # Even a draft: a line that runs away would freeze whoever opens or previews it.
    for problem in runaway_problems(body):
        raise ValidationError("Text", f"the line cannot be filled in: {problem.message}")


def _check_key(session: Session, key: str) -> str:
    key = key.strip()
    if not key:
        raise ValidationError("Key", "give the line a key, e.g. smacking-no-ban")
    if len(key) > MAX_KEY or not KEY_PATTERN.fullmatch(key):
        raise ValidationError(
            "Key", f"{key!r}: use lowercase letters, digits and single hyphens (e.g. scr-panels)"
        )
    if session.scalar(select(StandardLine.id).where(StandardLine.key == key)) is not None:
        raise ValidationError("Key", f"a line with the key {key!r} already exists")
    return key


def _check_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise ValidationError("Title", "give the line a title")
    if len(title) > MAX_TITLE:
        raise ValidationError("Title", f"keep it under {MAX_TITLE} characters")
    return title


def _is_overdue(line: StandardLine, today: dt.date) -> bool:
    """Past review-by, for a line replies can still use (a retired line needs no review)."""
    return (
        line.review_by is not None
        and line.review_by < today
        and any(v.status == "approved" for v in line.versions)
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
    approved = [v.number for v in versions if v.status == "approved"]
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
    names = _usernames(
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


# --- reading ---------------------------------------------------------------------------


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
    names = _usernames(session, [r.owner_id for r in rows])
    return [_summary(r, names, today) for r in rows]


def line_detail(session: Session, line: int | str, today: dt.date | None = None) -> LineDetail:
    """One line (by id or key) with every version, oldest first."""
    return _detail(session, _load_line(session, line), today or dt.date.today())


def overdue_reviews(session: Session, today: dt.date | None = None) -> list[LineSummary]:
    """Lines in use whose review-by date has passed: the reminders."""
    return list_lines(session, LineFilter(review_overdue=True), today)


def approved_version(session: Session, key: str) -> LineVersion:
    """The newest approved version of the line `key`: the only kind a reply may use."""
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


def version_diff(session: Session, old_version_id: int, new_version_id: int) -> list[Segment]:
    """Word-level differences between two versions (of any lines)."""
    old = _load_version(session, old_version_id)
    new = _load_version(session, new_version_id)
    return word_diff(old.body, new.body)


# --- the workflow --------------------------------------------------------------------


def propose_line(session: Session, actor: Actor, data: NewLine) -> StandardLine:
    """A new line with a draft version 1, owned by whoever proposed it."""
    _require_drafting(actor, "propose a standard line")
    key = _check_key(session, data.key)
    title = _check_title(data.title)
    themes = _themes(session, data.themes)
    if not data.body.strip():
        raise ValidationError("Text", "the line has no text")
    _refuse_runaway(data.body)
    line = StandardLine(
        key=key,
        title=title,
        owner_id=actor.user_id,
        review_by=data.review_by,
        numbered=data.numbered,
        themes=themes,
    )
    line.versions.append(
        LineVersion(number=1, body=data.body, status="draft", author_id=actor.user_id)
    )
    session.add(line)
    session.flush()
    events.record(session, actor, "line", line.id, "proposed", field="key", new=key)
    return line


def new_version(session: Session, actor: Actor, line_id: int, body: str) -> LineVersion:
    """Start a change: a draft version after the newest one."""
    _require_drafting(actor, "draft a new version of a standard line")
    line = _load_line(session, line_id)
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
    _refuse_runaway(body)
    number = max((v.number for v in line.versions), default=0) + 1
    version = LineVersion(number=number, body=body, status="draft", author_id=actor.user_id)
    line.versions.append(version)
    session.flush()
    events.record(session, actor, "line", line.id, "new version", field="version", new=number)
    return version


def edit_draft(session: Session, actor: Actor, version_id: int, body: str) -> LineVersion:
    """Change the text of a draft version; anything past draft is a new version instead."""
    _require_drafting(actor, "edit a draft standard line")
    version = _load_version(session, version_id)
    if version.status != "draft":
        raise ValidationError(
            "Version",
            f"version {version.number} is {version.status} and cannot be edited; "
            "start a new version instead",
        )
    if not body.strip():
        raise ValidationError("Text", "the line has no text")
    _refuse_runaway(body)
    if body == version.body:
        return version
    version.body = body
    _touch(version.line)
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
    _require_drafting(actor, "change a standard line")
    line = _load_line(session, line_id)
    _check_row_version(line, expected_version)
    if title is not None:
        new_title = _check_title(title)
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
        new_themes = _themes(session, themes)
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


def submit(session: Session, actor: Actor, version_id: int) -> LineVersion:
    """Draft → submitted, for a policy lead to approve; refused while the text has problems."""
    _require_drafting(actor, "submit a standard line")
    version = _load_version(session, version_id)
    if version.status != "draft":
        raise ValidationError(
            "Version",
            f"only a draft can be submitted; version {version.number} is {version.status}",
        )
    _check_body(version.body, f"{version.line.key} v{version.number}")
    version.status = "submitted"
    version.submitted_at = now_utc()
    _touch(version.line)
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
    allowed_from: str,
    reason: str | None = None,
    reason_prompt: str = "",
) -> LineVersion:
    """The checks every policy lead's decision on a version shares: role, the version's
    current status and, where one is asked for, a reason."""
    _require_policy_lead(actor, f"{verb} a standard line")
    version = _load_version(session, version_id)
    if version.status != allowed_from:
        which = "a submitted version" if allowed_from == "submitted" else "the approved version"
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
    _touch(version.line)
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
    version = _decide(session, actor, version_id, verb="approve", allowed_from="submitted")
    _check_body(version.body, f"{version.line.key} v{version.number}")
    now = now_utc()
    for older in version.line.versions:
        if older.status == "approved" and older.id != version.id:
            older.status = "retired"
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
    version.status = "approved"
    version.approved_by_id = actor.user_id
    version.approved_at = now
    return _decided(session, actor, version, "approved")


def reject(session: Session, actor: Actor, version_id: int, reason: str) -> LineVersion:
    version = _decide(
        session,
        actor,
        version_id,
        verb="reject",
        allowed_from="submitted",
        reason=reason,
        reason_prompt="say why the version is rejected",
    )
    version.status = "rejected"
    version.rejected_reason = reason.strip()
    return _decided(session, actor, version, "rejected", reason.strip())


def retire(session: Session, actor: Actor, version_id: int, reason: str) -> LineVersion:
    """Take an approved version out of use; with no approved version the line cannot be used."""
    version = _decide(
        session,
        actor,
        version_id,
        verb="retire",
        allowed_from="approved",
        reason=reason,
        reason_prompt="say why the line is retired",
    )
    version.status = "retired"
    version.retired_at = now_utc()
    return _decided(session, actor, version, "retired", reason.strip())


def set_review_by(
    session: Session, actor: Actor, line_id: int, review_by: dt.date | None
) -> StandardLine:
    _require_policy_lead(actor, "set a standard line's review-by date")
    line = _load_line(session, line_id)
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
    _require_policy_lead(actor, "change who owns a standard line")
    line = _load_line(session, line_id)
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


def _touch(line: StandardLine) -> None:
    """Bump the line's row version so two people changing one line notice each other."""
    line.updated_at = now_utc()


def _check_row_version(line: StandardLine, expected: int | None) -> None:
    if expected is not None and line.version != expected:
        raise ConflictError(
            f"The line {line.key!r} was changed by someone else since you opened it; "
            "reload it to see their changes."
        )


# --- drift ---------------------------------------------------------------------------


def drifted_paragraphs(
    session: Session, draft_id: int | None = None, line_id: int | None = None
) -> list[DriftItem]:
    """Paragraphs of open drafts that use an older version than the line's approved one.

    Computed, not stored: a draft is open until it is signed off or superseded.
    """
    current = (
        select(
            LineVersion.line_id.label("line_id"),
            func.max(LineVersion.number).label("number"),
        )
        .where(LineVersion.status == "approved")
        .group_by(LineVersion.line_id)
        .subquery()
    )
    stmt = (
        select(DraftParagraph, Draft, LineVersion, current.c.number)
        .join(Draft, DraftParagraph.draft_id == Draft.id)
        .join(LineVersion, DraftParagraph.line_version_id == LineVersion.id)
        .join(current, current.c.line_id == LineVersion.line_id)
        .where(Draft.status.not_in(CLOSED_DRAFT_STATUSES), current.c.number > LineVersion.number)
        .order_by(Draft.id, DraftParagraph.position)
    )
    if draft_id is not None:
        stmt = stmt.where(Draft.id == draft_id)
    if line_id is not None:
        stmt = stmt.where(LineVersion.line_id == line_id)
    rows = session.execute(stmt).all()
    if not rows:
        return []
    line_ids = {old.line_id for _, _, old, _ in rows}
    newest = {
        (v.line_id, v.number): v
        for v in session.scalars(
            select(LineVersion).where(
                LineVersion.line_id.in_(line_ids), LineVersion.status == "approved"
            )
        )
    }
    lines = {
        line.id: line
        for line in session.scalars(select(StandardLine).where(StandardLine.id.in_(line_ids)))
    }
    case_ids = {d.case_id for _, d, _, _ in rows if d.case_id is not None}
    refs = dict(session.execute(select(Case.id, Case.reference).where(Case.id.in_(case_ids))).all())
    names = _usernames(session, [d.created_by_id for _, d, _, _ in rows])
    out: list[DriftItem] = []
    for paragraph, draft, old, number in rows:
        new = newest[(old.line_id, number)]
        line = lines[old.line_id]
        out.append(
            DriftItem(
                draft_id=draft.id,
                draft_status=draft.status,
                case_id=draft.case_id,
                case_reference=refs.get(draft.case_id, "") if draft.case_id else "",
                drafter=names.get(draft.created_by_id or -1, ("", ""))[1],
                paragraph_id=paragraph.id,
                position=paragraph.position,
                line_id=line.id,
                line_key=line.key,
                line_title=line.title,
                old_version_id=old.id,
                old_number=old.number,
                new_version_id=new.id,
                new_number=new.number,
                diff=tuple(word_diff(old.body, new.body)),
            )
        )
    return out


def update_paragraph_to_latest(
    session: Session, actor: Actor, draft_id: int, paragraph_id: int
) -> DraftParagraph:
    """Put the line's approved wording into the paragraph, in one recorded action."""
    _require_drafting(actor, "update a draft")
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"No draft #{draft_id}")
    if draft.status in CLOSED_DRAFT_STATUSES:
        raise ValidationError("Draft", f"the draft is {draft.status} and cannot be changed")
    paragraph = session.get(DraftParagraph, paragraph_id)
    if paragraph is None or paragraph.draft_id != draft.id:
        raise NotFound(f"Draft #{draft_id} has no paragraph #{paragraph_id}")
    old = paragraph.line_version
    if old is None:
        raise ValidationError("Paragraph", "the paragraph is the drafter's own words, not a line")
    try:
        new = approved_version(session, old.line.key)
    except ValidationError:
        raise ValidationError(
            "Paragraph", f"the line {old.line.key!r} has no approved version to update to"
        ) from None
    if new.number <= old.number:
        return paragraph
    paragraph.line_version_id = new.id
    paragraph.line_version = new
    paragraph.text = new.body
    paragraph.numbered = old.line.numbered
    draft.updated_at = now_utc()  # bumps the draft's row version: others editing it notice
    session.flush()
    events.record(
        session,
        actor,
        "draft",
        draft.id,
        "line updated",
        case_id=draft.case_id,
        field=old.line.key,
        old=f"v{old.number}",
        new=f"v{new.number}",
    )
    return paragraph


# --- the library on disk --------------------------------------------------------------


def _claim(f: LineFile) -> str:
    """What a file says about its approval, in words, for the record."""
    if not f.approved_by:
        return ""
    on = f" on {f.approved_on:%d %b %Y}" if f.approved_on else ""
    return f"the file says {f.status} by {f.approved_by}{on}"


def _imported_status(f: LineFile, approves: bool) -> str:
    """A file's status, as far as the importer may vouch for it: only a policy lead (or an
    admin) approves; anyone else's approved wording waits for one."""
    if f.status == "approved" and not approves:
        return "submitted"
    return f.status


def import_library(session: Session, actor: Actor, files: Iterable[LineFile]) -> ImportResult:
    """Add lines and versions from files; a version already held is left as it is.

    A file's `approved_by` is a claim, not an approval. A policy lead or admin who imports
    approves the wording themself: the version is approved by *them* (dated from the file
    only when the file names them), and a claim naming someone else is kept in the
    "imported" event. Anyone else who may draft lines imports them as submitted for a
    policy lead to approve. A version number already held with different wording is
    refused rather than silently ignored: someone edited a file without raising its version.
    """
    _require_drafting(actor, "import standard lines")
    approves = can_approve(actor)
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
        is_new = line is None
        if line is None:
            line = StandardLine(key=f.key, versions=[])
            session.add(line)
            added += 1
        held = {v.number: v for v in line.versions}
        if f.version in held:
            if held[f.version].body != f.body:
                raise ValidationError(
                    f"{f.key}.txt",
                    f"version {f.version} differs from the version {f.version} already held; "
                    "give a changed line a new version number",
                )
            unchanged += 1
            continue
        # The file is the newer word on the line's title, themes and owner.
        line.title = f.title
        line.owner_id = _user_id(session, f.owner, create=True)
        line.review_by = f.review_by
        line.numbered = f.numbered
        line.themes = [themes[c] for c in f.themes]
        status = _imported_status(f, approves)
        vouched = status in ("approved", "retired") and approves
        own_claim = f.approved_by == actor.username
        approved_at = (_at(f.approved_on) if own_claim else None) or now_utc()
        version = LineVersion(
            number=f.version,
            body=f.body,
            status=status,
            author_id=line.owner_id,
            created_at=_at(f.approved_on) or now_utc(),
            submitted_at=(_at(f.approved_on) or now_utc()) if status != "draft" else None,
            approved_by_id=actor.user_id if vouched else None,
            approved_at=approved_at if vouched else None,
            retired_at=now_utc() if status == "retired" else None,
        )
        if status == "approved":
            for older in line.versions:
                if older.status == "approved" and older.number < f.version:
                    older.status = "retired"
                    older.retired_at = now_utc()
        line.versions.append(version)
        if not is_new:
            new_versions += 1
        session.flush()
        claim = "" if own_claim else _claim(f)
        events.record(
            session,
            actor,
            "line",
            line.id,
            "imported",
            field="version",
            new=f.version,
            reason=f"from {f.key}.txt" + (f"; {claim}" if claim else ""),
        )
        if status == "submitted" and f.status == "approved":
            events.record(
                session, actor, "line", line.id, "submitted", field="version", new=f.version
            )
    return ImportResult(added, new_versions, unchanged)


def check_files(directory: Path, theme_codes: Iterable[str]) -> tuple[list[LineFile], list[str]]:
    """Read every line file in `directory`; every problem found, each naming its file.

    Nothing is imported unless this list is empty, so one bad file never leaves a
    half-imported library.
    """
    if not directory.is_dir():
        return [], [f"{directory}: not a folder"]
    known = set(theme_codes)
    good: list[LineFile] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        try:
            text = path.read_text(encoding="utf-8")
            line = parse_line_file(text, source=path.name)
        except UnicodeDecodeError as exc:
            problems.append(f"{path.name}: not UTF-8 text ({exc.reason})")
            continue
        except LineFileError as exc:
            problems.append(str(exc))
            continue
        file_problems: list[str] = []
        if path.stem != line.key:
            file_problems.append(
                f"{path.name}: the file for key '{line.key}' must be named {line.key}{SUFFIX}"
            )
        if line.key in seen:
            file_problems.append(
                f"{path.name}: key '{line.key}' is also used by {seen[line.key].name}"
            )
        unknown = [c for c in line.themes if c not in known]
        if unknown:
            file_problems.append(f"{path.name}: unknown theme(s) {', '.join(unknown)}")
        for problem in validate_line(line.body):
            where = f", line {problem.line + _body_offset(text)}" if problem.line else ""
            file_problems.append(f"{path.name}{where}: {problem.message}")
        seen.setdefault(line.key, path)
        if file_problems:
            problems.extend(file_problems)
        else:
            good.append(line)
    if not good and not problems:
        problems.append(f"{directory}: no *{SUFFIX} line files")
    return good, problems


def _body_offset(text: str) -> int:
    """How many file lines come before the body, so a template line maps to a file line."""
    lines = text.replace("\r\n", "\n").split("\n")
    try:
        return lines.index("---", 1) + 1
    except ValueError:
        return 0


def export_library(session: Session) -> list[LineFile]:
    """Each line as a file: its approved version, or the newest one if none is approved."""
    lines = session.scalars(
        select(StandardLine)
        .options(selectinload(StandardLine.versions), selectinload(StandardLine.themes))
        .order_by(StandardLine.key)
    ).all()
    user_ids = [line.owner_id for line in lines]
    user_ids += [v.approved_by_id for line in lines for v in line.versions]
    names = _usernames(session, user_ids)
    out: list[LineFile] = []
    for line in lines:
        if not line.versions:
            continue
        versions = sorted(line.versions, key=lambda v: v.number)
        approved = [v for v in versions if v.status == "approved"]
        v = approved[-1] if approved else versions[-1]
        approver = names.get(v.approved_by_id or -1, ("", ""))[0] or None
        owner = names.get(line.owner_id or -1, ("", ""))[0]
        out.append(
            LineFile(
                key=line.key,
                title=line.title,
                themes=tuple(t.code for t in line.themes),
                status=v.status,
                version=v.number,
                owner=owner or approver or "unknown",
                approved_by=approver if v.approved_at else None,
                approved_on=v.approved_at.date() if v.approved_at and approver else None,
                review_by=line.review_by,
                numbered=line.numbered,
                body=v.body,
            )
        )
    return out


# Keys, for the CLI and the editor's hints: made from a title.
def suggest_key(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words)[:60].strip("-")


__all__ = [
    "DriftItem",
    "ImportResult",
    "LineDetail",
    "LineFilter",
    "LineSummary",
    "NewLine",
    "VersionView",
    "approve",
    "approved_version",
    "can_approve",
    "can_draft",
    "change_owner",
    "check_files",
    "drifted_paragraphs",
    "edit_draft",
    "export_library",
    "import_library",
    "line_detail",
    "list_lines",
    "new_version",
    "overdue_reviews",
    "propose_line",
    "reject",
    "retire",
    "set_review_by",
    "submit",
    "suggest_key",
    "update_line",
    "update_paragraph_to_latest",
    "version_diff",
]
