"""What a feature may use of the main window: its list, filters and details, who is at the
desk, and the menus it adds to. Features see this class, never `main_window` (which lists
the features), so the window and its features do not import one another."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QTableView, QWidget

from correspondence.services.case_list import CaseFilter
from correspondence.services.desk import Desk
from correspondence.ui.models.case_table_model import CaseTableModel
from correspondence.ui.widgets.case_detail import CaseDetailPane
from correspondence.ui.widgets.filter_bar import FilterBar


class DeskWindow(QMainWindow):
    # Another person now works at this desk (their username): `desk` is already theirs, and
    # each feature rebuilds whatever it made for the last user.
    user_changed = Signal(str)

    desk: Desk
    settings: QSettings
    filters: FilterBar
    model: CaseTableModel
    table: QTableView
    detail: CaseDetailPane
    counts_label: QLabel
    file_menu: QMenu
    view_menu: QMenu
    case_menu: QMenu
    tools_menu: QMenu
    go_menu: QMenu
    help_menu: QMenu
    quit_action: QAction

    def apply_filter(self, flt: CaseFilter) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        raise NotImplementedError

    def current_case_id(self) -> int | None:
        raise NotImplementedError

    def select_case(self, case_id: int) -> bool:
        raise NotImplementedError

    def close_companion(self, name: str) -> None:
        """Close and forget the window a feature keeps as attribute `name` (built for one
        user, say); the feature builds a new one when it is next wanted."""
        companion: QWidget | None = getattr(self, name, None)
        if companion is not None:
            companion.close()
            companion.deleteLater()
            setattr(self, name, None)
