"""The library on disk: checking a folder of line files, importing them, exporting the library."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from correspondence.db.models import LineVersion, StandardLine, Theme, User, now_utc
from correspondence.documents.line_files import SUFFIX, LineFile, LineFileError, parse_line_file
from correspondence.documents.rendering import validate_line
from correspondence.domain.kinds import LineStatus
from correspondence.services import events
from correspondence.services.actors import Actor
from correspondence.services.errors import ValidationError
from correspondence.services.lines.line_records import usernames
from correspondence.services.lines.line_roles import can_approve, require_drafting


@dataclass(frozen=True)
class ImportResult:
    added: int
    new_versions: int
    unchanged: int


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


def _at(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(9, 0)) if day else None


def _claim(f: LineFile) -> str:
    """What a file says about its approval, in words, for the record."""
    if not f.approved_by:
        return ""
    on = f" on {f.approved_on:%d %b %Y}" if f.approved_on else ""
    return f"the file says {f.status} by {f.approved_by}{on}"


def _imported_status(f: LineFile, approves: bool) -> str:
    """A file's status, as far as the importer may vouch for it: only a policy lead (or an
    admin) approves; anyone else's approved wording waits for one."""
    if f.status == LineStatus.APPROVED and not approves:
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
    require_drafting(actor, "import standard lines")
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
                if older.status == LineStatus.APPROVED and older.number < f.version:
                    older.status = LineStatus.RETIRED
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
        if status == "submitted" and f.status == LineStatus.APPROVED:
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
    names = usernames(session, user_ids)
    out: list[LineFile] = []
    for line in lines:
        if not line.versions:
            continue
        versions = sorted(line.versions, key=lambda v: v.number)
        approved = [v for v in versions if v.status == LineStatus.APPROVED]
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
