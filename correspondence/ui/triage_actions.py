"""Case → Triage… (Ctrl+T), Bulk triage…, Extend deadline…, Record holding reply, and a
"Deadline" box under the case details with the stage deadlines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence
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
from correspondence.ui.background import LatestOnly

if TYPE_CHECKING:
    from correspondence.services.deadlines import Deadlines, DeadlineView
    from correspondence.services.triage import Triage
    from correspondence.ui.main_window import MainWindow
    from correspondence.ui.triage_view import TriageWindow

TRIAGE_SHORTCUT = "Ctrl+T"
BULK_SHORTCUT = "Ctrl+Shift+T"
EXTEND_SHORTCUT = "Ctrl+Shift+E"
HOLDING_SHORTCUT = "Ctrl+Shift+H"


def _triage(window: MainWindow) -> Triage:
    from correspondence.services.triage import Triage  # when first used, not at start-up

    d = window.desk
    return Triage(d.uow, d.clock)


def _deadlines(window: MainWindow) -> Deadlines:
    from correspondence.services.deadlines import Deadlines

    d = window.desk
    return Deadlines(d.uow, d.clock)


def open_triage(window: MainWindow) -> TriageWindow:
    """Show the triage window (reusing an open one, with a fresh queue)."""
    from correspondence.ui.triage_view import TriageWindow

    existing: TriageWindow | None = getattr(window, "triage_window", None)
    if existing is None:
        # A top-level window of its own (no parent): it can be active beside the main window
        # and moved to another screen; it closes with the main window.
        existing = TriageWindow(_triage(window))
        existing.changed.connect(window.refresh)
        window.triage_window = existing  # type: ignore[attr-defined]
        closer = _CloseWith(existing, window)
        window.installEventFilter(closer)
        window.triage_closer = closer  # type: ignore[attr-defined]
    elif not existing.isVisible():
        existing.reload_queue()
    existing.show()
    existing.raise_()
    existing.activateWindow()
    return existing


def _user_changed(window: MainWindow) -> None:
    """The triage window acts as the user it was built for: close it; the next
    Case → Triage… builds one for the new user."""
    window.close_companion("triage_window")
    closer: _CloseWith | None = getattr(window, "triage_closer", None)
    if closer is not None:
        window.removeEventFilter(closer)
        closer.deleteLater()
        window.triage_closer = None  # type: ignore[attr-defined]


class _CloseWith(QObject):
    """Closes a companion window when the main window closes."""

    def __init__(self, companion: QWidget, parent: QObject) -> None:
        super().__init__(parent)
        self.companion = companion

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Close:
            self.companion.close()
        return False


def selected_case_ids(window: MainWindow) -> list[int]:
    ids = []
    for index in window.table.selectionModel().selectedRows():
        row = window.model.row_at(index.row())
        if row is not None:
            ids.append(row.id)
    return ids


def bulk_triage(window: MainWindow) -> None:
    from correspondence.ui.dialogs.bulk_triage import BulkTriageDialog

    ids = selected_case_ids(window)
    if not ids:
        window.statusBar().showMessage("Select the cases to triage first.", 5000)
        return
    dlg = BulkTriageDialog(_triage(window), ids, window)
    window.bulk_dialog = dlg  # type: ignore[attr-defined]  # reachable for tests
    accepted = dlg.exec() == QDialog.DialogCode.Accepted
    window.activateWindow()
    if accepted:
        window.refresh()
        window.statusBar().showMessage(dlg.summary(), 10000)


def extend_deadline(window: MainWindow) -> None:
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
    window.extend_dialog = dlg  # type: ignore[attr-defined]
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


def record_holding_reply(window: MainWindow) -> None:
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

    def __init__(self, window: MainWindow) -> None:
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


def _action(window: MainWindow, text: str, shortcut: str, tip: str, slot, name: str) -> QAction:  # noqa: ANN001
    act = QAction(text, window)
    act.setObjectName(name)
    act.setShortcut(QKeySequence(shortcut))
    act.setStatusTip(tip)
    act.triggered.connect(slot)
    window.addAction(act)
    window.case_menu.addAction(act)
    return act


def install(window: MainWindow) -> None:
    window.triage_action = _action(  # type: ignore[attr-defined]
        window,
        "&Triage…",
        TRIAGE_SHORTCUT,
        "Walk the untriaged cases one by one",
        lambda: open_triage(window),
        "openTriage",
    )
    window.bulk_triage_action = _action(  # type: ignore[attr-defined]
        window,
        "&Bulk triage…",
        BULK_SHORTCUT,
        "Set team, drafter, priority, themes or reply type on the selected cases",
        lambda: bulk_triage(window),
        "bulkTriage",
    )
    window.case_menu.addSeparator()
    window.extend_action = _action(  # type: ignore[attr-defined]
        window,
        "&Extend deadline…",
        EXTEND_SHORTCUT,
        "Move the selected case's due date, with a reason",
        lambda: extend_deadline(window),
        "extendDeadline",
    )
    window.holding_action = _action(  # type: ignore[attr-defined]
        window,
        "Record &holding reply",
        HOLDING_SHORTCUT,
        "Note that a holding reply went out today",
        lambda: record_holding_reply(window),
        "recordHoldingReply",
    )
    box = DeadlineBox(window)
    window.deadline_box = box  # type: ignore[attr-defined]
    window.detail.tabs.addTab(box, DeadlineBox.TITLE)

    def follow(*_args: object) -> None:
        rows = window.table.selectionModel().selectedRows()
        box.show_case(window.current_case_id() if rows else None)

    def after_reset() -> None:
        # As the detail pane: keep showing the case across a reload, clear on an empty list.
        box.show_case(box.case_id if window.model.rowCount() else None)

    window.table.selectionModel().selectionChanged.connect(follow)
    window.model.modelReset.connect(after_reset)
    window.user_changed.connect(lambda _username: _user_changed(window))
