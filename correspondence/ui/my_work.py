""" "My work": the drafts waiting for me (by role) and the cases I own that fall due soon.

Shown as a dock in the main window (Go → My work, Ctrl+M). Double-clicking a draft opens the
draft editor; double-clicking a case selects it in the list. When another person takes over
the desk (the main window's `user_changed`), the panel shows their work instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.drafting.drafting import Drafting
from correspondence.services.drafting.forecast import AtRisk, BreachForecast, Forecast
from correspondence.services.drafting.my_work import DueCase, MyWork, WorkItem
from correspondence.services.errors import ServiceError
from correspondence.ui.background import LatestOnly

ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _days(days_left: int | None) -> str:
    if days_left is None:
        return ""
    if days_left < 0:
        return f"{-days_left} overdue"
    return "due today" if days_left == 0 else f"{days_left} left"


def _tree(headers: list[str], name: str) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setObjectName(name)
    tree.setHeaderLabels(headers)
    tree.setRootIsDecorated(False)
    tree.setAlternatingRowColors(True)
    tree.setUniformRowHeights(True)
    tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    tree.header().setStretchLastSection(True)
    return tree


class MyWorkPanel(QWidget):
    openDraft = Signal(int)  # draft id
    selectCase = Signal(int)  # case id

    def __init__(self, drafting: Drafting, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("myWork")
        self.setMinimumWidth(360)  # beside the list in a 1366-pixel window
        self.drafting = drafting
        self.work: MyWork | None = None
        self.reads = LatestOnly(self)  # read on a worker: opening the panel never waits
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.everything = QCheckBox("All teams' QA")
        self.everything.setToolTip("Policy leads: show drafts waiting for QA in every team")
        self.everything.toggled.connect(self.refresh)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.everything)
        top.addWidget(refresh)

        self.drafts = _tree(["Reference", "Waiting for", "Due", "Correspondent"], "myDrafts")
        self.drafts.itemActivated.connect(self._draft_activated)
        self.cases = _tree(["Reference", "Status", "Due", "Correspondent"], "myCases")
        self.cases.itemActivated.connect(self._case_activated)
        self.dispatch = _tree(["Reference", "Signed off", "Due", "Correspondent"], "toDispatch")
        self.dispatch.itemActivated.connect(self._case_activated)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        self.drafts_label = QLabel()
        layout.addWidget(self.drafts_label)
        layout.addWidget(self.drafts, 2)
        self.cases_label = QLabel()
        layout.addWidget(self.cases_label)
        layout.addWidget(self.cases, 2)
        self.dispatch_label = QLabel()
        layout.addWidget(self.dispatch_label)
        layout.addWidget(self.dispatch, 1)
        self._build_forecast(layout)

    def set_drafting(self, drafting: Drafting) -> None:
        """Show the work of the person `drafting` acts for from now on (after a switch)."""
        self.drafting = drafting
        self.refresh()  # hidden or not: the dock's own toggle shows it without a refresh

    @property
    def loading(self) -> bool:
        """Whether My work or its breach forecast is still being read."""
        return self.reads.busy or self.forecast_reads.busy

    def refresh(self) -> None:
        drafting, everything = self.drafting, self.everything.isChecked()
        if self.work is None:
            self.summary.setText("Loading…")
        self.setCursor(Qt.CursorShape.BusyCursor)
        self.reads.run(lambda: drafting.my_work(everything=everything), self._show, self._failed)

    def _failed(self, message: str) -> None:
        self.unsetCursor()
        self.summary.setText(f"My work cannot be shown: {message}")

    def _show(self, work: MyWork) -> None:
        self.unsetCursor()
        self.work = work
        roles = ", ".join(sorted(r.label.lower() for r in work.roles)) or "no role"
        self.summary.setText(f"<b>{work.username}</b> ({roles})")
        self.everything.setVisible(any(r.value == "policy_lead" for r in work.roles))
        self.drafts.clear()
        for w in work.drafts:
            self.drafts.addTopLevelItem(self._draft_item(w))
        self.drafts_label.setText(f"<b>Drafts waiting for me</b> ({len(work.drafts)})")
        self.cases.clear()
        for c in work.due_cases:
            self.cases.addTopLevelItem(self._case_item(c, c.status.label))
        self.cases_label.setText(f"<b>My cases due soon</b> ({len(work.due_cases)})")
        self.dispatch.clear()
        for c in work.to_dispatch:
            self.dispatch.addTopLevelItem(self._case_item(c, "ready to dispatch"))
        show_dispatch = bool(work.to_dispatch)
        self.dispatch.setVisible(show_dispatch)
        self.dispatch_label.setVisible(show_dispatch)
        self.dispatch_label.setText(f"<b>Signed off, to dispatch</b> ({len(work.to_dispatch)})")
        self._forecast_if_due()

    def _draft_item(self, w: WorkItem) -> QTreeWidgetItem:
        item = QTreeWidgetItem([w.reference, w.waiting_for, _days(w.days_left), w.correspondent])
        item.setData(0, ID_ROLE, w.draft_id)
        item.setToolTip(1, w.waiting_for)
        if w.waiting_for.startswith("Returned"):
            item.setForeground(1, QBrush(QColor("#a11")))
        self._colour_due(item, w.days_left)
        return item

    def _case_item(self, c: DueCase, status: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem([c.reference, status, _days(c.days_left), c.correspondent])
        item.setData(0, ID_ROLE, c.case_id)
        self._colour_due(item, c.days_left)
        return item

    @staticmethod
    def _colour_due(item: QTreeWidgetItem, days_left: int | None) -> None:
        if days_left is not None and days_left < 0:
            item.setForeground(2, QBrush(QColor("#b00")))
        elif days_left is not None and days_left <= 3:
            item.setForeground(2, QBrush(QColor("#b36b00")))

    def _draft_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        self.openDraft.emit(int(item.data(0, ID_ROLE)))

    def _case_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        self.selectCase.emit(int(item.data(0, ID_ROLE)))

    # --- the breach forecast: worked out when shown, at most once a day, or on demand ------
    def _build_forecast(self, layout: QVBoxLayout) -> None:
        self.forecast: Forecast | None = None
        # Whose forecast, for which day, was last asked for (it is worked out once a day).
        self._forecast_key: tuple[str, dt.date] | None = None
        self.forecast_reads = LatestOnly(self)  # on a worker: it reads every open case
        # Replaced in tests; a person gets a file dialog.
        self.ask_save_path: Callable[[str], str] = self._ask_save_path
        self.forecast_label = QLabel()
        self.forecast_label.setObjectName("forecastLabel")
        self.forecast_label.setWordWrap(True)
        self.forecast_now = QPushButton("Forecast &now")
        self.forecast_now.setObjectName("forecastNow")
        self.forecast_now.setToolTip("Work the breach forecast out again")
        self.forecast_now.clicked.connect(lambda: self.refresh_forecast(force=True))
        self.holding_button = QPushButton("Draft &holding reply…")
        self.holding_button.setObjectName("draftHoldingReply")
        self.holding_button.setToolTip(
            "Write the holding reply to the chosen case from the approved holding line"
        )
        self.holding_button.clicked.connect(self.draft_holding_reply)
        row = QHBoxLayout()
        row.addWidget(self.forecast_label, 1)
        row.addWidget(self.forecast_now)
        self.at_risk = _tree(["Reference", "Forecast", "Due", "Why"], "atRisk")
        self.at_risk.itemActivated.connect(self._case_activated)
        self.at_risk.itemSelectionChanged.connect(
            lambda: self.holding_button.setEnabled(bool(self.at_risk.selectedItems()))
        )
        self.holding_button.setEnabled(False)
        layout.addLayout(row)
        layout.addWidget(self.at_risk, 2)
        self.forecast_note = QLabel()
        self.forecast_note.setObjectName("forecastNote")
        self.forecast_note.setWordWrap(True)
        self.forecast_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        actions = QHBoxLayout()
        actions.addWidget(self.forecast_note, 1)
        actions.addWidget(self.holding_button)
        layout.addLayout(actions)

    def _forecast_if_due(self) -> None:
        key = (self.drafting.username, self.drafting.clock())
        if key != self._forecast_key:
            self.refresh_forecast(force=True)

    def refresh_forecast(self, force: bool = False) -> None:
        """Work the forecast out on a worker, saying so meanwhile; the newest request wins."""
        if not force and self._forecast_key is not None:
            return
        d = self.drafting
        self._forecast_key = (d.username, d.clock())
        self.forecast_label.setText("Working out the breach forecast…")
        self.forecast_now.setEnabled(False)
        self.forecast_reads.run(
            lambda: BreachForecast(d.uow, d.clock).mine(), self._show_forecast, self._no_forecast
        )

    def _no_forecast(self, message: str) -> None:
        self._forecast_key = None  # asked again at the next refresh
        self.forecast_now.setEnabled(True)
        self.forecast_label.setText(f"The breach forecast cannot be worked out: {message}")

    def _show_forecast(self, f: Forecast) -> None:
        self.forecast = f
        self.forecast_now.setEnabled(True)
        self.forecast_label.setText(
            f"<b>Likely to miss their target</b> ({len(f.at_risk)} of {f.examined} open) "
            f"— forecast {f.today:%d %b}"
        )
        self.forecast_label.setToolTip(f.model.describe())
        self.at_risk.clear()
        for r in f.at_risk:
            self.at_risk.addTopLevelItem(self._risk_item(r))

    def _risk_item(self, r: AtRisk) -> QTreeWidgetItem:
        when = f"{r.forecast_on:%d %b}" if r.forecast_on else "overdue"
        item = QTreeWidgetItem([r.reference, when, f"{r.due_on:%d %b}", r.explanation])
        item.setData(0, ID_ROLE, r.case_id)
        item.setToolTip(3, r.explanation)
        item.setForeground(1, QBrush(QColor("#b00")))
        return item

    def draft_holding_reply(self) -> Path | None:
        items = self.at_risk.selectedItems()
        if not items or self.forecast is None:
            return None
        case_id = int(items[0].data(0, ID_ROLE))
        reference = items[0].text(0)
        chosen = self.ask_save_path(f"holding-reply-{reference.replace('/', '-')}.docx")
        if not chosen:
            return None
        d = self.drafting
        try:
            path = BreachForecast(d.uow, d.clock).draft_holding_reply(case_id, Path(chosen))
        except (ServiceError, OSError) as exc:
            self.forecast_note.setText(f"The holding reply could not be written: {exc}")
            return None
        self.forecast_note.setText(
            f"Holding reply to {reference} written to {path.name} (DRAFT until signed)."
        )
        self.forecast_note.setToolTip(
            f"{path}\nOnce it is sent, record it with Case → Record holding reply."
        )
        return path

    def _ask_save_path(self, name: str) -> str:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the holding reply", str(Path.home() / name), "Word document (*.docx)"
        )
        return path
