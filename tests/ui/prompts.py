"""The draft editor's questions answered from a script, and an editor opened as a person."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pytestqt.qtbot import QtBot

from correspondence.database import Database
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.draft_editor.loading import read_draft
from correspondence.ui.draft_editor.prompts import Prompts
from correspondence.ui.draft_editor.window import DraftEditor


class ScriptedPrompts(Prompts):
    """Answers the editor's questions from a script and remembers every warning."""

    def __init__(self, **answers: object) -> None:
        self.answers = answers
        self.warnings: list[str] = []

    def warn(self, parent, title, text) -> None:  # noqa: ANN001
        self.warnings.append(text)

    def confirm(self, parent, title, text) -> bool:  # noqa: ANN001
        return bool(self.answers.get("confirm", True))

    def ask_text(self, parent, title, label) -> str | None:  # noqa: ANN001
        return self.answers.get("text")  # type: ignore[return-value]

    def ask_choice(self, parent, title, label, items) -> str | None:  # noqa: ANN001
        return self.answers.get("choice")  # type: ignore[return-value]

    def save_path(self, parent, title, suggested) -> Path | None:  # noqa: ANN001
        self.answers["suggested"] = suggested
        return self.answers.get("path")  # type: ignore[return-value]


def open_editor(
    qtbot: QtBot, db: Database, user: str, draft_id: int, *, today: dt.date, **kw: object
) -> DraftEditor:
    """The draft editor as `user` would open it on `today`, shown and exposed."""
    drafting = Drafting(acting_as(db.session_factory, user), clock=lambda: today)
    editor = DraftEditor(drafting, read_draft(drafting, draft_id), **kw)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    return editor
