"""Case → Triage… (Ctrl+T), Bulk triage…, Extend deadline…, Record holding reply, and a
"Deadline" box under the case details with the stage deadlines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.errors import ServiceError
from correspondence.ui.actions import DeskWindow, Feature, Menu, Section, close_widget
from correspondence.ui.background import LatestOnly

if TYPE_CHECKING:
    from correspondence.services.cases.deadlines import Deadlines, DeadlineView
    from correspondence.services.triage.triage import Triage
    from correspondence.ui.triage_view import TriageWindow

TRIAGE_SHORTCUT = "Ctrl+T"
BULK_SHORTCUT = "Ctrl+Shift+T"
EXTEND_SHORTCUT = "Ctrl+Shift+E"
HOLDING_SHORTCUT = "Ctrl+Shift+H"


def _triage(window: DeskWindow) -> Triage:
    from correspondence.services.triage.triage import Triage  # when first used, not at start-up

    d = window.desk
    return Triage(d.uow, d.clock)


def _deadlines(window: DeskWindow) -> Deadlines:
    from correspondence.services.cases.deadlines import Deadlines

    d = window.desk
    return Deadlines(d.uow, d.clock)


class TriageFeature(Feature):
    """The triage window, and the "Deadlines" tab following the selected case."""

    def __init__(self, window: DeskWindow) -> None:
        super().__init__(window)
        self.triage_window: TriageWindow | None = None
        self.closer: _CloseWith | None = None
        box = self.deadline_box = DeadlineBox(window)
        window.detail.tabs.addTab(box, DeadlineBox.TITLE)

        def follow(*_args: object) -> None:
            rows = window.table.selectionModel().selectedRows()
            box.show_case(window.current_case_id() if rows else None)

        def after_reset() -> None:
            # As the detail pane: keep showing the case across a reload, clear on an empty list.
            box.show_case(box.case_id if window.model.rowCount() else None)

        window.table.selectionModel().selectionChanged.connect(follow)
        window.model.modelReset.connect(after_reset)
        window.user_changed.connect(self._user_changed)

    def _user_changed(self, _username: str) -> None:
        """The triage window acts as the user it was built for: close it; the next
        Case → Triage… builds one for the new user."""
        close_widget(self.triage_window)
        self.triage_window = None
        if self.closer is not None:
            self.window.removeEventFilter(self.closer)
            self.closer.deleteLater()
            self.closer = None


@TriageFeature.action(
    "openTriage",
    "&Triage…",
    Menu.CASE,
    Section.WORK,
    shortcut=TRIAGE_SHORTCUT,
    tip="Walk the untriaged cases one by one",
)
def open_triage(window: DeskWindow) -> TriageWindow:
    """Show the triage window (reusing an open one, with a fresh queue)."""
    from correspondence.ui.triage_view import TriageWindow

    feature = window.feature(TriageFeature)
    existing = feature.triage_window
    if existing is None:
        # A top-level window of its own (no parent): it can be active beside the main window
        # and moved to another screen; it closes with the main window.
        existing = TriageWindow(_triage(window))
        existing.changed.connect(window.refresh)
        feature.triage_window = existing
        closer = feature.closer = _CloseWith(existing, window)
        window.installEventFilter(closer)
    elif not existing.isVisible():
        existing.reload_queue()
    existing.show()
    existing.raise_()
    existing.activateWindow()
    return existing


class _CloseWith(QObject):
    """Closes a companion window when the main window closes."""

    def __init__(self, companion: QWidget, parent: QObject) -> None:
        super().__init__(parent)
        self.companion = companion

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Close:
            self.companion.close()
        return False


def selected_case_ids(window: DeskWindow) -> list[int]:
    ids = []
    for index in window.table.selectionModel().selectedRows():
        row = window.model.row_at(index.row())
        if row is not None:
            ids.append(row.id)
    return ids


@TriageFeature.action(
    "bulkTriage",
    "&Bulk triage…",
    Menu.CASE,
    Section.WORK,
    shortcut=BULK_SHORTCUT,
    tip="Set team, drafter, priority, themes or reply type on the selected cases",
)
def bulk_triage(window: DeskWindow) -> None:
    from correspondence.ui.dialogs.bulk_triage import BulkTriageDialog

    ids = selected_case_ids(window)
    if not ids:
        window.statusBar().showMessage("Select the cases to triage first.", 5000)
        return
    dlg = BulkTriageDialog(_triage(window), ids, window)
    accepted = dlg.exec() == QDialog.DialogCode.Accepted
    window.activateWindow()
    if accepted:
        window.refresh()
        window.statusBar().showMessage(dlg.summary(), 10000)


@TriageFeature.action(
    "extendDeadline",
    "&Extend deadline…",
    Menu.CASE,
    Section.DEADLINES,
    shortcut=EXTEND_SHORTCUT,
    tip="Move the selected case's due date, with a reason",
)
def extend_deadline(window: DeskWindow) -> None:
    from correspondence.ui.dialogs.deadline import ExtendDeadlineDialog

    case_id = window.current_case_id()
    if case_id is None:
        window.statusBar().showMessage("Select a case first.", 5000)
        return
    service = _deadlines(window)
    try:
        view = service.view(case_id)
    except ServiceError as exc:
        QMessageBox.warning(window, "Extend deadline", str(exc))
        return
    dlg = ExtendDeadlineDialog(view, window.desk.clock(), window)
    while dlg.exec() == QDialog.DialogCode.Accepted:
        new_due, reason = dlg.value()
        try:
            service.extend_deadline(case_id, new_due, reason)
        except ServiceError as exc:
            dlg.problem.setText(str(exc))
            continue
        window.refresh()
        window.statusBar().showMessage(f"Deadline extended to {new_due:%d %B %Y}.", 8000)
        break
    window.activateWindow()


@TriageFeature.action(
    "recordHoldingReply",
    "Record &holding reply",
    Menu.CASE,
    Section.DEADLINES,
    shortcut=HOLDING_SHORTCUT,
    tip="Note that a holding reply went out today",
)
def record_holding_reply(window: DeskWindow) -> None:
    case_id = window.current_case_id()
    if case_id is None:
        window.statusBar().showMessage("Select a case first.", 5000)
        return
    try:
        v = _deadlines(window).record_holding_reply(case_id)
    except ServiceError as exc:
        QMessageBox.warning(window, "Record holding reply", str(exc))
        return
    window.refresh()
    window.statusBar().showMessage(
        f"Holding reply recorded for {v.reference} on {v.holding_reply_on:%d %B %Y}.", 8000
    )


class DeadlineBox(QWidget):
    """The "Deadlines" tab of the case details: stages, extensions, holding reply, actions."""

    TITLE = "Deadli&nes"

    def __init__(self, window: DeskWindow) -> None:
        super().__init__()
        self.setObjectName("deadlineBox")
        self.window_ = window
        self.case_id: int | None = None
        self.reads = LatestOnly(self)  # read on a worker: a click never waits on the server
        # A browser, not a label: a wrapped label holding a table is mis-sized by Qt.
        self.text = QTextBrowser()
        self.text.setObjectName("deadlineText")
        self.extend_button = QPushButton("E&xtend deadline…")
        self.holding_button = QPushButton("Record holding &reply")
        self.holding_button.setObjectName("holdingReplyButton")
        self.extend_button.clicked.connect(lambda: extend_deadline(window))
        self.holding_button.clicked.connect(lambda: record_holding_reply(window))
        buttons = QHBoxLayout()
        buttons.addWidget(self.extend_button)
        buttons.addWidget(self.holding_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        self.show_case(None)

    def _set_title(self, title: str) -> None:
        tabs = self.window_.detail.tabs
        index = tabs.indexOf(self)
        if index >= 0:
            tabs.setTabText(index, title)

    def show_case(self, case_id: int | None) -> None:
        self.case_id = case_id
        self.text.clear()
        self.extend_button.setEnabled(False)
        self.holding_button.setVisible(False)
        self._set_title(self.TITLE)
        if case_id is None:
            self.reads.cancel()
            return
        self.text.setPlainText("Loading…")
        deadlines = _deadlines(self.window_)
        self.reads.run(lambda: deadlines.view(case_id), self._show_view, self.text.setPlainText)

    def _show_view(self, v: DeadlineView) -> None:
        from correspondence.ui.triage_view import stages_html  # not needed at start-up

        self.text.setHtml(stages_html(v))
        self.extend_button.setEnabled(v.days_left is not None)
        # Offered when the target will be missed; the Case menu keeps it reachable anyway.
        self.holding_button.setVisible(v.offer_holding_reply)
        if v.offer_holding_reply:
            self._set_title("⚠ " + self.TITLE)
