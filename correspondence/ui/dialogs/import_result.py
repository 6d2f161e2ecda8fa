"""What an import did: imported, duplicates and failures, each with its file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.intake.import_results import ImportResult
from correspondence.services.intake.import_words import plain_failure

FAILED_BG = QColor("#fde2e1")
DUPLICATE_BG = QColor("#fff4d6")


class ImportResultDialog(QDialog):
    def __init__(self, result: ImportResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.import_result = result  # not "result": QDialog.result()
        self.setWindowTitle("Import finished")
        self.resize(980, 460)
        layout = QVBoxLayout(self)

        self.summary = QLabel(self._summary_text())
        self.summary.setObjectName("importSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        self.table = QTableWidget(0, 3)
        self.table.setObjectName("importOutcomes")
        self.table.setHorizontalHeaderLabels(["Outcome", "File", "Case / reason"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(1, 300)
        # Failures first: they are what the officer has to act on.
        for f in result.failed:
            # Office English in the table; the reader's own words for IT in the tooltip.
            self._add("Failed", f.path, plain_failure(f.error), FAILED_BG, f.error)
        for d in result.duplicates:
            self._add("Duplicate", d.path, d.reason, DUPLICATE_BG)
        for c in result.imported:
            detail = f"{c.reference} — {c.correspondent}"
            if c.themes:
                detail += f" — themes {', '.join(c.themes)}"
            if c.needs_text:
                detail += " — needs text"
            self._add("Imported", c.path, detail, None)
        layout.addWidget(self.table, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("&Copy report", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_report)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    def _summary_text(self) -> str:
        r = self.import_result
        parts = [
            f"<b>{len(r.imported):,}</b> imported",
            f"<b>{len(r.duplicates):,}</b> duplicates (not logged again)",
            f"<b style='color:#b3261e'>{len(r.failed):,}</b> failed" if r.failed else "0 failed",
        ]
        text = " · ".join(parts)
        if r.cancelled:
            done = len(r.imported) + len(r.duplicates) + len(r.failed)
            text += f"<br>Cancelled after {done:,} of {r.total:,} files; the rest were not read."
        return text

    def _add(
        self, outcome: str, path: str, detail: str, bg: QColor | None, technical: str = ""
    ) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        items = (
            QTableWidgetItem(outcome),
            QTableWidgetItem(Path(path).name),
            QTableWidgetItem(detail),
        )
        items[1].setToolTip(path)
        items[2].setToolTip(
            f"{detail}\n\nDetails for IT support: {technical}" if technical else detail
        )
        for col, item in enumerate(items):
            if bg is not None:
                item.setBackground(QBrush(bg))
            self.table.setItem(row, col, item)

    def rows(self) -> list[tuple[str, str, str]]:
        """What the table shows, row by row (for tests and the clipboard)."""
        return [
            (self._cell(r, 0).text(), self._cell(r, 1).text(), self._cell(r, 2).text())
            for r in range(self.table.rowCount())
        ]

    def _cell(self, row: int, col: int) -> QTableWidgetItem:
        item = self.table.item(row, col)
        assert item is not None  # _add fills every cell
        return item

    def report(self) -> str:
        lines = [
            f"{o}\t{self._cell(i, 1).toolTip()}\t{d}" for i, (o, _f, d) in enumerate(self.rows())
        ]
        return "\n".join(lines)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report())
