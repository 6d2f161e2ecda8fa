"""Edit case details: summary, priority, reply type, team, drafter, signatory, addressee,
themes. Saved with optimistic locking: a refused save opens the conflict dialog."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from correspondence.domain.subject_phrase import propose
from correspondence.services.cases.case_edit import (
    CaseEditing,
    CaseEditView,
    Option,
    changes_between,
)
from correspondence.services.errors import ConflictError, ServiceError
from correspondence.ui.accessibility import make_reachable
from correspondence.ui.dialogs.conflict import ConflictDialog

NONE_LABEL = "(none)"


class EditCaseDialog(QDialog):
    """Opens on the case as stored; `saved` carries the case after a successful save."""

    saved = Signal(object)  # CaseEditView

    def __init__(self, editing: CaseEditing, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editing = editing
        self.case_id = case_id
        self.conflict_dialog: ConflictDialog | None = None
        self.setObjectName("editCaseDialog")
        self.setMinimumWidth(620)
        choices = editing.choices()
        view = editing.load(case_id)

        form = QFormLayout(self)
        self.summary = QPlainTextEdit()
        self.summary.setObjectName("summary")
        self.summary.setTabChangesFocus(True)
        self.summary.setFixedHeight(80)
        self.subject_phrase = QLineEdit()
        self.subject_phrase.setObjectName("subjectPhrase")
        self.subject_phrase.setMaxLength(200)
        self.subject_phrase.setToolTip(
            "How the reply's opening names the subject: “Thank you for your letter about …”"
        )
        self.priority = self._combo("priority", choices.priorities, with_none=False)
        self.reply_type = self._combo("replyType", choices.reply_types)
        self.team = self._combo("team", choices.teams)
        self.drafter = self._combo("drafter", choices.drafters)
        self.signatory = self._combo("signatory", choices.signatories)
        self.addressed_to = self._combo("addressedTo", choices.signatories)
        self.themes = QListWidget()
        self.themes.setObjectName("themes")
        self.themes.setMinimumHeight(170)
        for opt in choices.themes:
            item = QListWidgetItem(f"{opt.value} — {opt.label}")
            item.setData(Qt.ItemDataRole.UserRole, opt.value)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.themes.addItem(item)
        for text, widget in (
            ("&Summary:", self.summary),
            ("Su&bject phrase:", self.subject_phrase),
            ("&Priority:", self.priority),
            ("&Reply type:", self.reply_type),
            ("&Team:", self.team),
            ("&Drafter:", self.drafter),
            ("Si&gnatory:", self.signatory),
            ("&Addressed to:", self.addressed_to),
            ("T&hemes:", self.themes),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.status = QLabel()
        self.status.setObjectName("editStatus")
        self.status.setWordWrap(True)
        form.addRow(self.status)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._show(view)
        make_reachable(self)

    # --- the form ---------------------------------------------------------------------
    def _combo(self, name: str, options: tuple[Option, ...], with_none: bool = True) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        if with_none:
            combo.addItem(NONE_LABEL, None)
        for opt in options:
            combo.addItem(opt.label, opt.value)
        return combo

    @staticmethod
    def _set_combo(combo: QComboBox, value: Any) -> None:
        index = combo.findData(value)
        if index < 0 and value is not None:  # e.g. a team deactivated since: still show it
            combo.addItem(f"#{value} (inactive)", value)
            index = combo.count() - 1
        combo.setCurrentIndex(max(index, 0))

    def _show(self, view: CaseEditView) -> None:
        """Fill the form with `view` and make it the base of the next save."""
        self.view = view
        self.original = view.values()
        self.set_values(self.original)
        self.setWindowTitle(f"Edit case details — {view.reference}")

    def set_values(self, values: dict[str, Any]) -> None:
        self.summary.setPlainText(values["summary"] or "")
        self.subject_phrase.setText(values.get("subject_phrase") or "")
        self.subject_phrase.setPlaceholderText(propose(values["summary"] or ""))
        self._set_combo(self.priority, values["priority"])
        self._set_combo(self.reply_type, values["reply_type_code"])
        self._set_combo(self.team, values["team_id"])
        self._set_combo(self.drafter, values["drafter_id"])
        self._set_combo(self.signatory, values["signatory_id"])
        self._set_combo(self.addressed_to, values["addressed_to_id"])
        wanted = set(values["themes"] or ())
        for i in range(self.themes.count()):
            item = self.themes.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def values(self) -> dict[str, Any]:
        return {
            "summary": self.summary.toPlainText().strip(),
            "subject_phrase": self.subject_phrase.text().strip(),
            "priority": self.priority.currentData(),
            "reply_type_code": self.reply_type.currentData(),
            "team_id": self.team.currentData(),
            "drafter_id": self.drafter.currentData(),
            "signatory_id": self.signatory.currentData(),
            "addressed_to_id": self.addressed_to.currentData(),
            "themes": tuple(
                sorted(
                    self.themes.item(i).data(Qt.ItemDataRole.UserRole)
                    for i in range(self.themes.count())
                    if self.themes.item(i).checkState() == Qt.CheckState.Checked
                )
            ),
        }

    def set_theme(self, code: str, on: bool) -> None:
        for i in range(self.themes.count()):
            item = self.themes.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == code:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _say(self, text: str, problem: bool = False) -> None:
        self.status.setStyleSheet(
            "color:#842029; background:#f8d7da;"
            if problem
            else "color:#0f5132; background:#d1e7dd;"
        )
        self.status.setText(text)

    # --- saving -----------------------------------------------------------------------
    def save(self) -> bool:
        """Save what changed; on a conflict, open the conflict dialog (non-blocking)."""
        changes = changes_between(self.original, self.values())
        if not changes:
            self.accept()
            return True
        try:
            saved = self.editing.save(self.case_id, self.view.version, changes)
        except ConflictError:
            self._open_conflict()
            return False
        except ServiceError as exc:
            self._say(str(exc), problem=True)
            return False
        self.view = saved
        self.saved.emit(saved)
        self.accept()
        return True

    def _open_conflict(self) -> None:
        try:
            clash = self.editing.conflict(
                self.case_id, self.view.version, self.values(), self.original
            )
        except ServiceError as exc:  # e.g. the case was deleted meanwhile
            self._say(str(exc), problem=True)
            return
        self._say("Not saved: someone else changed this case. Choose how to go on.", True)
        dialog = ConflictDialog(clash, self)
        self.conflict_dialog = dialog
        dialog.finished.connect(lambda _result: self._conflict_decided(dialog))
        dialog.open()

    def _conflict_decided(self, dialog: ConflictDialog) -> None:
        current = dialog.conflict.current
        who = dialog.conflict.last_changed_by or "the other user"
        if dialog.choice == ConflictDialog.RELOAD:
            self._show(current)
            self._say(f"Reloaded: this is the case as {who} saved it. Your changes were discarded.")
        elif dialog.choice == ConflictDialog.REAPPLY:
            mine = changes_between(self.original, self.values())
            self._show(current)  # their version is the new base ...
            self.set_values({**current.values(), **mine})  # ... with my changes on top
            self.save()  # may conflict again if yet another save slipped in
        else:
            self._say("Not saved yet: your changes are still in the form.", problem=True)
