"""The standard-line library: browse by theme, read a line's history, write and approve lines."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import cast

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.errors import ServiceError
from correspondence.services.lines.library import Library
from correspondence.services.lines.line_drift import DriftItem
from correspondence.services.lines.line_editing import NewLine
from correspondence.services.lines.line_roles import APPROVING_ROLES, DRAFTING_ROLES
from correspondence.services.lines.line_views import (
    STATUSES,
    LineDetail,
    LineFilter,
    LineSummary,
    VersionView,
)
from correspondence.ui.accessibility import make_reachable
from correspondence.ui.widgets.diff_view import DiffView
from correspondence.ui.widgets.line_editor import LineEditor
from correspondence.ui.widgets.line_usage_view import LineUsageView

TITLE = "Standard lines"
_OVERDUE = QColor("#b00020")
_STATUS_COLOURS = {
    "approved": "#0b5d1e",
    "submitted": "#8a5a00",
    "draft": "#0451a5",
    "rejected": "#b00020",
    "retired": "#666666",
}
VERSION_COLUMNS = ("Version", "Status", "Author", "Created", "Submitted", "Approved by", "Note")
DRIFT_COLUMNS = ("Case", "Draft", "Drafter", "Paragraph", "Uses", "Approved now")


def _when(value: object) -> str:
    return f"{value:%d %b %Y %H:%M}" if value else ""


def _note(v: VersionView) -> str:
    if v.status == "rejected":
        return f"Rejected: {v.rejected_reason}"
    if v.retired_at:
        why = f": {v.retired_reason}" if v.retired_reason else ""
        return f"Retired {v.retired_at:%d %b %Y}{why}"
    if v.approved_at:
        return f"Approved {v.approved_at:%d %b %Y %H:%M}"
    return ""


class LibraryWindow(QMainWindow):
    """Everything about standard lines; the services refuse what the buttons would not allow."""

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.actor = library.actor()
        self.setWindowTitle(f"{TITLE} — {self.actor.display_name}")
        self.setObjectName("libraryWindow")
        self.resize(1340, 690)  # fits a 1366×768 screen with its task bar
        self.current: LineDetail | None = None
        self.creating = False
        self.summaries: list[LineSummary] = []
        self.drift_items: list[DriftItem] = []
        # Swapped out by tests; a person gets a dialog.
        self.ask_reason: Callable[[str, str], str | None] = self._ask_reason
        self.show_error: Callable[[str], None] = self._show_error
        self._themes = {t.code: t.name for t in library.themes()}

        self._build_actions()
        self._build_left()
        self._build_right()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([380, 1020])

        self.banner = QLabel()
        self.banner.setObjectName("reviewBanner")
        self.banner.setStyleSheet(
            "QLabel { background:#fff4ce; color:#3d2e00; border:1px solid #e0c060; padding:6px; }"
        )
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.linkActivated.connect(lambda _l: self.review_filter.setChecked(True))

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.counts = QLabel()
        self.counts.setObjectName("libraryCounts")
        self.statusBar().addPermanentWidget(self.counts)

        self.reload()
        self._update_actions()
        make_reachable(self)

    # --- building ---------------------------------------------------------------------
    def _build_actions(self) -> None:
        bar = QToolBar("Line actions")
        bar.setObjectName("lineToolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)

        def action(
            text: str, slot: Callable[[], object], shortcut: str = "", tip: str = ""
        ) -> QAction:
            act = QAction(text, self)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.setStatusTip(tip or text.rstrip("…"))
            act.setToolTip(tip or text.rstrip("…"))
            act.triggered.connect(slot)
            bar.addAction(act)
            return act

        self.new_line_action = action("New line", self.new_line, "Ctrl+N", "Propose a new line")
        self.new_version_action = action(
            "New version", self.new_version, "Ctrl+Shift+N", "Start a change to this line"
        )
        self.save_action = action("Save draft", self.save_draft, "Ctrl+S", "Save the draft text")
        self.submit_action = action(
            "Submit", self.submit, "Ctrl+Return", "Send the draft to a policy lead for approval"
        )
        bar.addSeparator()
        self.approve_action = action("Approve", self.approve, "", "Approve the submitted version")
        self.reject_action = action("Reject…", self.reject, "", "Send it back with a reason")
        self.retire_action = action("Retire…", self.retire, "", "Take the line out of use")
        bar.addSeparator()
        self.review_action = action("Review by…", self.set_review_by, "", "Set the review date")
        self.refresh_action = action("Refresh", self.reload, "F5", "Reload the library")

    def _build_left(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("lineSearch")
        self.search.setAccessibleName("Search the lines")
        self.search.setPlaceholderText("Search key, title or wording")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.reload)
        self.search.textChanged.connect(lambda t: self.reload() if not t else None)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("lineStatusFilter")
        self.status_filter.addItem("Any status", "")
        for status in STATUSES:
            self.status_filter.addItem(f"Has a {status} version", status)
        self.theme_filter = QComboBox()
        self.theme_filter.setObjectName("lineThemeFilter")
        self.theme_filter.addItem("All themes", "")
        for code, name in self._themes.items():
            self.theme_filter.addItem(f"{code} — {name}", code)
        self.review_filter = QCheckBox("Past review-by date only")
        self.review_filter.setObjectName("reviewFilter")
        for signal in (
            self.status_filter.currentIndexChanged,
            self.theme_filter.currentIndexChanged,
            self.review_filter.toggled,
        ):
            signal.connect(lambda *_: self.reload())

        self.tree = QTreeWidget()
        self.tree.setObjectName("lineTree")
        self.tree.setAccessibleName("Standard lines")
        self.tree.setHeaderLabels(["Line", "Status", "Review by"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._tree_changed)

        self.left = QWidget()
        layout = QVBoxLayout(self.left)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        row = QHBoxLayout()
        row.addWidget(self.status_filter, 1)
        row.addWidget(self.theme_filter, 1)
        layout.addLayout(row)
        layout.addWidget(self.review_filter)
        layout.addWidget(self.tree, 1)

    def _build_right(self) -> None:
        self.header = QLabel("Choose a line on the left, or start a new one.")
        self.header.setObjectName("lineHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.versions = QTableWidget(0, len(VERSION_COLUMNS))
        self.versions.setObjectName("versionTable")
        self.versions.setAccessibleName("Versions of this line")
        self.versions.setHorizontalHeaderLabels(VERSION_COLUMNS)
        self.versions.verticalHeader().setVisible(False)
        self.versions.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.versions.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.versions.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.versions.horizontalHeader().setStretchLastSection(True)
        self.versions.itemSelectionChanged.connect(self._version_selected)
        self.versions.setMaximumHeight(170)

        self.diff_from = QComboBox()
        self.diff_from.setObjectName("diffFrom")
        self.diff_from.setAccessibleName("Compare version")
        self.diff_to = QComboBox()
        self.diff_to.setObjectName("diffTo")
        self.diff_to.setAccessibleName("with version")
        for combo in (self.diff_from, self.diff_to):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMinimumContentsLength(14)
            combo.currentIndexChanged.connect(lambda *_: self.show_diff())
        self.diff = DiffView()
        compare = QHBoxLayout()
        compare.addWidget(QLabel("Compare"))
        compare.addWidget(self.diff_from)
        compare.addWidget(QLabel("with"))
        compare.addWidget(self.diff_to)
        compare.addStretch(1)

        self.drift = QTableWidget(0, len(DRIFT_COLUMNS))
        self.drift.setObjectName("driftTable")
        self.drift.setAccessibleName("Open drafts using an older version")
        self.drift.setHorizontalHeaderLabels(DRIFT_COLUMNS)
        self.drift.verticalHeader().setVisible(False)
        self.drift.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.drift.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.drift.horizontalHeader().setStretchLastSection(True)
        self.drift.itemSelectionChanged.connect(self._drift_selected)
        self.drift.setMaximumHeight(150)
        self.drift_label = QLabel("Open drafts using an older version of this line")
        self.update_button = QPushButton("&Update paragraph to the approved version")
        self.update_button.setObjectName("updateParagraph")
        self.update_button.clicked.connect(self.update_paragraph)

        history = QWidget()
        h = QVBoxLayout(history)
        h.addWidget(self.header)
        h.addWidget(QLabel("Versions"))
        h.addWidget(self.versions)
        h.addLayout(compare)
        h.addWidget(self.diff, 1)
        h.addWidget(self.drift_label)
        h.addWidget(self.drift)
        drift_row = QHBoxLayout()
        drift_row.addStretch(1)
        drift_row.addWidget(self.update_button)
        h.addLayout(drift_row)

        self.editor = LineEditor(self.library)
        self.editor.set_new_line_mode(False)
        self.editor.body_changed.connect(self._update_actions)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("lineTabs")
        self.tabs.addTab(history, "&History")
        self.tabs.addTab(self.editor, "&Editor")
        self.usage = LineUsageView()
        self.tabs.addTab(self.usage, "&Where it went")

    # --- the list ----------------------------------------------------------------------
    def current_filter(self) -> LineFilter:
        return LineFilter(
            theme=self.theme_filter.currentData() or "",
            text=self.search.text().strip(),
            status=self.status_filter.currentData() or "",
            review_overdue=self.review_filter.isChecked(),
        )

    def reload(self) -> None:
        keep = self.current.id if self.current else None
        try:
            self.summaries = self.library.lines(self.current_filter())
            overdue = len(self.library.overdue())
        except ServiceError as exc:
            self.show_error(str(exc))
            return
        self._fill_tree(keep)
        self._show_reminders(overdue)
        if keep is not None and not self.creating:
            self.show_line(keep)

    def _fill_tree(self, keep: int | None) -> None:
        self.tree.blockSignals(True)
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        every = set(self._themes)
        theme = self.theme_filter.currentData() or ""

        def group(code: str) -> QTreeWidgetItem:
            if code not in groups:
                label = (
                    "General: every theme"
                    if code == "*"
                    else f"{code} — {self._themes.get(code, code)}"
                )
                item = QTreeWidgetItem([label])
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                font = item.font(0)
                font.setBold(True)
                item.setFont(0, font)
                groups[code] = item
            return groups[code]

        selected: QTreeWidgetItem | None = None
        for line in self.summaries:
            general = every and every.issubset(line.themes)
            codes = ["*"] if general else ([theme] if theme else list(line.themes))
            for code in codes:
                item = QTreeWidgetItem(
                    [
                        line.title,
                        line.status_label,
                        line.review_by.isoformat() if line.review_by else "",
                    ]
                )
                item.setData(0, Qt.ItemDataRole.UserRole, line.id)
                item.setToolTip(0, f"{line.key}\n{line.title}")
                colour = _STATUS_COLOURS.get(line.status, "#000000")
                item.setForeground(1, QBrush(QColor(colour)))
                if line.review_overdue:
                    item.setForeground(2, QBrush(_OVERDUE))
                    item.setToolTip(2, "Past its review-by date")
                group(code).addChild(item)
                if line.id == keep and selected is None:
                    selected = item
        order = sorted(groups, key=lambda c: (c == "*", c))
        for code in order:
            g = groups[code]
            g.setText(0, f"{g.text(0)} ({g.childCount()})")
            self.tree.addTopLevelItem(g)
        self.tree.expandAll()
        if selected is not None:
            self.tree.setCurrentItem(selected)
        self.tree.blockSignals(False)

    def _show_reminders(self, overdue: int) -> None:
        shown = len(self.summaries)
        if overdue:
            noun = "line is" if overdue == 1 else "lines are"
            self.banner.setText(
                f"<b>{overdue} {noun} past {'its' if overdue == 1 else 'their'} review-by date.</b>"
                " &nbsp;<a href='review'>Show them</a>"
            )
        self.banner.setVisible(bool(overdue))
        roles = ", ".join(sorted(r.label for r in self.actor.roles)) or "no roles"
        self.counts.setText(
            f"{shown} lines shown   ·   {overdue} past review-by   ·   "
            f"{self.actor.display_name} ({roles})"
        )

    def _tree_changed(self, item: QTreeWidgetItem | None, _prev: QTreeWidgetItem | None) -> None:
        line_id = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        if line_id is None:
            return
        self.creating = False
        self.show_line(int(line_id))

    def select_line(self, key: str) -> bool:
        """Select the line `key` in the tree (the first place it appears)."""
        for summary in self.summaries:
            if summary.key == key:
                for i in range(self.tree.topLevelItemCount()):
                    group = self.tree.topLevelItem(i)
                    assert group is not None  # i is in range
                    for j in range(group.childCount()):
                        child = group.child(j)
                        assert child is not None  # j is in range
                        if child.data(0, Qt.ItemDataRole.UserRole) == summary.id:
                            self.tree.setCurrentItem(child)
                            return True
        return False

    # --- one line ------------------------------------------------------------------------
    def show_line(self, line_id: int) -> None:
        try:
            detail = self.library.detail(line_id)
            drift = self.library.drift(line_id=line_id)
            usage = self.library.usage(line_id)
        except ServiceError as exc:
            self.show_error(str(exc))
            return
        self.current = detail
        self.editor.set_new_line_mode(False)
        review = detail.review_by.isoformat() if detail.review_by else "not set"
        if detail.review_overdue:
            review = f"<span style='color:#b00020'><b>{review} — past its review-by date</b></span>"
        themes = ", ".join(detail.themes)
        self.header.setText(
            f"<h3 style='margin:0'>{html.escape(detail.title)}</h3>"
            f"<p style='margin-top:4px'><code>{detail.key}</code> &nbsp;·&nbsp; {themes}"
            f" &nbsp;·&nbsp; owner {html.escape(detail.owner_name or '-')}"
            f" &nbsp;·&nbsp; review by {review}"
            f"{' &nbsp;·&nbsp; numbered point' if detail.numbered else ''}</p>"
        )
        self._fill_versions(detail)
        self._fill_drift(drift)
        self.usage.show_usage(usage)
        open_version = detail.open_version
        shown = open_version or detail.approved or detail.latest
        editable = open_version is not None and open_version.status == "draft"
        state = "editing draft" if editable else shown.status
        self.editor.set_body(
            shown.body,
            read_only=not (editable and self.library_can_draft),
            heading=f"<b>{html.escape(detail.title)}</b> — version {shown.number} ({state})",
        )
        self._update_actions()

    @property
    def library_can_draft(self) -> bool:
        return self.actor.has(*DRAFTING_ROLES)

    def _fill_versions(self, detail: LineDetail) -> None:
        self.versions.setRowCount(len(detail.versions))
        for row, v in enumerate(reversed(detail.versions)):
            cells = (
                f"v{v.number}",
                v.status,
                v.author_name or v.author,
                _when(v.created_at),
                _when(v.submitted_at),
                v.approved_by_name or v.approved_by,
                _note(v),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, v.number)
                if col == 1:
                    item.setForeground(QBrush(QColor(_STATUS_COLOURS.get(v.status, "#000"))))
                self.versions.setItem(row, col, item)
        self.versions.resizeColumnsToContents()
        for combo in (self.diff_from, self.diff_to):
            combo.blockSignals(True)
            combo.clear()
            for v in detail.versions:
                combo.addItem(f"v{v.number} ({v.status})", v.id)
            combo.blockSignals(False)
        n = len(detail.versions)
        self.diff_from.setCurrentIndex(max(n - 2, 0))
        self.diff_to.setCurrentIndex(n - 1)
        self.show_diff()

    def show_diff(self) -> None:
        old, new = self.diff_from.currentData(), self.diff_to.currentData()
        if old is None or new is None:
            self.diff.show_message("Choose two versions to compare.")
            return
        if old == new:
            body = (
                next(v.body for v in self.current.versions if v.id == old) if self.current else ""
            )
            self.diff.show_message(
                "Only one version to show; choose another to compare."
                if self.current and len(self.current.versions) == 1
                else "Choose two different versions to compare."
            )
            if body:
                self.diff.append(body)
            return
        try:
            segments = self.library.diff(old, new)
        except ServiceError as exc:
            self.diff.show_message(str(exc))
            return
        self.diff.show_diff(
            segments, f"{self.diff_from.currentText()} → {self.diff_to.currentText()}:"
        )

    def compare(self, old_number: int, new_number: int) -> None:
        """Show the diff between two version numbers of the current line."""
        for combo, number in ((self.diff_from, old_number), (self.diff_to, new_number)):
            for i in range(combo.count()):
                if combo.itemText(i).startswith(f"v{number} "):
                    combo.setCurrentIndex(i)
        self.show_diff()

    def _version_selected(self) -> None:
        rows = self.versions.selectionModel().selectedRows()
        if not rows or self.current is None:
            return
        item = self.versions.item(rows[0].row(), 0)
        assert item is not None  # a selected row is a filled row
        number = item.data(Qt.ItemDataRole.UserRole)
        previous = [v.number for v in self.current.versions if v.number < number]
        if previous:
            self.compare(previous[-1], number)

    def _fill_drift(self, items: list[DriftItem]) -> None:
        self.drift_items = items
        self.drift.setRowCount(len(items))
        for row, d in enumerate(items):
            cells = (
                d.case_reference or f"draft #{d.draft_id}",
                d.draft_status.replace("_", " "),
                d.drafter,
                str(d.position + 1),
                f"v{d.old_number}",
                f"v{d.new_number}",
            )
            for col, text in enumerate(cells):
                self.drift.setItem(row, col, QTableWidgetItem(text))
        self.drift.resizeColumnsToContents()
        self.drift_label.setText(
            f"<b>{len(items)} paragraph{'s' if len(items) != 1 else ''} in open drafts use an "
            "older version of this line</b>"
            if items
            else "No open draft uses an older version of this line."
        )
        self.drift.setVisible(bool(items))
        self.update_button.setVisible(bool(items))
        self.update_button.setEnabled(False)

    def _drift_selected(self) -> None:
        rows = self.drift.selectionModel().selectedRows()
        self.update_button.setEnabled(bool(rows) and self.library_can_draft)
        if rows:
            item = self.drift_items[rows[0].row()]
            self.diff.show_diff(
                item.diff,
                f"{item.case_reference or 'Draft'} uses v{item.old_number}; approved is "
                f"v{item.new_number}:",
            )

    def update_paragraph(self) -> None:
        rows = self.drift.selectionModel().selectedRows()
        if not rows or self.current is None:
            return
        item = self.drift_items[rows[0].row()]
        if self._run(
            lambda: self.library.update_paragraph_to_latest(item.draft_id, item.paragraph_id)
        ):
            self.statusBar().showMessage(
                f"Paragraph {item.position + 1} of the draft for {item.case_reference} now uses "
                f"v{item.new_number}.",
                6000,
            )
            self.show_line(self.current.id)

    # --- actions ---------------------------------------------------------------------------
    def _run(self, call: Callable[[], object]) -> bool:
        try:
            result = call()
        except ServiceError as exc:
            self.show_error(str(exc))
            return False
        if isinstance(result, LineDetail):
            self.current = result
        return True

    def new_line(self) -> None:
        self.creating = True
        self.current = None
        self.tree.blockSignals(True)
        # Qt takes None (no current item); the stubs do not say so.
        self.tree.setCurrentItem(None)  # type: ignore[call-overload]
        self.tree.clearSelection()
        self.tree.blockSignals(False)
        self.editor.set_new_line_mode(True)
        self.editor.set_body("", read_only=False, heading="<b>New line</b> — version 1 (draft)")
        self.tabs.setCurrentWidget(self.editor)
        self.editor.key.setFocus()
        self._update_actions()

    def new_version(self) -> None:
        if self.current is None:
            return
        base = self.current.approved or self.current.latest
        line_id = self.current.id
        if self._run(lambda: self.library.new_version(line_id, base.body)):
            self._after_change("New draft version started")
            self.tabs.setCurrentWidget(self.editor)
            self.editor.editor.setFocus()

    def save_draft(self) -> bool:
        body = self.editor.body()
        if self.creating:
            data = NewLine(
                key=self.editor.key.text(),
                title=self.editor.title.text(),
                themes=self.editor.theme_codes(),
                body=body,
                numbered=self.editor.numbered.isChecked(),
            )
            if not self._run(lambda: self.library.propose(data)):
                return False
            self.creating = False
            self._after_change(f"Line {data.key.strip()} saved as a draft")
            return True
        draft = self.current.open_version if self.current else None
        if draft is None or draft.status != "draft":
            return True
        if body == draft.body:
            return True
        if self._run(lambda: self.library.save_draft(draft.id, body)):
            self._after_change("Draft saved")
            return True
        return False

    def submit(self) -> None:
        if not self.save_draft() or self.current is None:
            return
        draft = self.current.open_version
        if draft is None or draft.status != "draft":
            return
        if self._run(lambda: self.library.submit(draft.id)):
            self._after_change(f"Version {draft.number} submitted for approval")

    def approve(self) -> None:
        version = self.current.open_version if self.current else None
        if version is None or version.status != "submitted":
            return
        if self._run(lambda: self.library.approve(version.id)):
            self._after_change(f"Version {version.number} approved")
            self._tell_old_words(f"Version {version.number} approved")

    def reject(self) -> None:
        version = self.current.open_version if self.current else None
        if version is None or version.status != "submitted":
            return
        reason = self.ask_reason("Reject version", f"Why is version {version.number} rejected?")
        if reason is None:
            return
        if self._run(lambda: self.library.reject(version.id, reason)):
            self._after_change(f"Version {version.number} rejected")

    def retire(self) -> None:
        version = self.current.approved if self.current else None
        if version is None:
            return
        assert self.current is not None  # the version came from it
        reason = self.ask_reason(
            "Retire line",
            f"Why is {self.current.key} v{version.number} retired? Replies can no longer use it.",
        )
        if reason is None:
            return
        if self._run(lambda: self.library.retire(version.id, reason)):
            self._after_change(f"Version {version.number} retired")
            self._tell_old_words(f"Version {version.number} retired")

    def set_review_by(self) -> None:
        if self.current is None:
            return
        dialog = QDialog(self)
        dialog.setWindowTitle("Review by")
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMMM yyyy")
        start = self.current.review_by or self.library.clock()
        edit.setDate(QDate(start.year, start.month, start.day))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel(f"Review {self.current.key} by:"))
        layout.addWidget(edit)
        layout.addWidget(buttons)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        day = cast(dt.date, edit.date().toPython())  # the stubs say object
        line_id = self.current.id
        if self._run(lambda: self.library.set_review_by(line_id, day)):
            self._after_change("Review-by date set")

    def _after_change(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)
        keep = self.current.id if self.current else None
        self.reload()
        if keep is not None:
            self.show_line(keep)
            self.tree.blockSignals(True)
            if self.current:
                self.select_line(self.current.key)
            self.tree.blockSignals(False)
        self._update_actions()

    def _tell_old_words(self, message: str) -> None:
        """After a revision or retirement: how many drafts and letters carry the old words."""
        usage = self.usage.usage
        if usage is None or not (usage.open_drafts_with_old_words or usage.sent_with_old_words):
            return
        self.statusBar().showMessage(
            f"{message}: {usage.open_drafts_with_old_words} open draft(s) and "
            f"{usage.sent_with_old_words} sent letter(s) carry the old words — "
            "see Where it went (Alt+W)",
            12000,
        )

    def _update_actions(self) -> None:
        can_draft = self.library_can_draft
        can_approve = self.actor.has(*APPROVING_ROLES)
        line = self.current
        open_version = line.open_version if line else None
        draft = open_version if open_version and open_version.status == "draft" else None
        submitted = open_version if open_version and open_version.status == "submitted" else None
        self.new_line_action.setEnabled(can_draft)
        self.new_version_action.setEnabled(can_draft and line is not None and open_version is None)
        self.save_action.setEnabled(can_draft and (self.creating or draft is not None))
        self.submit_action.setEnabled(can_draft and (self.creating or draft is not None))
        self.approve_action.setEnabled(can_approve and submitted is not None)
        self.reject_action.setEnabled(can_approve and submitted is not None)
        self.retire_action.setEnabled(
            can_approve and line is not None and line.approved is not None
        )
        self.review_action.setEnabled(can_approve and line is not None)
        if not can_approve:
            for act in (self.approve_action, self.reject_action, self.retire_action):
                act.setToolTip(f"{act.text().rstrip('…')}: only a policy lead may do this")

    # --- dialogs --------------------------------------------------------------------------
    def _ask_reason(self, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getMultiLineText(self, title, label)
        return text if ok and text.strip() else None

    def _show_error(self, message: str) -> None:
        QMessageBox.warning(self, TITLE, message)
