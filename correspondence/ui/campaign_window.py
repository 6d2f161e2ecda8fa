"""The campaigns window: the groups of near-identical letters, and what to do with them.

Left, every campaign (name and organisation editable in place). Right, the chosen one:
letters per week, its members with how closely each matches the canonical letter, the
canonical text, the members who added words of their own (Own words tab), and the actions —
confirm, remove, split, merge, show in the case list, and export the signed-off reply as
letters (off the GUI thread, with progress and Cancel; an interrupted export resumes where it
stopped).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.campaigns.campaign_export import CampaignExport, ExportResult
from correspondence.services.campaigns.campaign_own_words import CampaignOwnWords
from correspondence.services.campaigns.campaign_views import CampaignDetail, CampaignSummary
from correspondence.services.campaigns.campaigns import Campaigns
from correspondence.services.errors import ServiceError
from correspondence.ui import workers
from correspondence.ui.accessibility import make_reachable
from correspondence.ui.campaign_own_words_tab import OwnWordsTab
from correspondence.ui.widgets.volume_chart import VolumeChart

if TYPE_CHECKING:
    from correspondence.ui.actions import DeskWindow

TITLE = "Campaigns"
LIST_COLUMNS = ("Name", "Organisation", "Letters", "Status", "First", "Last")
MEMBER_COLUMNS = ("Reference", "From", "On behalf of", "Received", "Status", "Match", "Own words")


def _item(text: str, *, editable: bool = False, data: object = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
    if editable:
        flags |= Qt.ItemFlag.ItemIsEditable
    item.setFlags(flags)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


def _cell(table: QTableWidget, row: int, col: int) -> QTableWidgetItem:
    item = table.item(row, col)
    assert item is not None  # every cell of these tables is filled
    return item


class CampaignWindow(QMainWindow):
    exported = Signal(object)  # ExportResult, once an export run ends

    def __init__(
        self,
        campaigns: Campaigns,
        export: CampaignExport,
        parent: QWidget | None = None,
        show_in_list: Callable[[int, str], None] | None = None,
        open_draft: Callable[[int], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.resize(1180, 690)  # fits a 1366×768 screen with its task bar
        self.svc = campaigns
        self.export_svc = export
        self.show_in_list = show_in_list
        self.open_draft = open_draft
        self._detail: CampaignDetail | None = None
        self._loading = False
        self.worker: workers.Worker | None = None
        self.progress: QProgressDialog | None = None
        self.last_export: ExportResult | None = None

        self.list = QTableWidget(0, len(LIST_COLUMNS))
        self.list.setObjectName("campaignList")
        self.list.setAccessibleName("Campaigns")
        self.list.setHorizontalHeaderLabels(LIST_COLUMNS)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.list.verticalHeader().hide()
        self.list.setWordWrap(False)
        header = self.list.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(LIST_COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.list.itemSelectionChanged.connect(self._show_selected)
        self.list.itemChanged.connect(self._list_edited)

        self.heading = QLabel()
        self.heading.setObjectName("campaignHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.chart = VolumeChart()

        self.members = QTableWidget(0, len(MEMBER_COLUMNS))
        self.members.setObjectName("campaignMembers")
        self.members.setAccessibleName("Letters in this campaign")
        self.members.setHorizontalHeaderLabels(MEMBER_COLUMNS)
        self.members.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.members.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.members.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.members.verticalHeader().hide()
        self.members.setWordWrap(False)
        mh = self.members.horizontalHeader()
        for col in range(len(MEMBER_COLUMNS)):
            mh.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        mh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        # A long list of constituents must not squeeze the writer's name away.
        mh.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        mh.resizeSection(2, 170)
        self.members.itemSelectionChanged.connect(self._update_buttons)
        self.canonical = QPlainTextEdit()
        self.canonical.setObjectName("canonicalText")
        self.canonical.setReadOnly(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.members, "&Members")
        self.tabs.addTab(self.canonical, "Canonical &letter")
        self.own_words = OwnWordsTab(
            CampaignOwnWords(campaigns.uow, campaigns.clock),
            lambda message: self.warn(message),
            lambda question: self.ask_yes(question),
        )
        self.own_words.changed.connect(lambda: self.reload())
        self.own_words.checked.connect(lambda: self._show_selected())
        self.tabs.addTab(self.own_words, "&Own words")

        self.confirm_button = self._button("&Confirm", self.confirm, "The grouping is right")
        self.remove_button = self._button(
            "&Remove from campaign", self.remove_selected, "Take the selected letters out for good"
        )
        self.split_button = self._button(
            "&Split…", self.split_selected, "Move the selected letters into a new campaign"
        )
        self.merge_button = self._button(
            "Mer&ge into…", self.merge_into, "Move every letter of this campaign into another"
        )
        self.list_button = self._button(
            "Show in case &list", self.show_members_in_list, "Filter the main list to it"
        )
        self.draft_button = self._button(
            "Draft &reply…",
            self.draft_reply,
            "Open the campaign's one reply in the draft editor (created on first use)",
        )
        self.export_button = self._button(
            "E&xport letters…",
            self.export_letters,
            "Write the signed-off reply as one Word letter per member, plus a print file",
        )
        self.detect_button = self._button(
            "&Detect campaigns", self.detect, "Group open letters that are not in a campaign"
        )

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(self.heading)
        rl.addWidget(self.facts)
        rl.addWidget(QLabel("Letters per week:"))
        rl.addWidget(self.chart)
        actions = QHBoxLayout()
        for b in (
            self.confirm_button,
            self.remove_button,
            self.split_button,
            self.merge_button,
            self.list_button,
        ):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.draft_button)
        actions.addWidget(self.export_button)
        rl.addLayout(actions)
        rl.addWidget(self.tabs, 1)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.addWidget(QLabel("Campaigns (double-click a name to edit it):"))
        ll.addWidget(self.list, 1)
        ll.addWidget(self.detect_button)

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([560, 620])
        self.setCentralWidget(split)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.reload)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close)
        self.reload()
        make_reachable(self)

    # --- asking the person (replaced in tests) ----------------------------------------------
    def ask_text(self, title: str, label: str, default: str = "") -> str | None:
        text, ok = QInputDialog.getText(self, title, label, text=default)
        return text if ok else None

    def ask_item(self, title: str, label: str, items: list[str]) -> str | None:
        item, ok = QInputDialog.getItem(self, title, label, items, 0, False)
        return item if ok else None

    def ask_folder(self) -> str | None:
        folder = QFileDialog.getExistingDirectory(self, "Export the letters to")
        return folder or None

    def ask_yes(self, question: str) -> bool:
        answer = QMessageBox.question(self, TITLE, question)
        return answer == QMessageBox.StandardButton.Yes

    def tell(self, message: str) -> None:
        QMessageBox.information(self, TITLE, message)

    def warn(self, message: str) -> None:
        QMessageBox.warning(self, TITLE, message)

    # --- loading ----------------------------------------------------------------------------
    def _button(self, text: str, slot: Callable[[], object], tip: str) -> QPushButton:
        b = QPushButton(text)
        b.setToolTip(tip)
        b.clicked.connect(lambda _checked=False: slot())
        return b

    def reload(self, select: int | None = None) -> None:
        current = select if select is not None else self.current_id()
        rows = self.svc.list()
        self._loading = True
        self.list.setRowCount(len(rows))
        for r, c in enumerate(rows):
            self._fill_row(r, c)
        self._loading = False
        target = next((r for r, c in enumerate(rows) if c.id == current), 0 if rows else None)
        if target is not None:
            self.list.selectRow(target)
        self._show_selected()

    def _fill_row(self, r: int, c: CampaignSummary) -> None:
        name = _item(c.name, editable=True, data=c.id)
        name.setToolTip(c.name)
        self.list.setItem(r, 0, name)
        self.list.setItem(r, 1, _item(c.organisation, editable=True))
        size = _item(f"{c.size:,}")
        size.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.list.setItem(r, 2, size)
        self.list.setItem(r, 3, _item(c.status.capitalize()))
        self.list.setItem(r, 4, _item(f"{c.first_received:%d %b %Y}" if c.first_received else ""))
        self.list.setItem(r, 5, _item(f"{c.last_received:%d %b %Y}" if c.last_received else ""))

    def current_id(self) -> int | None:
        row = self.list.currentRow()
        item = self.list.item(row, 0) if row >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _show_selected(self) -> None:
        cid = self.current_id()
        if cid is None:
            self._detail = None
            self.heading.setText("No campaigns yet")
            self.facts.setText(
                "Letters are grouped when near-identical copies arrive; "
                "use Detect campaigns to group the letters already logged."
            )
            self.chart.set_weeks([])
            self.members.setRowCount(0)
            self.canonical.clear()
            self.own_words.show_campaign(None)
            self._update_buttons()
            return
        try:
            d = self._detail = self.svc.detail(cid)
        except ServiceError as exc:
            self.warn(str(exc))
            return
        s = d.summary
        self.heading.setText(s.name)
        reply = (
            f"reply draft #{d.draft_id}: {d.draft_status.replace('_', ' ')}"
            if d.draft_id
            else "no reply draft yet"
        )
        mps = sum(1 for m in d.members if m.kind == "mp")
        self.facts.setText(
            f"{s.size:,} letters"
            + (f" ({mps} forwarded by MPs)" if mps else "")
            + f" · {s.status} · organisation: {s.organisation or 'not known'} · {reply}"
            + (f" · canonical letter {d.canonical_reference}" if d.canonical_reference else "")
        )
        self.chart.set_weeks([(w.week_of, w.count) for w in d.weeks])
        found = self.own_words.show_campaign(cid, s.size)
        flagged = {f.case_id: f for f in found or ()}
        index = self.tabs.indexOf(self.own_words)
        self.tabs.setTabText(
            index,
            "&Own words (?)" if found is None
            else f"&Own words ({len(flagged)})" if flagged else "&Own words",
        )  # fmt: skip
        self.members.setRowCount(len(d.members))
        for r, m in enumerate(d.members):
            ref = _item(m.reference + ("  ★" if m.is_canonical else ""), data=m.case_id)
            if m.is_canonical:
                ref.setToolTip("The canonical letter: the one most like the others")
            self.members.setItem(r, 0, ref)
            self.members.setItem(r, 1, _item(m.correspondent + (" (MP)" if m.kind == "mp" else "")))
            self.members.setItem(r, 2, _item("; ".join(m.on_behalf_of)))
            self.members.setItem(r, 3, _item(f"{m.received_on:%d %b %Y}"))
            self.members.setItem(r, 4, _item(m.status.label))
            match = _item("" if m.similarity is None else f"{m.similarity:.0%}")
            match.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.members.setItem(r, 5, match)
            own = flagged.get(m.case_id)
            mark = _item(("✎ + paragraph" if own.addition else "✎ to answer") if own else "")
            if own is not None:
                mark.setToolTip(own.excerpt)
                mark.setForeground(Qt.GlobalColor.darkRed)
            self.members.setItem(r, 6, mark)
        self.canonical.setPlainText(d.canonical_text)
        self._update_buttons()

    def selected_member_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.members.selectedIndexes()})
        return [_cell(self.members, r, 0).data(Qt.ItemDataRole.UserRole) for r in rows]

    def _update_buttons(self) -> None:
        detail = self._detail
        has = detail is not None
        chosen = bool(self.selected_member_ids()) if has else False
        self.confirm_button.setEnabled(detail is not None and detail.summary.status != "confirmed")
        self.remove_button.setEnabled(chosen)
        self.split_button.setEnabled(chosen)
        self.merge_button.setEnabled(has and self.list.rowCount() > 1)
        self.list_button.setEnabled(has and self.show_in_list is not None)
        self.draft_button.setEnabled(has and self.open_draft is not None)
        self.export_button.setEnabled(
            detail is not None and detail.draft_status == "signed_off" and self.worker is None
        )

    # --- actions ------------------------------------------------------------------------------
    def draft_reply(self) -> None:
        """One reply answers the whole campaign: open (or start) it in the draft editor."""
        if self._detail is None or self.open_draft is None:
            return
        try:
            draft_id = self.svc.reply_draft(self._detail.summary.id)
        except ServiceError as exc:
            self.warn(str(exc))
            return
        self.open_draft(draft_id)
        self.reload()

    def _do(self, action: Callable[[], object], select: int | None = None) -> bool:
        try:
            action()
        except ServiceError as exc:
            self.warn(str(exc))
            self.reload()
            return False
        self.reload(select)
        return True

    def _list_edited(self, item: QTableWidgetItem) -> None:
        if self._loading or item.column() not in (0, 1):
            return
        row = item.row()
        cid = _cell(self.list, row, 0).data(Qt.ItemDataRole.UserRole)
        version = self._detail.summary.version if self._detail else None
        name = _cell(self.list, row, 0).text()
        org = _cell(self.list, row, 1).text()
        self._do(lambda: self.svc.rename(cid, name, org, expected_version=version), cid)

    def confirm(self) -> None:
        cid = self.current_id()
        if cid is not None:
            self._do(lambda: self.svc.confirm(cid), cid)

    def remove_selected(self) -> None:
        cid, ids = self.current_id(), self.selected_member_ids()
        if cid is None or not ids:
            return
        if not self.ask_yes(
            f"Take {len(ids)} letter(s) out of this campaign? They will be answered on their "
            "own, and detection will not put them back."
        ):
            return
        self._do(lambda: self.svc.remove_members(cid, ids, "removed in the campaigns window"), cid)

    def split_selected(self) -> None:
        cid, ids = self.current_id(), self.selected_member_ids()
        if cid is None or not ids:
            return
        name = self.ask_text("Split campaign", f"Name for the new campaign of {len(ids)} letters:")
        if name is None:
            return
        new_id: list[int] = []
        self._do(lambda: new_id.append(self.svc.split(cid, ids, name)))
        if new_id:
            self.reload(new_id[0])

    def merge_into(self) -> None:
        cid = self.current_id()
        if cid is None:
            return
        others = [c for c in self.svc.list() if c.id != cid]
        labels = [f"{c.name} (#{c.id}, {c.size} letters)" for c in others]
        choice = self.ask_item(
            "Merge campaigns", "Move every letter of this campaign into:", labels
        )
        if choice is None:
            return
        keep = others[labels.index(choice)].id
        self._do(lambda: self.svc.merge(keep, cid), keep)

    def detect(self) -> None:
        report = None

        def run() -> None:
            nonlocal report
            report = self.svc.detect()

        if self._do(run) and report is not None:
            self.tell(
                f"Examined {report.examined} letters: {report.joined} joined existing "
                f"campaigns, {len(report.created)} new campaign(s) proposed."
            )

    def show_members_in_list(self) -> None:
        if self._detail and self.show_in_list:
            self.show_in_list(self._detail.summary.id, self._detail.summary.name)

    # --- export -------------------------------------------------------------------------------
    def export_letters(self) -> None:
        cid = self.current_id()
        if cid is None or self.worker is not None:
            return
        folder = self.ask_folder()
        if not folder:
            return
        journal = self.export_svc.journal(folder)
        resume = False
        if journal is not None and journal.campaign_id == cid and not journal.dispatched:
            resume = self.ask_yes(
                f"An export of this campaign stopped after {len(journal.done)} letters in "
                f"{folder}. Resume it?"
            )
            if not resume:
                return
        total = self._detail.summary.size if self._detail else 0
        self.progress = QProgressDialog("Writing letters…", "Cancel", 0, max(total, 1), self)
        self.progress.setWindowTitle("Export letters")
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(0)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.setMinimumWidth(460)
        self.progress.setValue(0)

        export = self.export_svc
        worker = self.worker = workers.Worker(
            lambda progress, cancel: export.run(
                cid, Path(folder), resume=resume, progress=progress, should_cancel=cancel
            )
        )
        worker.signals.progress.connect(self._export_progress)
        worker.signals.finished.connect(self._export_done)
        worker.signals.failed.connect(self._export_failed)
        self.progress.canceled.connect(worker.cancel)
        self._update_buttons()
        workers.start(worker)
        self.progress.show()

    def _export_progress(self, done: int, total: int, reference: str) -> None:
        if self.progress is None:
            return
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setLabelText(
            f"Writing letter {done:,} of {total:,}" + (f" ({reference})" if reference else "")
        )

    def _finish(self) -> None:
        self.worker = None
        if self.progress is not None:
            self.progress.close()
            self.progress = None
        self.reload()

    def _export_done(self, result: ExportResult) -> None:
        self.last_export = result
        self._finish()
        if result.cancelled:
            self.tell(
                f"Export stopped: {result.already_done + result.written:,} of {result.total:,} "
                "letters written. Export again to the same folder to resume; nobody has been "
                "marked dispatched yet."
            )
        else:
            self.tell(
                f"{result.total:,} letters written to {result.out_dir}, with the print file "
                f"{Path(result.combined or '').name}. {result.dispatched:,} letters marked "
                "dispatched."
            )
        self.exported.emit(result)

    def _export_failed(self, message: str) -> None:
        self._finish()
        self.warn(f"The export stopped: {message}\nExport again to the same folder to resume.")


def with_campaign(window: DeskWindow) -> Callable[[int, str], None]:
    """Filter the main window's list to one campaign."""

    def show(campaign_id: int, name: str) -> None:
        window.apply_filter(dataclasses.replace(window.filters.current(), campaign_id=campaign_id))
        window.statusBar().showMessage(f"Showing the campaign “{name}” — Ctrl+0 shows all cases")
        window.raise_()
        window.activateWindow()

    return show
