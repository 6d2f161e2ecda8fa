"""The case list as a Qt model, fed page by page from the database.

Only the pages a person has scrolled through are held; sorting and filtering
happen in SQL, and the next page is asked for by keyset when the view nears
the end (`canFetchMore`/`fetchMore`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from correspondence.services.cases.case_list import CaseFilter, CaseRow, Page, SortKey
from correspondence.ui.background import LatestOnly

Fetch = Callable[[CaseFilter, SortKey, bool, tuple[Any, int] | None, int], Page]
Index = QModelIndex | QPersistentModelIndex

COLUMNS: tuple[tuple[str, SortKey | None], ...] = (
    ("Reference", SortKey.REFERENCE),
    ("Received", SortKey.RECEIVED),
    ("Due", SortKey.DUE),
    ("Days left", SortKey.URGENCY),
    ("Correspondent", SortKey.CORRESPONDENT),
    ("On behalf of", None),
    ("Themes", None),
    ("Status", SortKey.STATUS),
    ("Team", SortKey.TEAM),
    ("Campaign", SortKey.CAMPAIGN),
)

# What each column's marks mean, for the header's tooltips (the legend says it too).
HEADER_TIPS: dict[str, str] = {
    "Reference": "The case reference. Bold: high or urgent priority.",
    "Received": "The date the letter was received.",
    "Due": "The reply's deadline. Red: overdue; amber: due within 5 working days.",
    "Days left": (
        "Working days to the deadline; negative when overdue. "
        "“—”: no deadline (the case is closed or needs no reply). "
        "Sorted here, the most urgent come first."
    ),
    "Correspondent": "Who wrote: the reply goes to them.",
    "On behalf of": "The constituents an MP or peer wrote for.",
    "Themes": "The case's theme codes (the details pane names them).",
    "Status": "Where the case is in its journey, from Logged to Dispatched or Closed.",
    "Team": "The team drafting the reply.",
    "Campaign": "The campaign the letter belongs to, if any.",
}
LEGEND = (
    "<b>Bold</b> reference: high or urgent priority · "
    "<span style='background:#f8d7da; color:#842029'>&nbsp;red&nbsp;</span> overdue · "
    "<span style='background:#fff3cd; color:#664d03'>&nbsp;amber&nbsp;</span> due within "
    "5 working days · “—” in Days left: no deadline (closed, or no reply needed)"
)

OVERDUE_BG = QColor("#f8d7da")
OVERDUE_FG = QColor("#842029")
SOON_BG = QColor("#fff3cd")
SOON_FG = QColor("#664d03")
DUE_SOON_DAYS = 5


class CaseTableModel(QAbstractTableModel):
    PAGE_SIZE = 200
    CaseIdRole = Qt.ItemDataRole.UserRole + 1
    # A page read in the background could not be had (a message for the person).
    load_failed = Signal(str)

    def __init__(self, fetch: Fetch, parent: Any = None) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._rows: list[CaseRow] = []
        self._has_more = False
        self._filter = CaseFilter()
        # Most urgent first: the most overdue open case at the top.
        self._sort = SortKey.URGENCY
        self._descending = False
        self._loaded = False
        # Off: pages are read at once (as when the window opens). On: a new sort, filter or
        # page is read on a worker and the list stays as it is until the answer comes.
        self.background = False
        self._reads = LatestOnly(self)
        self._more = LatestOnly(self)
        self.busy_changed = self._reads.busy_changed

    # --- configuration ---------------------------------------------------------
    @property
    def case_filter(self) -> CaseFilter:
        return self._filter

    @property
    def sort_key(self) -> SortKey:
        return self._sort

    @property
    def descending(self) -> bool:
        return self._descending

    @property
    def loaded(self) -> bool:
        """Whether a first page has been fetched since the model was made."""
        return self._loaded

    def configure_filter(self, flt: CaseFilter) -> None:
        """Set the filter without fetching (the next reload uses it)."""
        self._filter = flt

    @property
    def loading(self) -> bool:
        """Whether a first page asked for in the background is still on its way."""
        return self._reads.busy

    def set_filter(self, flt: CaseFilter) -> None:
        self._filter = flt
        self.request_reload()

    def request_reload(self) -> None:
        """Start again from the first page: in the background if the model is so set."""
        if not self.background:
            self.reload()
            return
        self._more.cancel()
        flt, sort, desc = self._filter, self._sort, self._descending
        self._reads.run(
            lambda: self._fetch(flt, sort, desc, None, self.PAGE_SIZE),
            self._reset_to,
            self.load_failed.emit,
        )

    def settle(self) -> None:
        """Read at once a page still on its way: a feature that has just changed the filter,
        or asked for more, is about to look for a case in the list."""
        if self._reads.busy:
            self.reload()
        elif self._more.busy and self._rows:
            self._more.cancel()
            last = self._rows[-1]
            after = (last.sort_value, last.id)
            self._append(
                self._fetch(self._filter, self._sort, self._descending, after, self.PAGE_SIZE)
            )

    def reload(self, keep_rows: int = 0) -> None:
        """Start again from the first page at once (after a filter, sort or data change),
        reading on until `keep_rows` rows are loaded again."""
        self._reads.cancel()
        self._more.cancel()
        self._reset_to(self.read_again(keep_rows)())

    @property
    def query(self) -> tuple[CaseFilter, SortKey, bool]:
        """What the list shows: its filter, sort and direction."""
        return self._filter, self._sort, self._descending

    def read_again(self, keep_rows: int = 0) -> Callable[[], Page]:
        """A read of the list as it is asked for now, from the first page until `keep_rows`
        rows: safe to run on a worker (it holds no model state), to be shown by `replace`."""
        fetch, (flt, sort, desc), size = self._fetch, self.query, self.PAGE_SIZE

        def read() -> Page:
            page = fetch(flt, sort, desc, None, size)
            rows = list(page.rows)
            while page.has_more and rows and len(rows) < keep_rows:
                page = fetch(flt, sort, desc, (rows[-1].sort_value, rows[-1].id), size)
                rows.extend(page.rows)
            return Page(rows, page.has_more)

        return read

    def replace(self, page: Page) -> None:
        """Show rows read again by `read_again` (a page asked for meanwhile would follow rows
        that have moved: it is dropped, and asked for again as the view scrolls)."""
        self._more.cancel()
        self._reset_to(page)

    def _reset_to(self, page: Page) -> None:
        self._loaded = True
        self.beginResetModel()
        self._rows = list(page.rows)
        self._has_more = page.has_more
        self.endResetModel()

    def row_at(self, row: int) -> CaseRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of_case(self, case_id: int) -> int | None:
        for i, r in enumerate(self._rows):
            if r.id == case_id:
                return i
        return None

    # --- Qt model API ----------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(COLUMNS[section][0])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == self.CaseIdRole:
            return r.id
        if role == Qt.ItemDataRole.ToolTipRole:
            if col in (2, 3) and r.days_left is None:
                return (
                    "No deadline: no reply is needed"
                    if r.due_on is None
                    else f"No days left to count: the case is {r.status.label.lower()}"
                )
            if col in (2, 3) and r.days_left is not None:
                return (
                    f"{-r.days_left} working days overdue"
                    if r.overdue
                    else f"{r.days_left} working days to the deadline"
                )
            if col == 0 and r.priority != "normal":
                return f"{r.reference} — {r.priority} priority (shown in bold)"
            if col == 6:
                return ", ".join(r.themes)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole) and col in (
            2,
            3,
        ):
            return self._deadline_brush(r, role)
        if role == Qt.ItemDataRole.FontRole and r.priority != "normal" and col == 0:
            font = QFont()
            font.setBold(True)
            return font
        return None

    @staticmethod
    def _display(r: CaseRow, col: int) -> str:
        if col == 0:
            return r.reference
        if col == 1:
            return r.received_on.strftime("%d %b %Y")
        if col == 2:
            return r.due_on.strftime("%d %b %Y") if r.due_on else "—"
        if col == 3:
            return "—" if r.days_left is None else str(r.days_left)
        if col == 4:
            return r.correspondent
        if col == 5:
            return r.on_behalf_of
        if col == 6:
            return ", ".join(r.themes)
        if col == 7:
            return r.status.label
        if col == 8:
            return r.team
        return r.campaign

    @staticmethod
    def _deadline_brush(r: CaseRow, role: int) -> QBrush | None:
        if r.days_left is None:
            return None
        bg = role == Qt.ItemDataRole.BackgroundRole
        if r.overdue:
            return QBrush(OVERDUE_BG if bg else OVERDUE_FG)
        if r.days_left <= DUE_SOON_DAYS:
            return QBrush(SOON_BG if bg else SOON_FG)
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self._has_more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or not self._has_more or not self._rows:
            return
        last = self._rows[-1]
        flt, sort, desc = self._filter, self._sort, self._descending
        after = (last.sort_value, last.id)
        if not self.background:
            self._append(self._fetch(flt, sort, desc, after, self.PAGE_SIZE))
        elif not self._more.busy:  # the view asks again while the page is on its way
            self._more.run(
                lambda: self._fetch(flt, sort, desc, after, self.PAGE_SIZE),
                self._append,
                self.load_failed.emit,
            )

    def _append(self, page: Page) -> None:
        self._has_more = page.has_more  # known before the rows are announced, to whoever counts
        if page.rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()

    def configure_sort(self, column: int, order: Qt.SortOrder) -> bool:
        """Choose the sort without reloading; False for a column that cannot be sorted."""
        key = COLUMNS[column][1]
        if key is None:
            return False  # sorted in SQL only; these columns have no single sort value
        self._sort = key
        self._descending = order == Qt.SortOrder.DescendingOrder
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self.configure_sort(column, order):
            self.request_reload()

    def sort_column(self) -> int:
        return next(i for i, (_, key) in enumerate(COLUMNS) if key is self._sort)
