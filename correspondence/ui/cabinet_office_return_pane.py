"""Reports → Cabinet Office return: a quarter's figures by office, how each is counted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.reports import report_export
from correspondence.services.reports.cabinet_office_return import (
    CabinetOfficeReturn,
    CabinetOfficeReturns,
    Quarter,
)
from correspondence.ui.workers import Worker, start

QUARTERS_OFFERED = 8


def _pct(value: object) -> str:
    return "—" if not isinstance(value, float) else f"{value:.1%}"


class CabinetOfficeReturnPane(QWidget):
    """The return for one quarter; built off the GUI thread when the quarter changes."""

    def __init__(
        self,
        returns: CabinetOfficeReturns,
        ask_save_path: Callable[[QWidget, str, str, str], str],
        pane_factory: Callable[[str], QWidget],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.returns = returns
        self.ask_save_path = ask_save_path
        self.result: CabinetOfficeReturn | None = None
        self._worker: Worker | None = None
        self._pending = False

        self.quarter = QComboBox()
        self.quarter.setObjectName("returnQuarter")
        q = returns.last_complete_quarter().next()  # the quarter in progress, then earlier ones
        for _ in range(QUARTERS_OFFERED):
            self.quarter.addItem(f"{q}  ({q.start:%b}–{q.end:%b %Y})", str(q))
            q = q.previous()
        self.quarter.setCurrentIndex(1)  # the last complete quarter: what gets published
        self.quarter.currentIndexChanged.connect(lambda _i: self.refresh())
        label = QLabel("&Quarter")
        label.setBuddy(self.quarter)
        self.export_button = QPushButton("Export return to &Excel…")
        self.export_button.setObjectName("exportReturn")
        self.export_button.clicked.connect(self.export_xlsx)
        bar = QHBoxLayout()
        bar.addWidget(label)
        bar.addWidget(self.quarter)
        bar.addStretch(1)
        bar.addWidget(self.export_button)

        self.summary = QLabel("Working out the return…")
        self.summary.setObjectName("returnSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setStyleSheet("padding: 6px; background: #eef5ee; border-radius: 4px;")

        # Tables shown the way every other report is (a ReportPane without its chart).
        self.figures = pane_factory("return")
        self.how = pane_factory("how_counted")
        self.items = pane_factory("items")
        split = QSplitter(Qt.Orientation.Vertical)
        for w in (self.figures, self.how, self.items):
            split.addWidget(w)
        split.setSizes([130, 280, 240])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def chosen(self) -> Quarter:
        return Quarter.parse(self.quarter.currentData())

    def choose(self, quarter: str) -> None:
        i = self.quarter.findData(str(Quarter.parse(quarter)))
        if i >= 0:
            self.quarter.setCurrentIndex(i)

    def refresh(self) -> None:
        if self._worker is not None:
            self._pending = True
            return
        quarter = self.chosen()
        self.summary.setText(f"Working out the return for {quarter}…")
        self.export_button.setEnabled(False)
        worker = Worker(lambda _progress, _cancelled: self.returns.build(quarter))
        worker.signals.finished.connect(self._done)
        worker.signals.failed.connect(self._failed)
        self._worker = start(worker)

    def _next(self) -> None:
        self._worker = None
        if self._pending:
            self._pending = False
            self.refresh()

    def _failed(self, message: str) -> None:
        self.summary.setText(f"<b>Could not work out the return:</b> {message}")
        self._next()

    def _done(self, result: CabinetOfficeReturn) -> None:
        self.show_return(result)
        self._next()

    def show_return(self, result: CabinetOfficeReturn) -> None:
        self.result = result
        t = result.total
        q = result.quarter
        undecided = (
            f" <span style='color:#8a5a00'>{t['open_not_yet_due']} item(s) are still open and "
            "not yet due, so these shares can still rise.</span>"
            if t["open_not_yet_due"]
            else ""
        )
        self.summary.setText(
            f"<b>Cabinet Office return {q}</b> (received {q.start:%d %b} – {q.end:%d %b %Y}): "
            f"<b>{t['received']}</b> items from MPs and peers, {t['to_answer']} to answer; "
            f"<b>{_pct(t['pct_within_20'])}</b> answered within 20 working days "
            f"({t['within_20']}), <b>{_pct(t['pct_within_own_target'])}</b> within the "
            f"department's own target ({t['within_own_target']}).{undecided}"
        )
        for pane, key in ((self.figures, "return"), (self.how, "how_counted"),
                          (self.items, "items")):  # fmt: skip
            pane.show_table(result.table(key))  # type: ignore[attr-defined]
        # The explanations are sentences: wrap them in a column that takes the width.
        how_view = self.how.view  # type: ignore[attr-defined]
        how_view.setWordWrap(True)
        how_view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        how_view.resizeRowsToContents()
        self.export_button.setEnabled(True)

    def export_xlsx(self) -> Path | None:
        if self.result is None:
            return None
        title = "Export the Cabinet Office return"
        name = f"cabinet-office-return-{self.result.quarter}.xlsx"
        chosen = self.ask_save_path(self, title, name, "Excel workbook (*.xlsx)")
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        try:
            report_export.write_xlsx(self.result, path)
        except OSError as exc:
            QMessageBox.warning(self, title, f"Could not write {path}: {exc}")
            return None
        self.summary.setText(self.summary.text() + f"<br>Saved {path}")
        return path
