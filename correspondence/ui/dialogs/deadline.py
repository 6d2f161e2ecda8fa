"""Extend a case's deadline (new date and a reason), and confirm a holding reply."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from correspondence.domain.workdays import add_working_days
from correspondence.services.cases.deadlines import DeadlineView


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


class ExtendDeadlineDialog(QDialog):
    """New due date (proposed: ten working days later) and why."""

    def __init__(self, view: DeadlineView, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("extendDeadlineDialog")
        self.setWindowTitle(f"Extend deadline — {view.reference}")
        self.setMinimumWidth(480)
        form = QFormLayout(self)
        current = f"{view.due_on:%A %d %B %Y}" if view.due_on else "none"
        form.addRow("Current due date:", QLabel(current))
        base = max(view.due_on or today, today)
        self.new_due = QDateEdit(_qdate(add_working_days(base, 10)))
        self.new_due.setObjectName("newDue")
        self.new_due.setCalendarPopup(True)
        self.new_due.setDisplayFormat("ddd dd MMM yyyy")
        self.new_due.setMinimumDate(_qdate(today))
        self.reason = QLineEdit()
        self.reason.setObjectName("extensionReason")
        self.reason.setPlaceholderText("e.g. awaiting advice from the Home Office")
        for text, widget in (("&New due date:", self.new_due), ("&Reason:", self.reason)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.problem = QLabel()
        self.problem.setObjectName("extensionProblem")
        self.problem.setStyleSheet("color:#842029; background:#f8d7da;")
        form.addRow(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        # The date is proposed; what the officer must type is the reason.
        self.reason.setFocus()

    def value(self) -> tuple[dt.date, str]:
        d = self.new_due.date()
        return dt.date(d.year(), d.month(), d.day()), self.reason.text().strip()

    def _accept(self) -> None:
        if not self.reason.text().strip():
            self.problem.setText("Say why the deadline is being extended.")
            self.reason.setFocus()
            return
        self.accept()
