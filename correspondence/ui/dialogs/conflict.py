"""Someone else saved the case first: show what they changed, then reload or re-apply."""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.cases.case_edit import EditConflict

CLASH_BG = QColor("#fff3cd")


class ConflictDialog(QDialog):
    """The choice after a refused save. `choice` is RELOAD, REAPPLY or None (keep editing)."""

    RELOAD = "reload"
    REAPPLY = "reapply"

    def __init__(self, conflict: EditConflict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conflict = conflict
        self.choice: str | None = None
        self.setObjectName("conflictDialog")
        self.setWindowTitle(f"{conflict.current.reference} was changed by someone else")
        self.setMinimumWidth(720)
        layout = QVBoxLayout(self)

        who = conflict.last_changed_by or "Another user"
        self.message = QLabel(
            f"<b>{who} saved case {conflict.current.reference} while you were editing it.</b>"
            "<br>Your changes have <b>not</b> been saved. Nothing of theirs was overwritten."
        )
        self.message.setObjectName("conflictMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

        self.table = QTableWidget(len(conflict.fields), 4)
        self.table.setObjectName("conflictTable")
        self.table.setHorizontalHeaderLabels(["Field", "Saved now (theirs)", "Yours", "Changed by"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        bold = QFont()
        bold.setBold(True)
        for row, fc in enumerate(conflict.fields):
            clash = fc.field in conflict.mine_changed
            yours = str(fc.mine) if clash else f"{fc.mine} (you did not change it)"
            when = f" at {fc.changed_at:%H:%M}" if fc.changed_at else ""
            cells = (fc.label, str(fc.theirs), yours, f"{fc.changed_by or '—'}{when}")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if clash:
                    item.setBackground(QBrush(CLASH_BG))
                    if col in (0, 2):
                        item.setFont(bold)
                self.table.setItem(row, col, item)
        self.table.resizeRowsToContents()
        layout.addWidget(self.table, 1)

        clashes = [fc.label for fc in conflict.fields if fc.field in conflict.mine_changed]
        if not conflict.fields:
            hint = (
                "None of the fields you are editing changed: the case was saved for another "
                "reason (a status move, a new document). Re-apply saves your changes on top."
            )
        elif clashes:
            hint = (
                f"You both changed: {', '.join(clashes)} (highlighted). Re-apply keeps their "
                "other changes and puts yours on top; Reload discards yours and shows theirs."
            )
        else:
            hint = (
                "They changed fields you left alone. Re-apply keeps their changes and adds "
                "yours; Reload discards yours and shows theirs."
            )
        self.hint = QLabel(hint)
        self.hint.setObjectName("conflictHint")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)

        buttons = QDialogButtonBox()
        self.reapply_button = QPushButton("&Re-apply my changes")
        self.reapply_button.setObjectName("reapplyButton")
        self.reload_button = QPushButton("Re&load (discard mine)")
        self.reload_button.setObjectName("reloadButton")
        self.cancel_button = QPushButton("Keep &editing")
        self.cancel_button.setObjectName("keepEditingButton")
        buttons.addButton(self.reapply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.reload_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.reapply_button.clicked.connect(lambda: self._choose(self.REAPPLY))
        self.reload_button.clicked.connect(lambda: self._choose(self.RELOAD))
        self.cancel_button.clicked.connect(self.reject)
        self.reapply_button.setDefault(True)
        layout.addWidget(buttons)
        self.resize(780, 200 + 34 * max(len(conflict.fields), 2))

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()
