"""The draft's paragraphs as a list: a Qt model over plain items, and a view that accepts
drops of standard lines and reorders by drag.

The model only offers primitive edits (insert, take, move, set); the draft editor wraps each
in an undo command, so every change the user makes can be undone. Drops are turned into
requests (signals) for the same reason, instead of the view editing the model itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from correspondence.documents.textclean import clean_for_word
from correspondence.services.drafting.draft_view import ParagraphInput, ParagraphView

LINE_MIME = "application/x-correspondence-line-version"
PARAGRAPH_MIME = "application/x-correspondence-paragraph-row"
DRIFT_BADGE = "⚠ newer version"
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class EditorParagraph:
    """One paragraph as the editor holds it: what is saved plus what is shown."""

    kind: str  # "line" or "free"
    text: str = ""  # free text, or the line's template body
    numbered: bool = False
    line_version_id: int | None = None
    line_key: str = ""
    line_title: str = ""
    line_version: int | None = None
    latest_version_id: int | None = None
    latest_version: int | None = None
    id: int | None = None
    # A line as it will print for the case, or why it cannot be used (never template code).
    wording: str = ""
    unavailable: str = ""

    @property
    def drifted(self) -> bool:
        return (
            self.kind == "line"
            and self.latest_version_id is not None
            and self.latest_version_id != self.line_version_id
        )

    @classmethod
    def from_view(cls, p: ParagraphView) -> EditorParagraph:
        return cls(
            kind=p.kind,
            text=p.text,
            numbered=p.numbered,
            line_version_id=p.line_version_id,
            line_key=p.line_key,
            line_title=p.line_title,
            line_version=p.line_version,
            latest_version_id=p.latest_version_id,
            latest_version=p.latest_version,
            id=p.id,
            wording=p.wording,
            unavailable=p.unavailable,
        )

    def as_input(self) -> ParagraphInput:
        return ParagraphInput(self.kind, self.text, self.line_version_id, self.numbered, self.id)


def _snippet(text: str, width: int = 110) -> str:
    # Cleaned as the letter will be, so pasted control characters do not show as boxes.
    flat = " ".join(clean_for_word(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class ParagraphListModel(QAbstractListModel):
    """The paragraphs; ``changed`` fires after every edit (autosave and preview listen)."""

    changed = Signal()
    numberedToggled = Signal(int, bool)  # row, wanted: the editor makes it an undo command

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.items: list[EditorParagraph] = []
        self.editable = True

    # --- reading ------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.items)

    def label(self, row: int) -> str:
        item = self.items[row]
        number = self.number_of(row)
        prefix = f"{number}. " if number is not None else ""
        if item.kind == "line":
            # The line's title as a caption, then its words as they will print.
            badge = f"  [{DRIFT_BADGE}]" if item.drifted else ""
            words = item.wording or f"⚠ Cannot be used here: {item.unavailable}"
            return f"{prefix}{item.line_title}{badge}\n    {_snippet(words)}"
        return f"{prefix}Own words\n    {_snippet(item.text) or '(empty)'}"

    def number_of(self, row: int) -> int | None:
        if not self.items[row].numbered:
            return None
        return sum(1 for item in self.items[: row + 1] if item.numbered)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.label(index.row())
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if item.numbered else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = "Tick to number this paragraph."
            if item.drifted:
                tip += (
                    f" “{item.line_title}” has a newer approved wording (version"
                    f" {item.latest_version}); this draft still uses version {item.line_version}."
                    " Use Update to latest."
                )
            if item.unavailable:
                tip += f" This line cannot be used for this letter: it {item.unavailable}."
            return tip
        if role == Qt.ItemDataRole.ForegroundRole and (item.drifted or item.unavailable):
            return QBrush(QColor("#9a5b00"))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.label(index.row()).replace("\n", " ")
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not index.isValid():
            return base | Qt.ItemFlag.ItemIsDropEnabled if self.editable else base
        if self.editable:
            base |= Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled
        return base

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid() or not self.editable:
            return False
        wanted = Qt.CheckState(value) == Qt.CheckState.Checked
        if wanted != self.items[index.row()].numbered:
            self.numberedToggled.emit(index.row(), wanted)
        return True

    # --- drag and drop ------------------------------------------------------------------
    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [PARAGRAPH_MIME, LINE_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # noqa: N802
        mime = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        if rows:
            mime.setData(PARAGRAPH_MIME, QByteArray(str(rows[0]).encode()))
        return mime

    # --- primitive edits (called by undo commands) ---------------------------------------
    def reset(self, items: list[EditorParagraph]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def insert(self, row: int, item: EditorParagraph) -> None:
        row = max(0, min(row, len(self.items)))
        self.beginInsertRows(QModelIndex(), row, row)
        self.items.insert(row, item)
        self.endInsertRows()
        self._renumbered()

    def take(self, row: int) -> EditorParagraph:
        self.beginRemoveRows(QModelIndex(), row, row)
        item = self.items.pop(row)
        self.endRemoveRows()
        self._renumbered()
        return item

    def move(self, source: int, target: int) -> None:
        """Move the paragraph at ``source`` so that it ends up at index ``target``."""
        if source == target:
            return
        # Qt's destination is "before this row" in the list as it was.
        destination = target + 1 if target > source else target
        self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), destination)
        self.items.insert(target, self.items.pop(source))
        self.endMoveRows()
        self._renumbered()

    def set_item(self, row: int, item: EditorParagraph) -> None:
        self.items[row] = item
        self._renumbered()

    def set_numbered(self, row: int, numbered: bool) -> None:
        self.set_item(row, replace(self.items[row], numbered=numbered))

    def _renumbered(self) -> None:
        # Numbers of later rows change too, so repaint every row.
        if self.items:
            self.dataChanged.emit(self.index(0), self.index(len(self.items) - 1))
        self.changed.emit()


class ParagraphListView(QListView):
    """Reorders by drag; accepts standard lines dragged from the lines panel."""

    lineDropped = Signal(int, int)  # line version id, target row
    moveRequested = Signal(int, int)  # source row, target row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paragraphList")
        self.setAccessibleName("Paragraphs of the reply")
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.setSpacing(2)

    def _accepts(self, mime: QMimeData) -> bool:
        model = self.model()
        editable = isinstance(model, ParagraphListModel) and model.editable
        return editable and (mime.hasFormat(LINE_MIME) or mime.hasFormat(PARAGRAPH_MIME))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        if self._accepts(event.mimeData()):
            super().dragMoveEvent(event)
            event.acceptProposedAction()
        else:
            event.ignore()

    def drop_row(self, y: int) -> int:
        """The row a drop at height ``y`` lands in front of (the end when below every row)."""
        count = self.model().rowCount()
        index = self.indexAt(QPoint(5, y))
        if not index.isValid():
            return count
        rect = self.visualRect(index)
        return index.row() + (1 if y > rect.center().y() else 0)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        mime = event.mimeData()
        if not self._accepts(mime):
            event.ignore()
            return
        row = self.drop_row(int(event.position().y()))
        if mime.hasFormat(LINE_MIME):
            self.lineDropped.emit(int(bytes(mime.data(LINE_MIME).data()).decode()), row)
        else:
            source = int(bytes(mime.data(PARAGRAPH_MIME).data()).decode())
            target = row - 1 if row > source else row
            if target != source:
                self.moveRequested.emit(source, target)
        # Copy, not move: the view must not delete the source row itself (the editor did it).
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
