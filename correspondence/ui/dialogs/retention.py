"""Tools → Apply retention…: preview the expired cases, confirm, anonymise (admins only)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.errors import ServiceError
from correspondence.services.people.retention import Retention, RetentionPlan, RetentionResult

COLUMNS = ("Reference", "Status", "Closed", "Correspondent", "What is removed")


def _confirm(parent: QWidget, count: int) -> bool:
    answer = QMessageBox.question(
        parent,
        "Apply retention",
        f"Anonymise the personal data of {count:,} closed case(s)?\n\n"
        "Names, addresses, emails, letter text and documents are removed for good; "
        "the figures in the reports stay as they are.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


class RetentionDialog(QDialog):
    def __init__(
        self,
        retention: Retention,
        parent: QWidget | None = None,
        *,
        confirm: Callable[[QWidget, int], bool] = _confirm,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Apply retention")
        self.resize(900, 520)
        self.retention = retention
        self.confirm = confirm
        self.plan: RetentionPlan | None = None
        self.applied: RetentionResult | None = None  # not "result": QDialog.result()

        self.years = QSpinBox()
        self.years.setObjectName("retentionYears")
        self.years.setRange(1, 50)
        self.years.setSuffix(" years after closing")
        self.save_years = QPushButton("&Save period")
        self.save_years.clicked.connect(self._save_years)
        self.explain = QLabel()
        self.explain.setObjectName("retentionExplain")
        self.explain.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("retentionPreview")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.status = QLabel()
        self.status.setObjectName("retentionStatus")
        self.status.setWordWrap(True)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.apply_button = self.buttons.addButton(
            "&Anonymise these cases…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.apply_button.setObjectName("applyRetention")
        self.apply_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)

        period = QHBoxLayout()
        label = QLabel("Keep personal data for")
        label.setBuddy(self.years)
        period.addWidget(label)
        period.addWidget(self.years)
        period.addWidget(self.save_years)
        period.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(period)
        layout.addWidget(self.explain)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.load()

    def load(self) -> None:
        try:
            self.years.setValue(self.retention.years())
            self.plan = plan = self.retention.plan()
        except ServiceError as exc:
            self.explain.setText(str(exc))
            self.apply_button.setEnabled(False)
            self.save_years.setEnabled(False)
            return
        self.explain.setText(
            f"Closed cases whose reply went out on or before <b>{plan.cutoff:%d %B %Y}</b> "
            f"({plan.years} years ago) lose their personal data: names become “Anonymised”, "
            "addresses, emails, letter text and document contents are removed. "
            "A correspondent who has another case still open or within the period is kept. "
            "Dates, themes, teams and outcomes stay, so the reports do not change."
        )
        self.table.setRowCount(len(plan.items))
        for r, item in enumerate(plan.items):
            who = (
                item.correspondent
                if item.correspondent_anonymised
                else (f"{item.correspondent} (kept: other cases)" if item.correspondent else "—")
            )
            for c, value in enumerate(
                (item.reference, item.status, f"{item.closed_on:%d %b %Y}", who, item.changes)
            ):
                self.table.setItem(r, c, QTableWidgetItem(value))
        kept = (
            f" {plan.kept_correspondents:,} correspondent(s) kept because of other cases."
            if plan.kept_correspondents
            else ""
        )
        self.status.setText(f"{len(plan.items):,} case(s) to anonymise.{kept}")
        self.apply_button.setEnabled(bool(plan.items))

    def _save_years(self) -> None:
        try:
            self.retention.set_years(self.years.value())
        except ServiceError as exc:
            QMessageBox.warning(self, "Retention period", str(exc))
            return
        self.load()

    def apply(self) -> None:
        if not self.plan or not self.plan.items:
            return
        if not self.confirm(self, len(self.plan.items)):
            return
        try:
            self.applied = r = self.retention.apply()
        except ServiceError as exc:
            QMessageBox.warning(self, "Apply retention", str(exc))
            return
        self.load()
        self.status.setText(
            f"Anonymised {r.cases:,} case(s), {r.correspondents:,} correspondent(s), "
            f"{r.constituents:,} constituent(s) and {r.documents:,} document(s)."
        )
