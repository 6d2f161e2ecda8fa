"""The intake facade: logging letters by hand and importing files, each call one use case
bound to a database and a user.

The work lives beside it: `log_letter` (the form and its checks), `file_import` (the run),
`file_reading`, `import_folder`, `import_duplicates`, `import_store` and `import_results`;
what a file says as a letter is read in `correspondence.documents.letter_reading`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select

from correspondence.db.models import ReplyType, Signatory, Theme
from correspondence.services.intake.file_import import import_files
from correspondence.services.intake.file_reading import Progress, ShouldCancel
from correspondence.services.intake.import_results import ImportResult
from correspondence.services.intake.log_letter import (
    Choice,
    LetterForm,
    LoggedCase,
    ThemeHint,
    log_letter,
    theme_hints,
)
from correspondence.services.people import correspondents
from correspondence.services.people.correspondents import CorrespondentChoice
from correspondence.services.unit_of_work import UnitOfWorkFactory


class Intake:
    """Intake use cases bound to a database and a user; one transaction per call (or file)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
        *,
        max_file_bytes: int | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.max_file_bytes = max_file_bytes

    def import_paths(
        self,
        paths: Sequence[str | Path],
        *,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> ImportResult:
        return import_files(
            self.uow,
            paths,
            today=self.clock(),
            max_file_bytes=self.max_file_bytes,
            progress=progress,
            should_cancel=should_cancel,
        )

    def log_letter(self, form: LetterForm) -> LoggedCase:
        with self.uow.begin() as uow:
            s, actor = uow.session, uow.actor
            return log_letter(s, actor, form, self.clock())

    def search_correspondents(self, text: str, limit: int = 20) -> list[CorrespondentChoice]:
        with self.uow.read() as uow:
            s = uow.session
            return correspondents.search(s, text, limit)

    def correspondent(self, correspondent_id: int) -> CorrespondentChoice:
        with self.uow.read() as uow:
            s = uow.session
            return correspondents.get(s, correspondent_id)

    def suggest_themes(self, text: str, limit: int = 5) -> list[ThemeHint]:
        with self.uow.read() as uow:
            s = uow.session
            return theme_hints(s, text, limit)

    def signatory_choices(self) -> list[Choice]:
        with self.uow.read() as uow:
            s = uow.session
            return [
                Choice(i, f"{name}, {title}")
                for i, name, title in s.execute(
                    select(Signatory.id, Signatory.name, Signatory.title)
                    .where(Signatory.active.is_(True))
                    .order_by(Signatory.id)
                )
            ]

    def reply_type_choices(self) -> list[Choice]:
        with self.uow.read() as uow:
            s = uow.session
            return [
                Choice(code, name)
                for code, name in s.execute(
                    select(ReplyType.code, ReplyType.name).order_by(
                        ReplyType.needs_reply.desc(), ReplyType.code
                    )
                )
            ]

    def theme_choices(self) -> list[Choice]:
        with self.uow.read() as uow:
            s = uow.session
            return [
                Choice(code, name)
                for code, name in s.execute(
                    select(Theme.code, Theme.name)
                    .where(Theme.active.is_(True))
                    .order_by(Theme.code)
                )
            ]
