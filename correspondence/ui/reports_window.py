"""The reports window: date filters, a tab per report with its chart beside the table, exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import cast

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.drafting.forecast import BreachForecast, Forecast
from correspondence.services.reports import report_export
from correspondence.services.reports.cabinet_office_return import CabinetOfficeReturns
from correspondence.services.reports.reports import (
    Cell,
    ColumnKind,
    Period,
    Report,
    ReportParams,
    Reports,
    Scope,
    Table,
    preset_range,
)
from correspondence.ui.accessibility import make_reachable
from correspondence.ui.cabinet_office_return_pane import CabinetOfficeReturnPane
from correspondence.ui.widgets.charts import ChartView, bar_chart, line_chart
from correspondence.ui.workers import Worker, start

PRESETS = (("this_week", "This week"), ("last_4_weeks", "Last 4 weeks"), ("this_year", "This year"))
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def cell_text(value: Cell, kind: ColumnKind) -> str:
    if value is None:
        return "—"
    if kind is ColumnKind.PERCENT:
        return f"{value:.1%}"
    if kind is ColumnKind.MONTH and isinstance(value, dt.date):
        return f"{value:%b %Y}"
    if isinstance(value, dt.date):
        return f"{value:%d %b %Y}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _period_label(value: Cell, kind: ColumnKind) -> str:
    if isinstance(value, dt.date):
        return f"{value:%b %Y}" if kind is ColumnKind.MONTH else f"{value:%d %b}"
    return str(value)


def _numbers(cells: Iterable[Cell]) -> list[float]:
    """A count or share column of a report, as chart values (an empty cell is 0)."""
    out = []
    for cell in cells:
        assert cell is None or isinstance(cell, int | float), cell
        out.append(float(cell or 0))
    return out


class ReportTableModel(QAbstractTableModel):
    """A read-only view of one report Table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table: Table | None = None

    def set_table(self, table: Table | None) -> None:
        self.beginResetModel()
        self.table = table
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() or self.table is None else len(self.table.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() or self.table is None else len(self.table.columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if self.table is None or not index.isValid():
            return None
        kind = self.table.columns[index.column()].kind
        value = self.table.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(value, kind)
        if role == Qt.ItemDataRole.TextAlignmentRole and kind is not ColumnKind.TEXT:
            return int(_RIGHT)
        if role == Qt.ItemDataRole.UserRole:
            return value
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = 0
    ) -> object:
        if (
            self.table is not None
            and role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
        ):
            return self.table.columns[section].title
        return None


class ReportPane(QWidget):
    """One tab: the chart beside the table, and the table's note under them."""

    def __init__(self, key: str, chart: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.model = ReportTableModel(self)
        self.view = QTableView()
        self.view.setObjectName(f"table_{key}")
        self.view.setAccessibleName(f"{key.replace('_', ' ').capitalize()} table")
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setWordWrap(False)
        self.chart = ChartView() if chart else None
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("font-style: italic;")  # not grey: it vanished on dark themes
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.view)
        if self.chart is not None:
            split.addWidget(self.chart)
            # The table needs its columns readable; the chart takes the rest.
            split.setStretchFactor(0, 3)
            split.setStretchFactor(1, 2)
            split.setSizes([720, 480])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split, 1)
        layout.addWidget(self.note)

    def show_table(self, table: Table) -> None:
        self.model.set_table(table)
        self.note.setText(table.note)
        self.note.setVisible(bool(table.note))


# Tab title, table key, how to chart it.
TABS = (
    ("Received && answered", "volumes", "volumes"),
    ("By reply type", "reply_type", "pct"),
    ("By team", "team", "pct"),
    ("By theme", "theme", "pct"),
    ("By signatory", "signatory", "pct"),
    ("Overdue now", "overdue_by_holder", "holders"),
    ("Overdue cases", "overdue", ""),
    ("Campaigns", "campaigns", "campaigns"),
)


