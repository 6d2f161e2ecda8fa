"""Other people's changes appear without a restart.

A `ChangeFeed` (services/cases/change_feed.py) watches the database on its own thread; its
callback emits a Qt signal, which Qt queues to the GUI thread. There the list is
reloaded at most about once a second, keeping the selection, the current case, the
loaded pages and the scroll position; the detail pane is redrawn only if the selected
case itself changed.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QElapsedTimer,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QObject,
    QTimer,
    Signal,
)
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from correspondence.services.cases.cases import CaseDetail
from correspondence.services.cases.change_feed import ChangeFeed
from correspondence.services.errors import ServiceError
from correspondence.ui.actions import DeskWindow, Feature

MIN_INTERVAL_MS = 1000  # a flood of changes refreshes at most this often
GATHER_MS = 150  # let a burst of notifications arrive before refreshing


class _Bridge(QObject):
    # Emitted on the feed's thread; the connection to a GUI-thread slot is queued.
    changed = Signal(str)


class LiveRefresh(Feature):
    refreshed = Signal()

    def __init__(self, window: DeskWindow, min_interval_ms: int = MIN_INTERVAL_MS) -> None:
        super().__init__(window)
        self.min_interval_ms = min_interval_ms
        self.refreshes = 0
        self.notifications = 0
        self._active = False
        self._detail: CaseDetail | None = None
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
        self.feed.start()

    def stop(self) -> None:
        # Notifications already queued to the GUI thread still arrive: _active drops them.
        self._active = False
        self._timer.stop()
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
        if self._timer.isActive():
            return  # a refresh is already due: this change will be in it
        elapsed = self._since.elapsed() if self._since.isValid() else self.min_interval_ms
        self._timer.start(max(GATHER_MS, self.min_interval_ms - elapsed))

    def refresh_now(self) -> None:
        """Reload the list as it was: same pages, selection, current row and scroll."""
        if not self._active:
            return
        self._since.start()
        try:
            self._reload()
        except (ServiceError, SQLAlchemyError) as exc:  # e.g. the server went away
            self.window.statusBar().showMessage(f"Could not refresh the list: {exc}", 8000)

    def _reload(self) -> None:
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
        loaded = model.rowCount()
        selection.blockSignals(True)  # not a new selection: the detail pane is handled below
        try:
            model.reload(keep_rows=loaded)
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
        table.viewport().update()
        self._refresh_detail(current if current is not None and now is not None else None)
        self.refreshed.emit()

    def _refresh_detail(self, case_id: int | None) -> None:
        if case_id is None:
            self._detail = None
            if not self.window.table.selectionModel().selectedRows():
                self.window.detail.clear()
            return
        try:
            detail = self.window.desk.detail(case_id)
        except ServiceError:
            return
        if detail != self._detail:
            self._detail = detail
            self.window.detail_reads.cancel()  # this read is newer than one still on its way
            self.window.detail.show_case(detail)
