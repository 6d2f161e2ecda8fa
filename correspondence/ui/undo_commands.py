"""Undoable edits of a draft's paragraphs (QUndoStack commands over ParagraphListModel)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtGui import QUndoCommand

from correspondence.ui.widgets.paragraph_list import EditorParagraph, ParagraphListModel

_EDIT_TEXT_ID = 6001  # commands with the same id may merge (typing in one paragraph)


class InsertParagraph(QUndoCommand):
    def __init__(self, model: ParagraphListModel, row: int, item: EditorParagraph) -> None:
        label = item.line_title if item.kind == "line" else "own words"
        super().__init__(f"add {label}")
        self.model, self.row, self.item = model, max(0, min(row, len(model.items))), item

    def redo(self) -> None:
        self.model.insert(self.row, self.item)

    def undo(self) -> None:
        self.item = self.model.take(self.row)


class RemoveParagraph(QUndoCommand):
    def __init__(self, model: ParagraphListModel, row: int) -> None:
        super().__init__("remove paragraph")
        self.model, self.row = model, row
        self.item: EditorParagraph | None = None

    def redo(self) -> None:
        self.item = self.model.take(self.row)

    def undo(self) -> None:
        assert self.item is not None
        self.model.insert(self.row, self.item)


class MoveParagraph(QUndoCommand):
    def __init__(self, model: ParagraphListModel, source: int, target: int) -> None:
        super().__init__("move paragraph")
        self.model, self.source, self.target = model, source, target

    def redo(self) -> None:
        self.model.move(self.source, self.target)

    def undo(self) -> None:
        self.model.move(self.target, self.source)


class SetNumbered(QUndoCommand):
    def __init__(self, model: ParagraphListModel, row: int, numbered: bool) -> None:
        super().__init__("number paragraph" if numbered else "unnumber paragraph")
        self.model, self.row, self.numbered = model, row, numbered

    def redo(self) -> None:
        self.model.set_numbered(self.row, self.numbered)

    def undo(self) -> None:
        self.model.set_numbered(self.row, not self.numbered)


class ReplaceParagraph(QUndoCommand):
    """Swap a paragraph for another version of itself (e.g. a line updated to its latest)."""

    def __init__(
        self, model: ParagraphListModel, row: int, new: EditorParagraph, text: str
    ) -> None:
        super().__init__(text)
        self.model, self.row, self.new = model, row, new
        self.old = model.items[row]

    def redo(self) -> None:
        self.model.set_item(self.row, self.new)

    def undo(self) -> None:
        self.model.set_item(self.row, self.old)


class EditText(QUndoCommand):
    """Typing in a free-text paragraph; consecutive edits of one paragraph merge into one."""

    def __init__(self, model: ParagraphListModel, row: int, old: str, new: str) -> None:
        super().__init__("type")
        self.model, self.row, self.old, self.new = model, row, old, new

    def id(self) -> int:
        return _EDIT_TEXT_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if not isinstance(other, EditText) or other.row != self.row:
            return False
        self.new = other.new
        return True

    def _set(self, text: str) -> None:
        self.model.set_item(self.row, replace(self.model.items[self.row], text=text))

    def redo(self) -> None:
        self._set(self.new)

    def undo(self) -> None:
        self._set(self.old)
