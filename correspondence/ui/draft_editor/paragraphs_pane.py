"""The reply being built: its paragraphs in order (drag, Ctrl+Up/Down, numbered boxes), the
words of the one selected, and every change to them as an undoable command."""

from __future__ import annotations

from dataclasses import replace
from html import escape

from PySide6.QtCore import QEvent
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from correspondence.ui.draft_editor.host import EditorHost
from correspondence.ui.undo_commands import (
    EditText,
    InsertParagraph,
    MoveParagraph,
    RemoveParagraph,
    ReplaceParagraph,
    SetNumbered,
)
from correspondence.ui.widgets.paragraph_list import EditorParagraph, ParagraphListView


class _ParagraphText(QPlainTextEdit):
    """Own words; leaves Ctrl+Z and Ctrl+Shift+Z to the window's undo stack."""

    _KEYS = (QKeySequence("Ctrl+Z"), QKeySequence("Ctrl+Shift+Z"))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination())
            if pressed in self._KEYS:
                event.ignore()  # not ours: the window's Undo/Redo actions fire instead
                return False
        return super().event(event)


class ParagraphsPane(QWidget):
    """The middle of the editor, above the letter's details."""

    def __init__(self, host: EditorHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.model = host.model
        self._showing = False  # words being put in the box, not typed
        self.list = ParagraphListView()
        self.list.setModel(self.model)
        self.list.lineDropped.connect(lambda vid, row: self.add_line(vid, row))
        self.list.moveRequested.connect(self.move_row)
        self.list.selectionModel().currentChanged.connect(lambda *_: self.show_current())
        self.model.numberedToggled.connect(
            lambda row, on: host.undo_stack.push(SetNumbered(self.model, row, on))
        )

        self.add_text_button = QPushButton("Add own &words")
        self.add_text_button.clicked.connect(self.add_free_text)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.clicked.connect(self.remove_current)
        self.up_button = QPushButton("▲ Up")
        self.up_button.setToolTip("Move up (Ctrl+Up)")
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button = QPushButton("▼ Down")
        self.down_button.setToolTip("Move down (Ctrl+Down)")
        self.down_button.clicked.connect(lambda: self.move_current(1))
        self.latest_button = QPushButton("Update to &latest")
        self.latest_button.setToolTip("Use the newest approved version of this line")
        self.latest_button.clicked.connect(self.update_to_latest)
        row = QHBoxLayout()
        for b in (
            self.add_text_button,
            self.remove_button,
            self.up_button,
            self.down_button,
            self.latest_button,
        ):
            row.addWidget(b)
        row.addStretch(1)

        self.text_label = QLabel()
        self.text_label.setWordWrap(True)
        self.text_edit = _ParagraphText()
        self.text_edit.setObjectName("paragraphText")
        self.text_edit.setAccessibleName("Words of the selected paragraph")
        # The draft's undo stack owns undo, so Ctrl+Z means the same everywhere in the window.
        self.text_edit.setUndoRedoEnabled(False)
        self.text_edit.setMaximumHeight(150)
        self.text_edit.textChanged.connect(self._text_typed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(self.text_label)
        layout.addWidget(self.text_edit)

    def set_editable(self, editable: bool) -> None:
        self.add_text_button.setEnabled(editable)
        self.list.setDragEnabled(editable)
        self.update_row_buttons()

    # --- where the cursor is ------------------------------------------------------------
    def current_row(self) -> int | None:
        index = self.list.currentIndex()
        return index.row() if index.isValid() and index.row() < len(self.model.items) else None

    def select(self, row: int) -> None:
        if 0 <= row < len(self.model.items):
            self.list.setCurrentIndex(self.model.index(row))

    # --- paragraph edits (each an undo command) -------------------------------------------
    def add_line(self, version_id: int, row: int | None = None) -> None:
        host = self.host
        if host.refuse_if_locked():
            return
        offer = host.offer(version_id)
        if offer is None:
            host.prompts.warn(self, "Add line", "That line is not an approved line any more.")
            return
        if offer.unavailable:
            host.prompts.warn(
                self, "Add line", f"“{offer.title}” cannot be used here: it {offer.unavailable}."
            )
            return
        item = EditorParagraph(
            kind="line",
            text=offer.body,
            wording=offer.wording,
            numbered=offer.numbered,
            line_version_id=offer.version_id,
            line_key=offer.key,
            line_title=offer.title,
            line_version=offer.version,
            latest_version_id=offer.version_id,
            latest_version=offer.version,
        )
        current = self.current_row()
        if row is None:
            row = current + 1 if current is not None else len(self.model.items)
        host.undo_stack.push(InsertParagraph(self.model, row, item))
        self.select(row)

    def add_free_text(self) -> None:
        if self.host.refuse_if_locked():
            return
        current = self.current_row()
        row = current + 1 if current is not None else len(self.model.items)
        self.host.undo_stack.push(InsertParagraph(self.model, row, EditorParagraph(kind="free")))
        self.select(row)
        self.text_edit.setFocus()

    def remove_current(self) -> None:
        row = self.current_row()
        if row is None or self.host.refuse_if_locked():
            return
        self.host.undo_stack.push(RemoveParagraph(self.model, row))
        self.select(min(row, len(self.model.items) - 1))

    def move_current(self, step: int) -> None:
        row = self.current_row()
        if row is None or self.host.refuse_if_locked():
            return
        self.move_row(row, row + step)

    def move_row(self, source: int, target: int) -> None:
        if not 0 <= target < len(self.model.items) or source == target:
            return
        self.host.undo_stack.push(MoveParagraph(self.model, source, target))
        self.select(target)

    def update_to_latest(self) -> None:
        row = self.current_row()
        if row is None or self.host.refuse_if_locked():
            return
        item = self.model.items[row]
        offer = self.host.offer(item.latest_version_id or -1)
        if not item.drifted or offer is None:
            return
        new = replace(
            item,
            text=offer.body,
            wording=offer.wording,
            unavailable=offer.unavailable,
            line_version_id=offer.version_id,
            line_version=offer.version,
            latest_version_id=offer.version_id,
            latest_version=offer.version,
        )
        self.host.undo_stack.push(ReplaceParagraph(self.model, row, new, "update line to latest"))

    def _text_typed(self) -> None:
        row = self.current_row()
        if self._showing or row is None or not self.host.can_edit:
            return
        item = self.model.items[row]
        text = self.text_edit.toPlainText()
        if item.kind == "free" and text != item.text:
            self.host.undo_stack.push(EditText(self.model, row, item.text, text))

    # --- the words of the selected paragraph ------------------------------------------------
    def show_current(self) -> None:
        row = self.current_row()
        item = self.model.items[row] if row is not None else None
        self._showing = True
        try:
            if item is None:
                self.text_label.setText("Select a paragraph to see its words.")
                self.text_edit.setPlainText("")
                self.text_edit.setReadOnly(True)
            elif item.kind == "free":
                self.text_label.setText("Own words (plain text, printed exactly as typed):")
                if self.text_edit.toPlainText() != item.text:
                    self.text_edit.setPlainText(item.text)
                self.text_edit.setReadOnly(not self.host.can_edit)
            else:
                drift = (
                    " — a newer wording is approved: Update to latest to use it"
                    if item.drifted
                    else ""
                )
                self.text_label.setText(
                    f"<b>{escape(item.line_title)}</b> — the approved wording as it "
                    f"will print (not edited here){drift}:"
                )
                self.text_edit.setPlainText(
                    item.wording or f"This line cannot be used here: it {item.unavailable}."
                )
                self.text_edit.setReadOnly(True)
        finally:
            self._showing = False
        self.update_row_buttons()

    def update_row_buttons(self) -> None:
        row = self.current_row()
        has = row is not None and self.host.can_edit
        for b in (self.remove_button, self.up_button, self.down_button):
            b.setEnabled(has)
        item = self.model.items[row] if row is not None else None
        self.latest_button.setEnabled(bool(has and item and item.drifted))
