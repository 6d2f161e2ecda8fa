"""Where a line went: every draft and sent letter per version, and the old words to follow up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.lines.line_usage import LetterUse, LineUsage

USAGE_COLUMNS = ("Reference", "Version", "State", "Date", "Letter dated")
_OLD = QColor("#8a5a00")


def _day(value: object) -> str:
    return f"{value:%d %b %Y}" if value else ""


class LineUsageView(QWidget):
    """Counts per version above a table of uses; a tick narrows it to the old words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.usage: LineUsage | None = None
        self.shown: list[LetterUse] = []
        self.summary = QLabel("Choose a line to see where it went.")
        self.summary.setObjectName("usageSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.old_only = QCheckBox("Only &old words to follow up (open drafts and sent letters)")
        self.old_only.setObjectName("usageOldOnly")
        self.old_only.toggled.connect(lambda _on: self._fill())
        self.table = QTableWidget(0, len(USAGE_COLUMNS))
        self.table.setObjectName("usageTable")
        self.table.setHorizontalHeaderLabels(USAGE_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.count = QLabel()
        self.count.setObjectName("usageCount")
        # Room for the longest count up front: the text changes after the layout is done.
        self.count.setMinimumWidth(
            self.count.fontMetrics().horizontalAdvance("99999 old-words letters")
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        row = QHBoxLayout()
        row.addWidget(self.old_only)
        row.addSpacing(24)
        row.addWidget(self.count)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)

    def show_usage(self, usage: LineUsage) -> None:
        self.usage = usage
        per_version = "<br>".join(
            f"v{v.number} ({v.status}): {v.open_drafts} open draft"
            f"{'s' if v.open_drafts != 1 else ''}, {v.sent_letters} sent letter"
            f"{'s' if v.sent_letters != 1 else ''}"
            for v in reversed(usage.versions)
        )
        if usage.approved_number is None:
            old = "The line is retired: every use carries words no longer approved."
        else:
            old = f"Approved now: v{usage.approved_number}."
        follow = (
            f"<b>{usage.open_drafts_with_old_words} open draft"
            f"{'s' if usage.open_drafts_with_old_words != 1 else ''} and "
            f"{usage.sent_with_old_words} sent letter"
            f"{'s' if usage.sent_with_old_words != 1 else ''} carry the old words.</b>"
        )
        self.summary.setText(f"{old} {follow}<br>{per_version}")
        self._fill()

    def _fill(self) -> None:
        usage = self.usage
        if usage is None:
            return
        self.shown = usage.old_words() if self.old_only.isChecked() else list(usage.uses)
        self.table.setRowCount(len(self.shown))
        for row, u in enumerate(self.shown):
            cells = (u.reference, f"v{u.version}", u.state, _day(u.on), _day(u.letter_date))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if u.old_words:
                    item.setForeground(QBrush(_OLD))
                    item.setToolTip("Uses a version other than the approved one")
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        what = "old-words letters" if self.old_only.isChecked() else "uses"
        self.count.setText(f"{len(self.shown)} {what}")
