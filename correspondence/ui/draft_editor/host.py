"""What the draft editor's panes may ask of the editor window that holds them."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QUndoStack

from correspondence.services.actors import Actor
from correspondence.services.drafting.draft_view import DraftView
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.drafting.line_offers import LineOffer
from correspondence.ui.draft_editor.prompts import Prompts
from correspondence.ui.widgets.paragraph_list import ParagraphListModel


class EditorHost(Protocol):
    """The editor window as its panes see it: the draft, its paragraphs and who is editing."""

    drafting: Drafting
    draft_id: int
    prompts: Prompts
    actor: Actor
    view: DraftView
    model: ParagraphListModel
    undo_stack: QUndoStack

    @property
    def can_edit(self) -> bool: ...

    def refuse_if_locked(self) -> bool:
        """True (with the reason shown) when this person may not change the draft now."""
        ...

    def offer(self, version_id: int) -> LineOffer | None:
        """The approved line offered under this version id, if it still is."""
        ...

    def save_now(self) -> bool: ...

    def reload(self) -> None: ...

    def stepped(self, view: DraftView) -> None:
        """The draft moved on (submitted, approved, signed…): show it and tell the list."""
        ...

    def say(self, text: str, ms: int = 0) -> None:
        """A message in the editor's status bar."""
        ...
