""" "My work": the drafts waiting for me (by role) and the cases I own that fall due soon.

Shown as a dock in the main window (Go → My work, Ctrl+M). Double-clicking a draft opens the
draft editor; double-clicking a case selects it in the list. When another person takes over
the desk (the main window's `user_changed`), the panel shows their work instead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.drafting import Drafting, DueCase, MyWork, WorkItem
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

    def set_drafting(self, drafting: Drafting) -> None:
        """Show the work of the person `drafting` acts for from now on (after a switch)."""
        self.drafting = drafting
        self.refresh()  # hidden or not: the dock's own toggle shows it without a refresh

    @property
    def loading(self) -> bool:
        return self.reads.busy

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