class ReportsWindow(QMainWindow):
    def __init__(
        self,
        reports: Reports,
        parent: QWidget | None = None,
        *,
        ask_save_path: Callable[[QWidget, str, str, str], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reports — Correspondence Desk")
        self.resize(1280, 690)  # fits a 1366×768 screen with its task bar
        self.reports = reports
        self.report: Report | None = None
        self._worker: Worker | None = None
        self._pending: ReportParams | None = None
        self.ask_save_path = ask_save_path or _ask_save_path

        today = reports.clock()
        start, end = preset_range("last_4_weeks", today)
        self.date_from = QDateEdit(QDate(start.year, start.month, start.day))
        self.date_to = QDateEdit(QDate(end.year, end.month, end.day))
        for edit, name in ((self.date_from, "dateFrom"), (self.date_to, "dateTo")):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
            edit.dateChanged.connect(self.refresh)
        self.preset_buttons: dict[str, QPushButton] = {}
        self.scope = QComboBox()
        self.scope.setObjectName("scope")
        self.scope.addItem(Scope.ALL.label, Scope.ALL.value)
        self.scope.addItem(Scope.MPS_AND_PEERS.label, Scope.MPS_AND_PEERS.value)
        self.scope.currentIndexChanged.connect(self.refresh)
        self.period = QComboBox()
        self.period.setObjectName("period")
        self.period.addItem("By week", Period.WEEK.value)
        self.period.addItem("By month", Period.MONTH.value)
        self.period.currentIndexChanged.connect(self.refresh)
        self.export_xlsx_button = QPushButton("Export &Excel…")
        self.export_xlsx_button.clicked.connect(self.export_xlsx)
        self.export_csv_button = QPushButton("Export &CSV…")
        self.export_csv_button.clicked.connect(self.export_csv)

        bar = QHBoxLayout()
        from_label = QLabel("Received &from")
        from_label.setBuddy(self.date_from)
        bar.addWidget(from_label)
        bar.addWidget(self.date_from)
        to_label = QLabel("&to")
        to_label.setBuddy(self.date_to)
        bar.addWidget(to_label)
        bar.addWidget(self.date_to)
        for key, label in PRESETS:
            b = QPushButton(label)
            b.setObjectName(f"preset_{key}")
            b.clicked.connect(lambda _=False, k=key: self.apply_preset(k))
            self.preset_buttons[key] = b
            bar.addWidget(b)
        bar.addSpacing(12)
        bar.addWidget(self.scope)
        bar.addWidget(self.period)
        bar.addStretch(1)
        bar.addWidget(self.export_xlsx_button)
        bar.addWidget(self.export_csv_button)

        self.summary = QLabel("Working out the figures…")
        self.summary.setObjectName("reportSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setStyleSheet(
            "padding: 6px; background: #f3f5f8; color: #1b1b1b; border-radius: 4px;"
        )

        self.tabs = QTabWidget()
        self.panes: dict[str, ReportPane] = {}
        for title, key, chart in TABS:
            pane = ReportPane(key, chart=bool(chart))
            self.panes[key] = pane
            self.tabs.addTab(pane, title)
        self._add_cabinet_office_return()

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.refresh()
        make_reachable(self)

    def _add_cabinet_office_return(self) -> None:
        """Reports → Cabinet Office return: its own tab, worked out when first shown."""
        r = self.reports
        self.co_return = CabinetOfficeReturnPane(
            CabinetOfficeReturns(r.uow, r.clock),
            self.ask_save_path,
            lambda key: ReportPane(key, chart=False),
        )
        self.co_return.setObjectName("cabinetOfficeReturn")
        self.tabs.addTab(self.co_return, "Cabinet Office return")
        self.forecast_pane = ReportPane("forecast", chart=False)
        self.forecast: Forecast | None = None
        self._forecast_worker: Worker | None = None
        self.tabs.addTab(self.forecast_pane, "Breach forecast")
        self.tabs.currentChanged.connect(self._tab_changed)
        menu = self.menuBar().addMenu("&Reports")
        self.co_return_action = QAction("&Cabinet Office return", self)
        self.co_return_action.setObjectName("cabinetOfficeReturnAction")
        self.co_return_action.setShortcut(QKeySequence("Ctrl+Shift+Q"))
        self.co_return_action.setStatusTip(
            "The quarter's figures for letters from MPs and peers, as departments publish them"
        )
        self.co_return_action.triggered.connect(self.show_cabinet_office_return)
        menu.addAction(self.co_return_action)
        self.forecast_action = QAction("&Breach forecast", self)
        self.forecast_action.setObjectName("breachForecastAction")
        self.forecast_action.setStatusTip("Open cases likely to miss their due date, and why")
        self.forecast_action.triggered.connect(self.show_forecast)
        menu.addAction(self.forecast_action)

    def show_cabinet_office_return(self) -> None:
        self.tabs.setCurrentWidget(self.co_return)

    def show_forecast(self) -> None:
        """Shown, and worked out again: the forecast is asked for, never kept running."""
        if self.tabs.currentWidget() is self.forecast_pane:
            self._work_out_forecast()
        self.tabs.setCurrentWidget(self.forecast_pane)

    def _tab_changed(self, _index: int) -> None:
        pane = self.co_return
        if self.tabs.currentWidget() is pane and pane.result is None and not pane.busy:
            pane.refresh()
        if self.tabs.currentWidget() is self.forecast_pane:
            self._work_out_forecast()

    def _work_out_forecast(self) -> None:
        if self._forecast_worker is not None:
            return
        r = self.reports
        svc = BreachForecast(r.uow, r.clock)
        self.forecast_pane.note.setText("Working out the forecast…")
        self.forecast_pane.note.setVisible(True)
        worker = Worker(lambda _progress, _cancelled: svc.everything())
        worker.signals.finished.connect(self._forecast_done)
        worker.signals.failed.connect(self._forecast_failed)
        self._forecast_worker = start(worker)

    def _forecast_done(self, result: Forecast) -> None:
        self._forecast_worker = None
        self.forecast = result
        table = result.table()
        self.forecast_pane.show_table(table)
        self.forecast_pane.note.setText(
            f"{len(result.at_risk)} of {result.examined} open cases are likely to miss their due "
            f"date (as at {result.today:%d %b %Y}). {table.note}"
        )

    def _forecast_failed(self, message: str) -> None:
        self._forecast_worker = None
        self.forecast_pane.note.setText(f"The forecast could not be worked out: {message}")

    # --- filters -----------------------------------------------------------------------
    def params(self) -> ReportParams:
        # The stubs say toPython() gives an object; for a QDate it is a date.
        start = cast(dt.date, self.date_from.date().toPython())
        end = cast(dt.date, self.date_to.date().toPython())
        if end < start:
            start, end = end, start
        return ReportParams(
            start=start,
            end=end,
            scope=Scope(self.scope.currentData()),
            period=Period(self.period.currentData()),
        )

    def apply_preset(self, key: str) -> None:
        start, end = preset_range(key, self.reports.clock())
        for edit, day in ((self.date_from, start), (self.date_to, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        if key == "this_year":
            self.period.blockSignals(True)
            self.period.setCurrentIndex(self.period.findData(Period.MONTH.value))
            self.period.blockSignals(False)
        self.refresh()

    # --- the work, off the GUI thread ------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._worker is not None

    def refresh(self) -> None:
        params = self.params()
        if self._worker is not None:
            self._pending = params  # run again with the latest filters when this one ends
            return
        self.summary.setText("Working out the figures…")
        self.export_xlsx_button.setEnabled(False)
        self.export_csv_button.setEnabled(False)
        worker = Worker(lambda _progress, _cancelled: self.reports.report(params))
        worker.signals.finished.connect(self._done)
        worker.signals.failed.connect(self._failed)
        self._worker = start(worker)

    def _next(self) -> None:
        self._worker = None
        if self._pending is not None:
            self._pending = None
            self.refresh()

    def _failed(self, message: str) -> None:
        self.summary.setText(f"<b>Could not work out the figures:</b> {message}")
        self._next()

    def _done(self, report: Report) -> None:
        self.show_report(report)
        self._next()

    def show_report(self, report: Report) -> None:
        self.report = report
        s = report.summary
        pct = "—" if s.pct_within_target is None else f"{s.pct_within_target:.1%}"
        median = "—" if s.median_days is None else f"{s.median_days:g} working days"
        self.summary.setText(
            f"<b>{report.params.scope.label}</b> received {report.params.start:%d %b %Y} – "
            f"{report.params.end:%d %b %Y}: <b>{s.received:,}</b> received, "
            f"<b>{s.answered:,}</b> answered, <b>{pct}</b> within target "
            f"({s.within_target:,} of {s.answered + s.open_past_target:,}), median {median}, "
            f"<b>{s.still_open:,}</b> still open. "
            f"<span style='color:#842029'><b>{s.overdue_now:,}</b> overdue now</span>."
        )
        for _title, key, chart in TABS:
            table = report.table(key)
            pane = self.panes[key]
            pane.show_table(table)
            if pane.chart is not None:
                self._chart(pane.chart, table, chart)
        self.export_xlsx_button.setEnabled(True)
        self.export_csv_button.setEnabled(True)

    @staticmethod
    def _chart(view: ChartView, table: Table, how: str) -> None:
        first_kind = table.columns[0].kind
        labels = [_period_label(r[0], first_kind) for r in table.rows]
        if how == "volumes":
            bar_chart(
                view,
                table.title,
                labels,
                [
                    (name, _numbers(table.column(name)))
                    for name in ("Received", "Answered", "Within target")
                ],
            )
        elif how == "pct":
            rows = [r for r in table.rows if r[6] is not None][:12]
            # Horizontal bars list from the bottom up: reverse so the table's order reads down.
            bar_chart(
                view,
                f"% answered within target — {table.title.lower()}",
                [str(r[0]) for r in reversed(rows)],
                [("% within target", _numbers(r[6] for r in reversed(rows)))],
                percent=True,
                horizontal=True,
            )
        elif how == "holders":
            rows = list(reversed(table.rows[:12]))
            bar_chart(
                view,
                "Overdue letters by who holds them",
                [f"{r[1]} ({r[0]})" for r in rows],
                [("Overdue", _numbers(r[2] for r in rows))],
                horizontal=True,
            )
        elif how == "campaigns":
            names = list(table.header[1:-1])
            line_chart(
                view,
                table.title,
                labels,
                [(n, _numbers(table.column(n))) for n in names],
            )

    # --- exports -----------------------------------------------------------------------
    def _default_name(self, suffix: str) -> str:
        p = self.params()
        return f"correspondence-report-{p.start.isoformat()}-to-{p.end.isoformat()}{suffix}"

    def export_xlsx(self) -> Path | None:
        return self._export("Export to Excel", ".xlsx", "Excel workbook (*.xlsx)")

    def export_csv(self) -> Path | None:
        return self._export("Export to CSV", ".csv", "CSV, every table as a section (*.csv)")

    def _export(self, title: str, suffix: str, filter_: str) -> Path | None:
        if self.report is None:
            return None
        chosen = self.ask_save_path(self, title, self._default_name(suffix), filter_)
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() != suffix:
            path = path.with_suffix(suffix)
        try:
            if suffix == ".xlsx":
                report_export.write_xlsx(self.report, path)
            else:
                report_export.write_csv(self.report, path)
        except OSError as exc:
            QMessageBox.warning(self, title, f"Could not write {path}: {exc}")
            return None
        self.statusBar().showMessage(f"Saved {path}", 8000)
        return path

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802
        self._pending = None
        super().closeEvent(event)


def _ask_save_path(parent: QWidget, title: str, name: str, filter_: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path.home() / name), filter_)
    return path
