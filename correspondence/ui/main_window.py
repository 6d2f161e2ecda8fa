"""The main window: filters, the paged case list, the detail pane, the status bar."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QItemSelection, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.cases.case_list import CaseFilter, Counts, DueFilter
from correspondence.services.desk import Desk
from correspondence.services.errors import ServiceError
from correspondence.ui import actions
from correspondence.ui.accessibility import make_reachable
from correspondence.ui.actions import DeskWindow, Feature, Menu, Section, close_widget
from correspondence.ui.background import LatestOnly, read_pool
from correspondence.ui.features import features
from correspondence.ui.models.case_table_model import COLUMNS, LEGEND, CaseTableModel
from correspondence.ui.widgets.case_detail import CaseDetailPane
from correspondence.ui.widgets.filter_bar import FilterBar

APP_TITLE = "Correspondence Desk"
# Reference, Days left, Status, Correspondent, Due, Team, Campaign, Themes, Received,
# On behalf of: the columns as first shown (logical numbers are COLUMNS' order).
VISUAL_ORDER = (0, 3, 7, 4, 2, 8, 9, 6, 1, 5)
DEFAULT_SORT_COLUMN = 3  # Days left, ascending: most urgent first
CLOSE_WAIT_MS = 5000


class MainWindow(DeskWindow):
    def __init__(self, desk: Desk, settings: QSettings | None = None, db_label: str = "") -> None:
        super().__init__()
        self.desk = desk
        self.settings = settings or QSettings()
        actor = desk.actor()
        self.setWindowTitle(
            f"{APP_TITLE} — {actor.display_name}" + (f" — {db_label}" if db_label else "")
        )
        # Fits a 1366×768 screen with its task bar; larger screens restore their own size.
        self.resize(1340, 690)

        self.filters = FilterBar(desk.status_choices(), desk.theme_choices(), desk.team_choices())
        self.model = CaseTableModel(
            lambda flt, sort, desc, after, limit: desk.list_page(
                flt, sort=sort, descending=desc, after=after, limit=limit
            ),
            self,
        )
        self.table = QTableView()
        self.table.setObjectName("caseTable")
        self.table.setAccessibleName("Cases")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicatorShown(True)
        for col, width in enumerate((152, 92, 88, 72, 150, 150, 110, 118, 135, 120)):
            self.table.setColumnWidth(col, width)
        # What matters first: days left and status beside the reference, then who, when, team
        # and campaign, all in view on a 1366-pixel screen (long names are elided). The order
        # is saved with the header when people move it.
        for visual, logical in enumerate(VISUAL_ORDER):
            header.moveSection(header.visualIndex(logical), visual)
        self.legend = QLabel(LEGEND)
        self.legend.setObjectName("listLegend")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("padding: 2px 4px;")
        self.detail = CaseDetailPane()
        # Reads behind a click run on a worker; only the newest answer is shown.
        self.detail_reads = LatestOnly(self)
        self.count_reads = LatestOnly(self)
        self._reselect: int | None = None  # the case to select again once a refresh arrives
        list_pane = QWidget()
        list_layout = QVBoxLayout(list_pane)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.setSpacing(2)
        list_layout.addWidget(self.table, 1)
        list_layout.addWidget(self.legend)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(list_pane)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([860, 480])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filters)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.counts_label = QLabel()
        self._counts: Counts | None = None
        self.counts_label.setObjectName("counts")
        self.statusBar().addPermanentWidget(self.counts_label)
        self.shortcuts_dialog: QDialog | None = None
        kinds = features()
        self.features = {kind: kind(self) for kind in kinds}
        self.built_actions = actions.build(self, [WindowCommands, *kinds])
        found = actions.menus(self)
        self.file_menu, self.view_menu = found[Menu.FILE], found[Menu.VIEW]
        self.case_menu, self.tools_menu = found[Menu.CASE], found[Menu.TOOLS]
        self.go_menu, self.help_menu = found[Menu.GO], found[Menu.HELP]
        actions.sync_enabled(self, self.built_actions)
        self.user_changed.connect(lambda _u: actions.sync_enabled(self, self.built_actions))

        self.filters.changed.connect(self.apply_filter)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._after_reset)
        self.model.rowsInserted.connect(self._write_counts)  # "(N loaded)" as pages arrive
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._indicator_changed)
        self.user_changed.connect(lambda _username: self._apply_person_sort())

        self._restore_state()
        self._sync_sort_from_header()
        # Connected only now: restoring the desk's header state is not this person's choice.
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._remember_sort)
        self.model.configure_filter(self.filters.current())
        # Enabling sorting sorts (and so loads the first page) at once: one query, not two.
        self.table.setSortingEnabled(True)
        if not self.model.loaded:
            self.apply_filter(self.filters.current())
        # The first page was read before the window showed; every later one in the background.
        self.model.background = True
        self.model.busy_changed.connect(self._list_busy)
        self.model.load_failed.connect(self._list_failed)
        make_reachable(self)

    # --- behaviour -----------------------------------------------------------------
    def apply_filter(self, flt: CaseFilter) -> None:
        try:
            self.model.set_filter(flt)
        except ServiceError as exc:
            QMessageBox.warning(self, APP_TITLE, str(exc))

    def quick_filter(self, *, status: str = "", due: DueFilter = DueFilter.ANY) -> None:
        for combo, value in ((self.filters.status, status), (self.filters.due, due.value)):
            index = combo.findData(value) if value else 0
            combo.blockSignals(True)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
        self.apply_filter(self.filters.current())

    def refresh(self) -> None:
        """Read the list again at once (a feature that has just changed a case looks at it)."""
        selected = self.current_case_id()
        self.model.reload()
        if selected is not None:
            self.select_case(selected)

    def refresh_in_background(self) -> None:
        """Read the list again on a worker (F5); the case selected now is selected again
        when the list arrives."""
        selected = self.current_case_id()
        if selected is not None:
            self._reselect = selected
        self.model.request_reload()

    def focus_search(self) -> None:
        self.filters.search.setFocus()
        self.filters.search.selectAll()

    def current_case_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        row = self.model.row_at(index.row())
        return row.id if row else None

    def select_case(self, case_id: int) -> bool:
        self.model.settle()
        row = self.model.row_of_case(case_id)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    def _indicator_changed(self, column: int, _order: Qt.SortOrder) -> None:
        if COLUMNS[column][1] is None:  # not sortable: put the arrow back where the sort is
            self._after_reset()

    def _remember_sort(self, column: int, order: Qt.SortOrder) -> None:
        if COLUMNS[column][1] is not None:
            self.settings.setValue(self._sort_key(), f"{column},{order.value}")

    def _sort_key(self) -> str:
        # Each person's own order: a shared desk keeps one list, sorted as each likes it.
        return f"people/{self.desk.username}/sort"

    def _person_sort(self) -> tuple[int, Qt.SortOrder] | None:
        saved = str(self.settings.value(self._sort_key(), "") or "")
        column, _, order = saved.partition(",")
        if not column.isdigit() or not order.isdigit():
            return None
        col = int(column)
        if not 0 <= col < len(COLUMNS) or COLUMNS[col][1] is None:
            return None
        return col, Qt.SortOrder(int(order))

    def _apply_person_sort(self) -> None:
        """The person now at the desk sees the list in their own order (most urgent first
        until they choose another)."""
        column, order = self._person_sort() or (DEFAULT_SORT_COLUMN, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setSortIndicator(column, order)

    def _after_reset(self) -> None:
        header = self.table.horizontalHeader()
        order = (
            Qt.SortOrder.DescendingOrder if self.model.descending else Qt.SortOrder.AscendingOrder
        )
        header.blockSignals(True)
        header.setSortIndicator(self.model.sort_column(), order)
        header.blockSignals(False)
        self._counts = None  # the last list's: never shown beside this one's rows
        self._update_counts()
        if self._reselect is not None:
            # Not select_case: it would read at once a page still on its way.
            row = self.model.row_of_case(self._reselect)
            self._reselect = None
            if row is not None:
                self.table.selectRow(row)
        # A reset drops the selection without a signal: never leave another case showing.
        # (Unless whoever reset it holds the selection's signals: a live refresh, which puts
        # the person's selection back and keeps their read of it on its way.)
        selection = self.table.selectionModel()
        if not selection.selectedRows() and not selection.signalsBlocked():
            self.detail_reads.cancel()
            self.detail.clear()

    @property
    def loading(self) -> bool:
        """Whether anything behind the last click (the list, its counts, the selected case)
        is still being read."""
        return any(reads.busy for reads in self.findChildren(LatestOnly))

    def _list_busy(self, busy: bool) -> None:
        if busy:
            self.counts_label.setText("Loading the list…")

    def _list_failed(self, message: str) -> None:
        self.counts_label.setText("The list could not be read.")
        self.statusBar().showMessage(f"The list could not be read: {message}", 8000)

    def _update_counts(self) -> None:
        flt = self.model.case_filter
        if not self.model.background:  # the window is opening: read at once
            self._show_counts(self.desk.counts(flt))
            return
        self.count_reads.run(
            lambda: self.desk.counts(flt),
            self._show_counts,
            lambda message: self.counts_label.setText(f"Counts not available: {message}"),
        )

    def _show_counts(self, c: Counts) -> None:
        self._counts = c
        self._write_counts()

    def _write_counts(self) -> None:
        c = self._counts
        if c is None:
            return
        loaded, more = self.model.rowCount(), self.model.canFetchMore()
        shown, shown_text = c.shown, c.shown_text
        if c.shown_is_estimate and not more:
            # Every match is loaded: their number is known exactly, whatever the sample said
            # (a rare word within a status was "about 56" beside the one case listed).
            shown, shown_text = loaded, f"{loaded:,}"
        cases = "case" if shown == 1 else "cases"
        self.counts_label.setText(
            f"Showing {shown_text} {cases} ({loaded:,}{'+' if more else ''} loaded)   ·   "
            f"Open {c.open:,}   ·   Overdue {c.overdue:,}   ·   Due this week {c.due_this_week:,}"
        )

    def _selection_changed(self, _sel: QItemSelection, _desel: QItemSelection) -> None:
        case_id = self.current_case_id()
        rows = self.table.selectionModel().selectedRows()
        if case_id is None or not rows:
            self.detail_reads.cancel()
            self.detail.clear()
            return
        row = self.model.row_at(self.table.currentIndex().row())
        self.detail.show_loading(row.reference if row else "The case")
        self.detail_reads.run(
            lambda: self.desk.detail(case_id), self.detail.show_case, self.detail.show_error
        )

    def show_shortcuts(self) -> QDialog:
        """Every command's keys, read from the window's actions (so none is forgotten)."""
        from correspondence.ui.shortcuts_help import ShortcutsDialog

        close_widget(self.shortcuts_dialog)
        dialog = self.shortcuts_dialog = ShortcutsDialog(self, self.built_actions)
        dialog.show()
        return dialog

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_TITLE}",
            f"<b>{APP_TITLE}</b><p>Logging, triage, standard lines and replies for a "
            "ministerial private office.</p>",
        )

    # --- persistence -----------------------------------------------------------------
    def _restore_state(self) -> bool:
        """Window, splitter, columns and filters as they were; False on a first run."""
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = s.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        header = s.value("window/header")
        restored = isinstance(header, QByteArray) and self.table.horizontalHeader().restoreState(
            header
        )
        self.filters.restore(s)
        return restored

    def _sync_sort_from_header(self) -> None:
        # The sort is each person's (the header's saved state is the desk's, shared).
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(
            *(self._person_sort() or (DEFAULT_SORT_COLUMN, Qt.SortOrder.AscendingOrder))
        )
        header.blockSignals(False)
        self.model.configure_sort(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def save_state(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("window/header", self.table.horizontalHeader().saveState())
        self.filters.save(s)
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_state()
        # A read still on its way finishes first, so it leaves no connection open behind it.
        read_pool().waitForDone(CLOSE_WAIT_MS)
        super().closeEvent(event)


def _main(window: DeskWindow) -> MainWindow:
    assert isinstance(window, MainWindow)
    return window


class WindowCommands(Feature):
    """The window's own commands: quit, the list's views, moving about, help."""


_own = WindowCommands.action
_own(
    "quit",
    "&Quit",
    Menu.FILE,
    Section.LAST,
    shortcut=QKeySequence.StandardKey.Quit,
    tip="Close the window",
)(lambda w: w.close())
_own(
    "refresh",
    "&Refresh",
    Menu.VIEW,
    Section.FIRST,
    shortcut=QKeySequence.StandardKey.Refresh,
    tip="Reload the list",
)(lambda w: w.refresh_in_background())
_own(
    "find",
    "&Find…",
    Menu.VIEW,
    Section.FIRST,
    shortcut=QKeySequence.StandardKey.Find,
    tip="Search the cases",
)(lambda w: _main(w).focus_search())
_own(
    "openCases",
    "&Open cases",
    Menu.VIEW,
    Section.WORK,
    shortcut="Ctrl+1",
    tip="Only the open cases",
)(lambda w: _main(w).quick_filter(status="open"))
_own(
    "overdueCases",
    "O&verdue cases",
    Menu.VIEW,
    Section.WORK,
    shortcut="Ctrl+2",
    tip="Only the overdue cases",
)(lambda w: _main(w).quick_filter(due=DueFilter.OVERDUE))
_own(
    "dueThisWeek",
    "Due this &week",
    Menu.VIEW,
    Section.WORK,
    shortcut="Ctrl+3",
    tip="Only the cases due this week",
)(lambda w: _main(w).quick_filter(due=DueFilter.THIS_WEEK))
_own(
    "allCases", "&All cases", Menu.VIEW, Section.WORK, shortcut="Ctrl+0", tip="Clear every filter"
)(lambda w: w.filters.clear())
_own("goToList", "&List", Menu.GO, Section.FIRST, shortcut="Ctrl+L", tip="Move to the case list")(
    lambda w: w.table.setFocus()
)
_own(
    "goToDetails", "&Details", Menu.GO, Section.FIRST, shortcut="Ctrl+D", tip="Move to the details"
)(lambda w: w.detail.tabs.setFocus())
_own(
    "showShortcuts",
    "&Keyboard shortcuts",
    Menu.HELP,
    Section.FIRST,
    shortcut="F1",
    tip="Every command's keys",
)(lambda w: _main(w).show_shortcuts())
_own("about", "&About", Menu.HELP, Section.LAST)(lambda w: _main(w).show_about())


__all__ = ["MainWindow", "COLUMNS"]
