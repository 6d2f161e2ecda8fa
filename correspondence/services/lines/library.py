"""The standard-line library as the window and the CLI use it: one transaction per call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from correspondence.db.models import Case, Correspondent, Theme, User, user_roles
from correspondence.documents.context import LineContext, sample_context
from correspondence.documents.line_files import LineFile, write_library
from correspondence.documents.rendering import TemplateProblem, render_line, validate_line
from correspondence.documents.word_diff import Segment
from correspondence.services.actors import Actor, Role
from correspondence.services.errors import ConflictError, NotFound, ValidationError
from correspondence.services.lines import (
    library_files,
    line_approval,
    line_drift,
    line_editing,
    line_roles,
    line_views,
)
from correspondence.services.lines.library_files import ImportResult
from correspondence.services.lines.line_context import context_for_case
from correspondence.services.lines.line_drift import DriftItem
from correspondence.services.lines.line_editing import NewLine
from correspondence.services.lines.line_usage import LineUsage, line_usage
from correspondence.services.lines.line_views import LineDetail, LineFilter, LineSummary
from correspondence.services.unit_of_work import UnitOfWorkFactory

__all__ = ["Library", "Preview", "CaseChoice", "ThemeChoice"]


@dataclass(frozen=True)
class Preview:
    """A line rendered for the editor: the text, or every problem found."""

    text: str | None
    problems: tuple[TemplateProblem, ...]

    @property
    def ok(self) -> bool:
        return self.text is not None and not self.problems


@dataclass(frozen=True)
class CaseChoice:
    id: int
    reference: str
    label: str  # "2009/0007948POSoS — Rt Hon Tessa Jowell MP"


@dataclass(frozen=True)
class ThemeChoice:
    code: str
    name: str


class Library:
    """Standard lines bound to a database and to the person using them."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    @contextmanager
    def _writing(self) -> Iterator[tuple[Session, Actor]]:
        """A transaction with the actor; a stale row becomes a message, not a traceback."""
        try:
            with self.uow.begin() as uow:
                s = uow.session
                yield s, uow.actor
        except StaleDataError:
            raise ConflictError(
                "Someone else changed this line or draft at the same time; reload and try again."
            ) from None

    # --- who -------------------------------------------------------------------------
    def actor(self) -> Actor:
        with self.uow.read() as uow:
            return uow.actor

    def can_draft(self) -> bool:
        return line_roles.can_draft(self.actor())

    def can_approve(self) -> bool:
        return line_roles.can_approve(self.actor())

    # --- reading ---------------------------------------------------------------------
    def lines(self, flt: LineFilter | None = None) -> list[LineSummary]:
        with self.uow.read() as uow:
            s = uow.session
            return line_views.list_lines(s, flt or LineFilter(), self.clock())

    def detail(self, line: int | str) -> LineDetail:
        with self.uow.read() as uow:
            s = uow.session
            return line_views.line_detail(s, line, self.clock())

    def overdue(self) -> list[LineSummary]:
        with self.uow.read() as uow:
            s = uow.session
            return line_views.overdue_reviews(s, self.clock())

    def diff(self, old_version_id: int, new_version_id: int) -> list[Segment]:
        with self.uow.read() as uow:
            s = uow.session
            return line_views.version_diff(s, old_version_id, new_version_id)

    def drift(self, draft_id: int | None = None, line_id: int | None = None) -> list[DriftItem]:
        with self.uow.read() as uow:
            s = uow.session
            return line_drift.drifted_paragraphs(s, draft_id=draft_id, line_id=line_id)

    def usage(self, line: int | str) -> LineUsage:
        """Every draft and sent letter that used each version of the line."""
        with self.uow.read() as uow:
            return line_usage(uow.session, line)

    def themes(self) -> list[ThemeChoice]:
        with self.uow.read() as uow:
            s = uow.session
            return [
                ThemeChoice(code, name)
                for code, name in s.execute(
                    select(Theme.code, Theme.name)
                    .where(Theme.active.is_(True))
                    .order_by(Theme.code)
                )
            ]

    def policy_leads(self) -> list[tuple[str, str]]:
        """(username, display name) of everyone who may own a line."""
        with self.uow.read() as uow:
            s = uow.session
            rows = s.execute(
                select(User.username, User.display_name)
                .join(user_roles, user_roles.c.user_id == User.id)
                .where(user_roles.c.role == Role.POLICY_LEAD.value, User.active.is_(True))
                .order_by(User.display_name)
            )
            return [(u, n) for u, n in rows]

    # --- the workflow ---------------------------------------------------------------
    def propose(self, data: NewLine) -> LineDetail:
        with self._writing() as (s, actor):
            line_id = line_editing.propose_line(s, actor, data).id
        return self.detail(line_id)

    def new_version(self, line_id: int, body: str) -> LineDetail:
        with self._writing() as (s, actor):
            line_editing.new_version(s, actor, line_id, body)
        return self.detail(line_id)

    def save_draft(self, version_id: int, body: str) -> LineDetail:
        with self._writing() as (s, actor):
            line_id = line_editing.edit_draft(s, actor, version_id, body).line_id
        return self.detail(line_id)

    def update_line(
        self,
        line_id: int,
        *,
        title: str | None = None,
        themes: list[str] | None = None,
        numbered: bool | None = None,
        expected_version: int | None = None,
    ) -> LineDetail:
        with self._writing() as (s, actor):
            line_editing.update_line(
                s,
                actor,
                line_id,
                title=title,
                themes=themes,
                numbered=numbered,
                expected_version=expected_version,
            )
        return self.detail(line_id)

    def submit(self, version_id: int) -> LineDetail:
        with self._writing() as (s, actor):
            line_id = line_approval.submit(s, actor, version_id).line_id
        return self.detail(line_id)

    def approve(self, version_id: int) -> LineDetail:
        with self._writing() as (s, actor):
            line_id = line_approval.approve(s, actor, version_id).line_id
        return self.detail(line_id)

    def reject(self, version_id: int, reason: str) -> LineDetail:
        with self._writing() as (s, actor):
            line_id = line_approval.reject(s, actor, version_id, reason).line_id
        return self.detail(line_id)

    def retire(self, version_id: int, reason: str) -> LineDetail:
        with self._writing() as (s, actor):
            line_id = line_approval.retire(s, actor, version_id, reason).line_id
        return self.detail(line_id)

    def set_review_by(self, line_id: int, review_by: dt.date | None) -> LineDetail:
        with self._writing() as (s, actor):
            line_editing.set_review_by(s, actor, line_id, review_by)
        return self.detail(line_id)

    def change_owner(self, line_id: int, username: str) -> LineDetail:
        with self._writing() as (s, actor):
            line_editing.change_owner(s, actor, line_id, username)
        return self.detail(line_id)

    def update_paragraph_to_latest(self, draft_id: int, paragraph_id: int) -> None:
        with self._writing() as (s, actor):
            line_drift.update_paragraph_to_latest(s, actor, draft_id, paragraph_id)

    # --- rendering -----------------------------------------------------------------
    def context(self, case_id: int | None) -> LineContext:
        """The context of a real case, or the invented sample letter when none is chosen."""
        if case_id is None:
            return sample_context()
        with self.uow.read() as uow:
            s = uow.session
            return context_for_case(s, case_id, letter_date=self.clock())

    def preview(self, body: str, context: LineContext) -> Preview:
        """Static problems first (they hold for every case), then a render against `context`."""
        problems = validate_line(body)
        if problems:
            return Preview(None, tuple(problems))
        try:
            return Preview(render_line(body, context.as_mapping(today=self.clock())), ())
        except TemplateProblem as problem:
            return Preview(None, (problem,))

    def find_case(self, reference: str) -> CaseChoice:
        with self.uow.read() as uow:
            s = uow.session
            row = s.execute(
                select(Case.id, Case.reference, Correspondent.display_name)
                .outerjoin(Correspondent, Case.correspondent_id == Correspondent.id)
                .where(Case.reference == reference.strip())
            ).first()
        if row is None:
            raise NotFound(f"No case with reference {reference.strip()!r}")
        return CaseChoice(row[0], row[1], f"{row[1]} — {row[2] or 'no correspondent'}")

    def search_cases(self, text: str, limit: int = 15) -> list[CaseChoice]:
        """Cases whose reference starts with, or correspondent's name contains, `text`."""
        text = text.strip()
        if len(text) < 2:
            return []
        like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self.uow.read() as uow:
            s = uow.session
            rows = s.execute(
                select(Case.id, Case.reference, Correspondent.display_name)
                .outerjoin(Correspondent, Case.correspondent_id == Correspondent.id)
                .where(
                    or_(
                        Case.reference.like(f"{like}%", escape="\\"),
                        Correspondent.display_name.ilike(f"%{like}%", escape="\\"),
                    )
                )
                .order_by(Case.received_on.desc(), Case.id.desc())
                .limit(limit)
            ).all()
        return [
            CaseChoice(i, ref, f"{ref} — {name or 'no correspondent'}") for i, ref, name in rows
        ]

    # --- files -----------------------------------------------------------------------
    def check_dir(self, directory: Path) -> tuple[list[LineFile], list[str]]:
        with self.uow.read() as uow:
            s = uow.session
            codes = list(s.scalars(select(Theme.code)))
        return library_files.check_files(directory, codes)

    def import_dir(self, directory: Path) -> ImportResult:
        """Import every line file, or nothing: every bad file is named first."""
        files, problems = self.check_dir(directory)
        if problems:
            raise ValidationError(
                str(directory),
                f"{len(problems)} problem(s), nothing imported:\n  " + "\n  ".join(problems),
            )
        with self._writing() as (s, actor):
            return library_files.import_library(s, actor, files)

    def export_dir(self, directory: Path) -> list[Path]:
        with self.uow.read() as uow:
            s = uow.session
            files = library_files.export_library(s)
        return write_library(files, directory)
