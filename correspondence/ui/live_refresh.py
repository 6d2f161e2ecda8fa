"""Other people's changes appear without a restart.

A `ChangeFeed` (services/cases/change_feed.py) watches the database on its own thread; its
callback emits a Qt signal, which Qt queues to the GUI thread. There a read of the list
(as many pages as are loaded) and of the selected case is started on a worker at most about
once a second: the window never waits on the database for someone else's change. Until the
answer comes the list stays as it is; a change announced meanwhile is folded into one more
read after it. The answer keeps the selection, the current case, the loaded pages and the
scroll position as they are when it arrives; it is dropped if the person has asked for
another filter or sort meanwhile (their own read is newer), and the detail pane is redrawn
only if the selected case itself changed and the person has not clicked elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QElapsedTimer,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QObject,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import QLabel
from sqlalchemy import Engine

from correspondence.services.cases.case_list import Page
from correspondence.services.cases.cases import CaseDetail
from correspondence.services.cases.change_feed import ChangeFeed
from correspondence.services.errors import ServiceError
from correspondence.ui.actions import DeskWindow, Feature
from correspondence.ui.background import LatestOnly

MIN_INTERVAL_MS = 1000  # a flood of changes refreshes at most this often
GATHER_MS = 150  # let a burst of notifications arrive before refreshing
FEED_WAIT_S = 0.25  # on loopback or SQLite the feed watches well within this


class _Bridge(QObject):
    # Emitted on the feed's thread; the connection to a GUI-thread slot is queued.
    changed = Signal(str)


UPDATING = "Updating with others' changes…"


@dataclass(frozen=True)
class _Fresh:
    """What a refresh read on its worker: plain values, no session."""

    page: Page
    case_id: int | None
    detail: CaseDetail | None


class LiveRefresh(Feature):
    refreshed = Signal()

    def __init__(self, window: DeskWindow, min_interval_ms: int = MIN_INTERVAL_MS) -> None:
        super().__init__(window)
        self.min_interval_ms = min_interval_ms
        self.refreshes = 0  # answers shown in the list
        self.notifications = 0
        self._active = False
        self._again = False  # a change was announced while a read was on its way
        self._reads = LatestOnly(self)
        self._resets = 0  # times the list was read anew, by anyone
        window.model.modelReset.connect(self._list_reset)
        self._reads.busy_changed.connect(self._busy)
        self.busy_label = QLabel(UPDATING)
        self.busy_label.setObjectName("liveRefreshBusy")
        self.busy_label.setStyleSheet("color: #555;")
        self.busy_label.hide()
        window.statusBar().addPermanentWidget(self.busy_label)
        self._since = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh_now)
        self._bridge = _Bridge(self)
        self._bridge.changed.connect(self._on_change)
        engine: Engine = window.desk.uow.engine
        self.feed = ChangeFeed(engine, self._bridge.changed.emit)
        window.installEventFilter(self)
        window.destroyed.connect(lambda *_: self.feed.stop(wait=0))
        if window.isVisible():  # otherwise it starts when the window is first shown
            self.start()

    def start(self) -> None:
        self._active = True
        # A moment, not the feed's 5 s: on a distant server the listening connection takes
        # several round trips, and the feed announces anything committed before it watched.
        self.feed.start(wait=FEED_WAIT_S)

    def stop(self) -> None:
        # Notifications already queued to the GUI thread still arrive: _active drops them.
        self._active = False
        self._again = False
        self._timer.stop()
        self._reads.cancel()
        self.feed.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.window:
            if event.type() == QEvent.Type.Close:
                self.stop()
            elif event.type() == QEvent.Type.Show and not self.feed.running:
                self.start()
        return False

    def _on_change(self, _source: str) -> None:
        if not self._active:
            return
        self.notifications += 1
        self._schedule()

    def _schedule(self) -> None:
        if self._timer.isActive():
            return  # a refresh is already due: this change will be in it
        elapsed = self._since.elapsed() if self._since.isValid() else self.min_interval_ms
        self._timer.start(max(GATHER_MS, self.min_interval_ms - elapsed))

    def refresh_now(self) -> None:
        """Read the list again on a worker, as many rows as are loaded, and the selected case;
        show them as the list is when they arrive."""
        if not self._active:
            return
        if self._reads.busy:
            # That read may have begun before this change: one more after it, not one a change.
            self._again = True
            return
        self._since.start()
        w = self.window
        read_list = w.model.read_again(keep_rows=w.model.rowCount())
        query = w.model.query
        case_id = w.current_case_id()
        desk = w.desk

        def read() -> _Fresh:
            page = read_list()
            try:
                detail = desk.detail(case_id) if case_id is not None else None
            except ServiceError:  # gone, or no longer this person's to see
                detail = None
            return _Fresh(page, case_id, detail)

        resets = self._resets
        self._reads.run(
            read, lambda fresh: self._arrived((query, desk, resets), fresh), self._failed
        )

    def _list_reset(self) -> None:
        self._resets += 1

    def _busy(self, busy: bool) -> None:
        self.busy_label.setVisible(busy)

    def _failed(self, message: str) -> None:  # e.g. the server went away
        self.window.statusBar().showMessage(f"Could not refresh the list: {message}", 8000)
        self._follow_up()

    def _arrived(self, asked: object, fresh: _Fresh) -> None:
        w = self.window
        if w.model.loading or asked != (w.model.query, w.desk, self._resets):
            # The list was read anew meanwhile (a sort, a filter, F5, the person's own change,
            # another person at the desk), or is being read: this answer may be older than what
            # shows. Drop it, and read once more after, should that read have begun before the
            # change announced.
            self._again = True
        else:
            self._show(fresh)
        self._follow_up()

    def _follow_up(self) -> None:
        if self._again and self._active:
            self._again = False
            self._schedule()

    def _show(self, fresh: _Fresh) -> None:
        """Put the rows read in the list, keeping what the person has chosen meanwhile."""
        self.refreshes += 1
        w = self.window
        table, model = w.table, w.model
        selection = table.selectionModel()
        selected = {
            row.id for i in selection.selectedRows() if (row := model.row_at(i.row())) is not None
        }
        current = w.current_case_id()
        current_column = max(table.currentIndex().column(), 0)
        vscroll = table.verticalScrollBar().value()
        hscroll = table.horizontalScrollBar().value()
        # All within one turn of the event loop: the list is never painted empty between.
        table.setUpdatesEnabled(False)
        selection.blockSignals(True)  # not a new selection: the detail pane is handled below
        try:
            model.replace(fresh.page)
            keep = QItemSelection()
            for r in range(model.rowCount()):
                row = model.row_at(r)
                if row is not None and row.id in selected:
                    keep.select(model.index(r, 0), model.index(r, model.columnCount() - 1))
            selection.select(keep, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            now = model.row_of_case(current) if current is not None else None
            if now is not None:
                selection.setCurrentIndex(
                    model.index(now, current_column), QItemSelectionModel.SelectionFlag.NoUpdate
                )
        finally:
            selection.blockSignals(False)
            table.verticalScrollBar().setValue(vscroll)
            table.horizontalScrollBar().setValue(hscroll)
            table.setUpdatesEnabled(True)
        table.viewport().update()
        if current is None or now is None:
            if not selection.selectedRows():
                w.detail_reads.cancel()
                w.detail.clear()
        elif (
            current == fresh.case_id
            and fresh.detail is not None
            and not w.detail_reads.busy  # the person's own read of it is newer
            and fresh.detail != w.detail.shown
        ):
            w.detail.show_case(fresh.detail)
        self.refreshed.emit()
