"""Bulk triage of a selection: set fields, or close the cases as no reply or transferred."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.triage.triage import PRIORITIES, BulkResult, Triage, TriageDecision

UNCHANGED = "(leave unchanged)"


class BulkTriageDialog(QDialog):
    """Applies one decision to every selected case; reports the ones it could not change."""

    def __init__(self, triage: Triage, case_ids: list[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bulkTriageDialog")
        self.triage = triage
        self.case_ids = case_ids
        self.result_: BulkResult | None = None
        n = len(case_ids)
        self.setWindowTitle(f"Bulk triage — {n} case{'s' if n != 1 else ''}")
        self.setMinimumWidth(560)

        self.set_fields = QRadioButton("&Set fields")
        self.no_reply = QRadioButton("Mark as &no reply")
        self.transfer = QRadioButton("&Transfer to another department")
        self.mode = QButtonGroup(self)
        for i, b in enumerate((self.set_fields, self.no_reply, self.transfer)):
            self.mode.addButton(b, i)
        self.set_fields.setChecked(True)

        self.fields = QGroupBox("Fields")
        form = QFormLayout(self.fields)
        self.replace_themes = QCheckBox("Replace the themes with the ticked ones")
        self.replace_themes.setObjectName("bulkReplaceThemes")
        self.themes = QListWidget()
        self.themes.setObjectName("bulkThemes")
        self.themes.setMaximumHeight(150)
        for o in triage.themes():
            item = QListWidgetItem(f"{o.value} — {o.label}")
            item.setData(Qt.ItemDataRole.UserRole, o.value)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.themes.addItem(item)
        self.themes.setEnabled(False)
        self.replace_themes.toggled.connect(self.themes.setEnabled)
        self.reply_type = self._combo(
            "bulkReplyType", [(o.value, o.label) for o in triage.reply_types()]
        )
        self.team = self._combo("bulkTeam", [(o.value, o.label) for o in triage.teams()])
        self.drafter = self._combo("bulkDrafter", [(o.value, o.label) for o in triage.drafters()])
        self.priority = self._combo("bulkPriority", [(p, p.capitalize()) for p in PRIORITIES])
        self.finish = QCheckBox("Also mark them &triaged")
        self.finish.setObjectName("bulkFinish")
        form.addRow(self.replace_themes)
        form.addRow(self.themes)
        for text, widget in (
            ("&Reply type:", self.reply_type),
            ("T&eam:", self.team),
            ("&Drafter:", self.drafter),
            ("&Priority:", self.priority),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        form.addRow(self.finish)
        self.team.currentIndexChanged.connect(self._team_changed)

        self.closing = QGroupBox("Where and why")
        cform = QFormLayout(self.closing)
        self.where = QLineEdit()
        self.where.setObjectName("bulkWhere")
        self.reason = QLineEdit()
        self.reason.setObjectName("bulkReason")
        cform.addRow("Department:", self.where)
        cform.addRow("Reason:", self.reason)
        self.closing.setEnabled(False)
        self.mode.idToggled.connect(self._mode_changed)

        self.problem = QLabel()
        self.problem.setObjectName("bulkProblem")
        self.problem.setStyleSheet("color:#842029; background:#f8d7da;")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Apply")
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{n}</b> selected case{'s' if n != 1 else ''}"))
        for b in (self.set_fields, self.no_reply, self.transfer):
            layout.addWidget(b)
        layout.addWidget(self.fields)
        layout.addWidget(self.closing)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    @staticmethod
    def _combo(name: str, items: list[tuple[object, str]]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.addItem(UNCHANGED, None)
        for value, label in items:
            combo.addItem(label, value)
        return combo

    def _team_changed(self, _index: int) -> None:
        team_id = self.team.currentData()
        if team_id is not None and self.drafter.currentData() is None:
            drafter = self.triage.default_drafter(int(team_id))
            index = self.drafter.findData(drafter)
            if index >= 0:
                self.drafter.setCurrentIndex(index)

    def _mode_changed(self, _id: int, _checked: bool) -> None:
        self.fields.setEnabled(self.set_fields.isChecked())
        self.closing.setEnabled(not self.set_fields.isChecked())
        self.where.setEnabled(self.transfer.isChecked())

    def decision(self) -> TriageDecision:
        themes = None
        if self.replace_themes.isChecked():
            themes = [
                str(self.themes.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.themes.count())
                if self.themes.item(i).checkState() == Qt.CheckState.Checked
            ]
        return TriageDecision(
            themes=themes,
            reply_type=self.reply_type.currentData(),
            team_id=self.team.currentData(),
            drafter_id=self.drafter.currentData(),
            priority=self.priority.currentData(),
        )

    def apply(self) -> None:
        from correspondence.services.errors import ServiceError

        try:
            if self.set_fields.isChecked():
                self.result_ = self.triage.bulk_apply(
                    self.case_ids, self.decision(), finish=self.finish.isChecked()
                )
            elif self.no_reply.isChecked():
                if not self.reason.text().strip():
                    self.problem.setText("Give the reason no reply is needed.")
                    return
                self.result_ = self.triage.bulk_no_reply(self.case_ids, self.reason.text())
            else:
                if not self.where.text().strip() or not self.reason.text().strip():
                    self.problem.setText("Name the department and give a reason.")
                    return
                self.result_ = self.triage.bulk_transfer(
                    self.case_ids, self.where.text(), self.reason.text()
                )
        except ServiceError as exc:
            self.problem.setText(str(exc))
            return
        self.accept()

    def summary(self) -> str:
        r = self.result_
        if r is None:
            return ""
        text = f"Changed {len(r.changed)} case{'s' if len(r.changed) != 1 else ''}."
        if r.failed:
            text += f" Not changed: {len(r.failed)} — " + "; ".join(
                f"{ref}: {why}" for ref, why in r.failed[:5]
            )
        return text
