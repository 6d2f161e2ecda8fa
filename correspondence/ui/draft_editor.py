"""The draft editor: build a reply from approved lines and own words, watch the letter take
shape, and move it through QA and sign-off.

Left: the approved lines (the case's themes first, lines used before for this correspondent
starred) with a search box. Middle: the paragraphs (drag, Ctrl+Up/Down, numbered boxes), an
editor for own words, the signatory, salutation, close and subject. Right: a live preview
and the comment thread. Edits autosave within a few seconds and on close; every paragraph
edit can be undone. The services decide who may do what; their refusals are shown as they are.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QMimeData,
    QStandardPaths,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QKeyEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from correspondence.domain.states import DraftStatus
from correspondence.services.actors import Actor, Role
from correspondence.services.drafting.draft_guards import DRAFTING_ROLES
from correspondence.services.drafting.draft_view import DraftView
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.drafting.line_offers import LineOffer
from correspondence.services.errors import ConflictError, ServiceError
from correspondence.services.replies.printing import print_file
from correspondence.services.triage.reply_channel import ReplyChannels
from correspondence.ui.accessibility import make_reachable
from correspondence.ui.dialogs.password import PasswordDialog
from correspondence.ui.undo_commands import (
    EditText,
    InsertParagraph,
    MoveParagraph,
    RemoveParagraph,
    ReplaceParagraph,
    SetNumbered,
)
from correspondence.ui.widgets.letter_preview import LetterPreview
from correspondence.ui.widgets.paragraph_list import (
    LINE_MIME,
    EditorParagraph,
    ParagraphListModel,
    ParagraphListView,
)
from correspondence.ui.widgets.reply_channel import ReplyChannelEdit

AUTOSAVE_MS = 2000  # an edit is saved at most this long after it is made
PREVIEW_MS = 300
SAVE_RETRY_MS = 10_000  # after the disk refused a save
VERSION_ROLE = Qt.ItemDataRole.UserRole + 1
USED_BEFORE = "★ "


class Prompts:
    """The dialogs the editor asks questions with; tests pass a scripted stand-in."""

    def warn(self, parent: QWidget, title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        answer = QMessageBox.question(parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def ask_text(self, parent: QWidget, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getMultiLineText(parent, title, label)
        return text if ok else None

    def ask_choice(self, parent: QWidget, title: str, label: str, items: list[str]) -> str | None:
        from correspondence.ui.dialogs.choice import ask_choice

        return ask_choice(parent, title, label, items)

    def save_path(self, parent: QWidget, title: str, suggested: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), "Word (*.docx)")
        return Path(name) if name else None

    def ask_password(self, parent: QWidget, login: str, doing: str) -> str | None:
        dialog = PasswordDialog(login, doing, parent)
        return dialog.password() if dialog.exec() == PasswordDialog.DialogCode.Accepted else None


class _LinesTree(QTreeWidget):
    """Approved lines; an item drags as its version id."""

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [LINE_MIME]

    def mimeData(self, items: Any) -> QMimeData:  # noqa: N802
        mime = QMimeData()
        for item in items:
            version_id = item.data(0, VERSION_ROLE)
            if version_id is not None:
                mime.setData(LINE_MIME, QByteArray(str(version_id).encode()))
                break
        return mime


class _ParagraphText(QPlainTextEdit):
    """Own words; leaves Ctrl+Z and Ctrl+Shift+Z to the window's undo stack."""

    _KEYS = (QKeySequence("Ctrl+Z"), QKeySequence("Ctrl+Shift+Z"))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination())
            if pressed in self._KEYS:
                event.ignore()  # not ours: the window's Undo/Redo actions fire instead
                return False
        return super().event(event)


# The two ways a letter is signed, described for the private secretary choosing.
SIGNATURE_CHOICES = {
    "Wet signature: printed and signed by hand": "wet",
    "Digital signature: signed electronically": "digital",
}


class DraftEditor(QMainWindow):
    """One draft reply, opened by one user."""

    changed = Signal()  # the draft's status moved (the main window refreshes its list)

    def __init__(
        self,
        drafting: Drafting,
        draft_id: int,
        *,
        prompts: Prompts | None = None,
        open_url: Callable[[QUrl], object] = QDesktopServices.openUrl,
        printer: Callable[[Path], object] = print_file,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("draftEditor")
        self.drafting = drafting
        self.draft_id = draft_id
        self.prompts = prompts or Prompts()
        self.open_url = open_url
        self.printer = printer
        self.actor: Actor = drafting.actor()
        self.view: DraftView = drafting.view(draft_id)
        self.offers: list[LineOffer] = []
        self.offers_by_version: dict[int, LineOffer] = {}
        self.dirty = False
        self.conflict = False
        self.last_export: Path | None = None
        self._loading = False

        self.undo_stack = QUndoStack(self)
        self.model = ParagraphListModel(self)
        self.autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.save_now)
        self.save_retry = QTimer(self, singleShot=True, interval=SAVE_RETRY_MS)
        self.save_retry.timeout.connect(self.save_now)
        self.save_failures = 0
        self.preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_MS)
        self.preview_timer.timeout.connect(self.refresh_preview)

        self._build()
        self._build_actions()
        self.resize(1340, 690)  # fits a 1366×768 screen with its task bar
        self.load(self.view)
        self._load_offers()
        make_reachable(self)

    # --- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        # Left: the lines to choose from.
        self.search = QLineEdit(placeholderText="Search approved lines…")
        self.search.setObjectName("lineSearch")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._fill_offers)
        self.lines_tree = _LinesTree()
        self.lines_tree.setObjectName("linesTree")
        self.lines_tree.setHeaderHidden(True)
        self.lines_tree.setDragEnabled(True)
        self.lines_tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.lines_tree.setWordWrap(True)
        self.lines_tree.itemActivated.connect(self._offer_activated)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(6, 6, 0, 6)
        lv.addWidget(QLabel("<b>Approved lines</b> — double-click or drag into the reply"))
        lv.addWidget(self.search)
        lv.addWidget(self.lines_tree, 1)
        self.legend = QLabel(f"{USED_BEFORE}used in an earlier reply to this correspondent")
        self.legend.setObjectName("linesLegend")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("font-style: italic;")  # not grey: it vanished on dark themes
        lv.addWidget(self.legend)

        # Middle: the reply being built.
        self.heading = QLabel()
        self.heading.setObjectName("draftHeading")
        self.heading.setWordWrap(True)
        self.returned_banner = QLabel()
        self.returned_banner.setObjectName("returnedBanner")
        self.returned_banner.setWordWrap(True)
        self.returned_banner.setStyleSheet(
            "background: #fdecea; color: #8a1c1c; padding: 6px; border: 1px solid #e6b3b3;"
        )
        self.list = ParagraphListView()
        self.list.setModel(self.model)
        self.list.lineDropped.connect(lambda vid, row: self.add_line(vid, row))
        self.list.moveRequested.connect(self._move)
        self.list.selectionModel().currentChanged.connect(lambda *_: self._show_current())
        self.model.numberedToggled.connect(
            lambda row, on: self.undo_stack.push(SetNumbered(self.model, row, on))
        )
        self.model.changed.connect(self._model_changed)

        self.add_text_button = QPushButton("Add own &words")
        self.add_text_button.clicked.connect(self.add_free_text)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.clicked.connect(self.remove_current)
        self.up_button = QPushButton("▲ Up")
        self.up_button.setToolTip("Move up (Ctrl+Up)")
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button = QPushButton("▼ Down")
        self.down_button.setToolTip("Move down (Ctrl+Down)")
        self.down_button.clicked.connect(lambda: self.move_current(1))
        self.latest_button = QPushButton("Update to &latest")
        self.latest_button.setToolTip("Use the newest approved version of this line")
        self.latest_button.clicked.connect(self.update_to_latest)
        row = QHBoxLayout()
        for b in (
            self.add_text_button,
            self.remove_button,
            self.up_button,
            self.down_button,
            self.latest_button,
        ):
            row.addWidget(b)
        row.addStretch(1)

        self.text_label = QLabel()
        self.text_label.setWordWrap(True)
        self.text_edit = _ParagraphText()
        self.text_edit.setObjectName("paragraphText")
        self.text_edit.setAccessibleName("Words of the selected paragraph")
        # The draft's undo stack owns undo, so Ctrl+Z means the same everywhere in the window.
        self.text_edit.setUndoRedoEnabled(False)
        self.text_edit.setMaximumHeight(150)
        self.text_edit.textChanged.connect(self._text_typed)

        self.signatory = QComboBox()
        self.signatory.setObjectName("signatory")
        for choice in self.drafting.signatories():
            self.signatory.addItem(choice.label, choice.id)
        self.signatory.currentIndexChanged.connect(self._details_changed)
        self.salutation = QLineEdit()
        self.salutation.setObjectName("salutation")
        self.close_edit = QLineEdit()
        self.close_edit.setObjectName("complimentaryClose")
        self.subject = QLineEdit(placeholderText="(optional heading)")
        self.subject.setObjectName("subject")
        for edit in (self.salutation, self.close_edit, self.subject):
            edit.textEdited.connect(self._details_changed)
        form = QFormLayout()
        form.addRow("Signed by (letterhead):", self.signatory)
        form.addRow("Salutation:", self.salutation)
        form.addRow("Close:", self.close_edit)
        form.addRow("Subject:", self.subject)
        # How the reply goes out, saved as soon as it is changed (not part of the draft).
        self.reply_channel = ReplyChannelEdit()
        self.reply_channel.edited.connect(self._reply_channel_edited)
        form.addRow("Reply by:", self.reply_channel)

        middle = QWidget()
        mv = QVBoxLayout(middle)
        mv.setContentsMargins(4, 6, 4, 6)
        mv.addWidget(self.heading)
        mv.addWidget(self.returned_banner)
        mv.addWidget(self.list, 1)
        mv.addLayout(row)
        mv.addWidget(self.text_label)
        mv.addWidget(self.text_edit)
        mv.addLayout(form)

        # Right: the letter and the conversation about it.
        self.preview = LetterPreview()
        self.comments = QTextBrowser()
        self.comments.setObjectName("commentThread")
        self.comment_input = QLineEdit(placeholderText="Add a comment and press Enter")
        self.comment_input.setObjectName("commentInput")
        self.comment_input.returnPressed.connect(self.add_comment)
        comment_button = QPushButton("Add &comment")
        comment_button.clicked.connect(self.add_comment)
        comments_page = QWidget()
        cv = QVBoxLayout(comments_page)
        cv.addWidget(self.comments, 1)
        crow = QHBoxLayout()
        crow.addWidget(self.comment_input, 1)
        crow.addWidget(comment_button)
        cv.addLayout(crow)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.preview, "Letter preview")
        self.tabs.addTab(comments_page, "Comments")

        self.submit_button = QPushButton("Submit for &QA")
        self.submit_button.clicked.connect(self.submit)
        self.approve_button = QPushButton("&Approve (QA)")
        self.approve_button.clicked.connect(self.approve)
        self.return_button = QPushButton("Re&turn…")
        self.return_button.clicked.connect(self.return_draft)
        self.signoff_button = QPushButton("&Sign off…")
        self.signoff_button.clicked.connect(self.sign_off)
        self.dispatch_button = QPushButton("Record &dispatch…")
        self.dispatch_button.setObjectName("dispatchButton")
        self.dispatch_button.setToolTip("Record that the signed-off reply has been sent")
        self.dispatch_button.clicked.connect(self.record_dispatch)
        self.export_button = QPushButton("&Export Word…")
        self.export_button.clicked.connect(self.export)
        self.open_button = QPushButton("&Open")
        self.open_button.setToolTip("Open the Word letter in the default application")
        self.open_button.clicked.connect(self.open_letter)
        self.print_button = QPushButton("&Print")
        self.print_button.clicked.connect(self.print_letter)
        buttons = QHBoxLayout()
        for b in (
            self.submit_button,
            self.approve_button,
            self.return_button,
            self.signoff_button,
            self.dispatch_button,
        ):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.export_button, self.open_button, self.print_button):
            buttons.addWidget(b)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("draftSplitter")
        splitter.addWidget(left)
        splitter.addWidget(middle)
        splitter.addWidget(self.tabs)
        splitter.setSizes([410, 500, 430])  # the lines need room for their titles
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.setCentralWidget(central)

    def _build_actions(self) -> None:
        def action(text: str, keys: str | QKeySequence, slot: Callable[[], object]) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.undo_action = action("Undo", "Ctrl+Z", self.undo_stack.undo)
        self.redo_action = action("Redo", "Ctrl+Shift+Z", self.undo_stack.redo)
        self.up_action = action("Move up", "Ctrl+Up", lambda: self.move_current(-1))
        self.down_action = action("Move down", "Ctrl+Down", lambda: self.move_current(1))
        self.save_action = action("Save", "Ctrl+S", self.save_now)
        self.reload_action = action("Reload", "F5", self.reload)
        delete = QAction("Remove paragraph", self.list)
        delete.setShortcut(QKeySequence(Qt.Key.Key_Delete))
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(self.remove_current)
        self.list.addAction(delete)

    # --- loading ----------------------------------------------------------------------------
    @property
    def can_edit(self) -> bool:
        return self.view.editable and self.actor.has(*DRAFTING_ROLES)

    def load(self, view: DraftView) -> None:
        self._loading = True
        try:
            self.view = view
            self.model.editable = self.can_edit
            self.model.reset([EditorParagraph.from_view(p) for p in view.paragraphs])
            index = self.signatory.findData(view.signatory_id)
            self.signatory.setCurrentIndex(max(index, 0))
            self.salutation.setText(view.salutation)
            self.close_edit.setText(view.complimentary_close)
            if view.campaign_id is not None:
                # Every letter of a campaign gets its own writer's salutation and close.
                self.salutation.setPlaceholderText(
                    f"Each letter's own (this one: {view.computed_salutation})"
                )
                self.close_edit.setPlaceholderText(
                    f"Each letter's own (this one: {view.computed_close})"
                )
            else:
                self.salutation.setPlaceholderText(view.computed_salutation)
                self.close_edit.setPlaceholderText(view.computed_close)
            self.subject.setText(view.subject)
            self._show_reply_channel(view)
        finally:
            self._loading = False
        self.undo_stack.clear()
        self.dirty = False
        self.conflict = False
        self.autosave_timer.stop()
        self._show_header()
        self._show_comments()
        self._update_state()
        self._show_current()
        self.refresh_preview()

    def _show_reply_channel(self, view: DraftView) -> None:
        # A campaign's members each keep their own channel: set at triage.
        self.reply_channel.setVisible(view.case_id is not None)
        if view.case_id is not None:
            self.reply_channel.set_value(self._channels().get(view.case_id))

    def _channels(self) -> ReplyChannels:
        return ReplyChannels(self.drafting.uow)

    def _reply_channel_edited(self) -> None:
        if self._loading or self.view.case_id is None:
            return
        try:
            saved = self._channels().set(self.view.case_id, *self.reply_channel.value())
        except ServiceError as exc:
            self.prompts.warn(self, "Reply by", str(exc))
            self.reply_channel.set_value(self._channels().get(self.view.case_id))
            return
        self.reply_channel.mark_saved(saved)

    def reload(self) -> None:
        if self.dirty and not self.conflict and not self.save_now():
            return
        self.load(self.drafting.view(self.draft_id))

    def _show_header(self) -> None:
        v = self.view
        if v.campaign_id is not None:
            # One reply answers every letter of the campaign: say which, and how many.
            letters = f"{v.campaign_size:,} letter{'s' if v.campaign_size != 1 else ''}"
            title = f"Campaign reply “{v.campaign_name}” — {letters} — {v.status.label}"
            name = escape(v.campaign_name, quote=False)
            heading = (
                f"<b>Campaign reply “{name}”</b> — one letter for {letters}, each with its "
                f"own salutation — <b>{v.status.label}</b>"
            )
        else:
            title = f"Draft reply — {v.case_reference or f'draft #{v.id}'}"
            who = f" to {escape(v.correspondent, quote=False)}" if v.correspondent else ""
            reference = escape(v.case_reference, quote=False)
            heading = f"<b>{reference}</b>{who} — <b>{v.status.label}</b>"
        self.setWindowTitle(f"{title} — {self.actor.display_name}")
        self.heading.setText(
            heading
            + (f" · QA by {v.qa_by}" if v.qa_by else "")
            + (
                f" · signed off by {v.signed_off_by} ({v.signature_method})"
                if v.signed_off_by
                else ""
            )
        )
        returned = v.status is DraftStatus.RETURNED and v.returned_reason
        self.returned_banner.setVisible(bool(returned))
        self.returned_banner.setText(f"Returned: {v.returned_reason}" if returned else "")

    def _show_comments(self) -> None:
        parts = [
            f"<p><b>{escape(c.author)}</b> <span style='color:#777'>"
            f"{c.at:%d %b %Y %H:%M}</span><br>{escape(c.body).replace(chr(10), '<br>')}</p>"
            for c in self.view.comments
        ]
        self.comments.setHtml("".join(parts) or "<p style='color:#777'>No comments yet.</p>")
        self.tabs.setTabText(1, f"Comments ({len(self.view.comments)})")

    def _update_state(self) -> None:
        status, actor = self.view.status, self.actor
        editing = self.can_edit
        for w in (
            self.lines_tree,
            self.search,
            self.add_text_button,
            self.signatory,
            self.salutation,
            self.close_edit,
            self.subject,
        ):
            w.setEnabled(editing)
        if self.view.campaign_id is not None:
            self.salutation.setEnabled(False)
            self.close_edit.setEnabled(False)
        self.list.setDragEnabled(editing)
        self.submit_button.setVisible(actor.has(*DRAFTING_ROLES))
        self.submit_button.setEnabled(editing)
        self.approve_button.setVisible(actor.has(Role.POLICY_LEAD))
        self.approve_button.setEnabled(status is DraftStatus.IN_QA)
        self.signoff_button.setVisible(actor.has(Role.PRIVATE_SECRETARY))
        self.signoff_button.setEnabled(status is DraftStatus.WITH_PRIVATE_OFFICE)
        can_return = (status is DraftStatus.IN_QA and actor.has(Role.POLICY_LEAD)) or (
            status is DraftStatus.WITH_PRIVATE_OFFICE and actor.has(Role.PRIVATE_SECRETARY)
        )
        self.return_button.setVisible(actor.has(Role.POLICY_LEAD, Role.PRIVATE_SECRETARY))
        self.return_button.setEnabled(can_return)
        final = status is DraftStatus.SIGNED_OFF
        # Once signed off the next step is the post: offered here, not only in the list.
        self.dispatch_button.setVisible(
            final and self.view.case_id is not None and actor.has(Role.OFFICER)
        )
        self.dispatch_button.setEnabled(self.view.case_status == "signed_off")
        if self.view.case_status == "dispatched":
            self.dispatch_button.setText("Dispatched")
        self.export_button.setText("&Export Word…" if final else "&Export Word (draft)…")
        self._update_row_buttons()

    def _update_row_buttons(self) -> None:
        row = self.current_row()
        has = row is not None and self.can_edit
        for b in (self.remove_button, self.up_button, self.down_button):
            b.setEnabled(has)
        item = self.model.items[row] if row is not None else None
        self.latest_button.setEnabled(bool(has and item and item.drifted))

    # --- the lines panel ----------------------------------------------------------------
    def _load_offers(self) -> None:
        try:
            self.offers = self.drafting.offers_for(self.view)
        except ServiceError as exc:
            self.prompts.warn(self, "Approved lines", str(exc))
            self.offers = []
        self.offers_by_version = {o.version_id: o for o in self.offers}
        if self.view.campaign_id is not None:
            themes = ", ".join(self.view.campaign_themes) or "none yet"
            self.legend.setText(f"The campaign's themes, most common first: {themes}")
        self._fill_offers()

    def _fill_offers(self) -> None:
        words = self.search.text().lower().split()
        self.lines_tree.clear()
        whose = "campaign" if self.view.campaign_id is not None else "case"
        groups = (
            QTreeWidgetItem([f"For this {whose}'s themes"]),
            QTreeWidgetItem(["Any letter: openings, closings, holding replies, transfers"]),
            QTreeWidgetItem(["Other approved lines"]),
        )
        # Lines this letter cannot use, greyed under the plain reason (one group a reason).
        unusable: dict[str, QTreeWidgetItem] = {}
        for group in groups:
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
        for offer in self.offers:
            if words:
                haystack = f"{offer.key} {offer.title} {offer.wording}".lower()
                if not all(w in haystack for w in words):
                    continue
            star = USED_BEFORE if offer.used_before else ""
            item = QTreeWidgetItem([f"{star}{offer.title}"])
            item.setData(0, VERSION_ROLE, offer.version_id)
            if offer.unavailable:
                # Greyed with the reason, so nobody wonders where a line went.
                item.setToolTip(0, f"{offer.title}\n\nThis line {offer.unavailable}.")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                if offer.unavailable not in unusable:
                    reason = offer.unavailable
                    header = QTreeWidgetItem([reason[0].upper() + reason[1:]])
                    header.setToolTip(0, f"Lines that cannot be used here: each {reason}.")
                    header.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    unusable[reason] = header
                unusable[offer.unavailable].addChild(item)
                continue
            item.setToolTip(
                0,
                f"{offer.title}"
                + (" · a numbered point" if offer.numbered else "")
                + (" · used in an earlier reply to this correspondent" if offer.used_before else "")
                + f"\n\n{offer.wording[:600]}",
            )
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled
            )
            place = 1 if offer.generic else 0 if offer.for_case else 2
            groups[place].addChild(item)
        for group in (*groups, *unusable.values()):
            group.setToolTip(0, group.toolTip(0) or group.text(0))
            group.setText(0, f"{group.text(0)} ({group.childCount()})")
            self.lines_tree.addTopLevelItem(group)
            group.setExpanded(True)

    def offer_items(self) -> list[QTreeWidgetItem]:
        """Every line item shown, in order (for tests and keyboard users)."""
        found: list[QTreeWidgetItem] = []
        for g in range(self.lines_tree.topLevelItemCount()):
            group = self.lines_tree.topLevelItem(g)
            assert group is not None  # g is in range
            for i in range(group.childCount()):
                child = group.child(i)
                assert child is not None  # i is in range
                found.append(child)
        return found

    def _offer_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        version_id = item.data(0, VERSION_ROLE)
        if version_id is not None:
            self.add_line(int(version_id))

    # --- paragraph edits (each an undo command) -------------------------------------------
    def current_row(self) -> int | None:
        index = self.list.currentIndex()
        return index.row() if index.isValid() and index.row() < len(self.model.items) else None

    def _select(self, row: int) -> None:
        if 0 <= row < len(self.model.items):
            self.list.setCurrentIndex(self.model.index(row))

    def _refuse_if_locked(self) -> bool:
        if self.can_edit:
            return False
        if self.view.editable:
            why = f"{self.actor.display_name} may not edit draft replies."
        else:
            why = f"This draft is {self.view.status.label.lower()}: it can no longer be edited."
        self.statusBar().showMessage(why, 5000)
        return True

    def add_line(self, version_id: int, row: int | None = None) -> None:
        if self._refuse_if_locked():
            return
        offer = self.offers_by_version.get(version_id)
        if offer is None:
            self.prompts.warn(self, "Add line", "That line is not an approved line any more.")
            return
        if offer.unavailable:
            self.prompts.warn(
                self, "Add line", f"“{offer.title}” cannot be used here: it {offer.unavailable}."
            )
            return
        item = EditorParagraph(
            kind="line",
            text=offer.body,
            wording=offer.wording,
            numbered=offer.numbered,
            line_version_id=offer.version_id,
            line_key=offer.key,
            line_title=offer.title,
            line_version=offer.version,
            latest_version_id=offer.version_id,
            latest_version=offer.version,
        )
        current = self.current_row()
        if row is None:
            row = current + 1 if current is not None else len(self.model.items)
        self.undo_stack.push(InsertParagraph(self.model, row, item))
        self._select(row)

    def add_free_text(self) -> None:
        if self._refuse_if_locked():
            return
        current = self.current_row()
        row = current + 1 if current is not None else len(self.model.items)
        self.undo_stack.push(InsertParagraph(self.model, row, EditorParagraph(kind="free")))
        self._select(row)
        self.text_edit.setFocus()

    def remove_current(self) -> None:
        row = self.current_row()
        if row is None or self._refuse_if_locked():
            return
        self.undo_stack.push(RemoveParagraph(self.model, row))
        self._select(min(row, len(self.model.items) - 1))

    def move_current(self, step: int) -> None:
        row = self.current_row()
        if row is None or self._refuse_if_locked():
            return
        self._move(row, row + step)

    def _move(self, source: int, target: int) -> None:
        if not 0 <= target < len(self.model.items) or source == target:
            return
        self.undo_stack.push(MoveParagraph(self.model, source, target))
        self._select(target)

    def update_to_latest(self) -> None:
        row = self.current_row()
        if row is None or self._refuse_if_locked():
            return
        item = self.model.items[row]
        offer = self.offers_by_version.get(item.latest_version_id or -1)
        if not item.drifted or offer is None:
            return
        new = replace(
            item,
            text=offer.body,
            wording=offer.wording,
            unavailable=offer.unavailable,
            line_version_id=offer.version_id,
            line_version=offer.version,
            latest_version_id=offer.version_id,
            latest_version=offer.version,
        )
        self.undo_stack.push(ReplaceParagraph(self.model, row, new, "update line to latest"))

    def _text_typed(self) -> None:
        row = self.current_row()
        if self._loading or row is None or not self.can_edit:
            return
        item = self.model.items[row]
        text = self.text_edit.toPlainText()
        if item.kind == "free" and text != item.text:
            self.undo_stack.push(EditText(self.model, row, item.text, text))

    def _show_current(self) -> None:
        row = self.current_row()
        item = self.model.items[row] if row is not None else None
        self._loading = True
        try:
            if item is None:
                self.text_label.setText("Select a paragraph to see its words.")
                self.text_edit.setPlainText("")
                self.text_edit.setReadOnly(True)
            elif item.kind == "free":
                self.text_label.setText("Own words (plain text, printed exactly as typed):")
                if self.text_edit.toPlainText() != item.text:
                    self.text_edit.setPlainText(item.text)
                self.text_edit.setReadOnly(not self.can_edit)
            else:
                drift = (
                    " — a newer wording is approved: Update to latest to use it"
                    if item.drifted
                    else ""
                )
                self.text_label.setText(
                    f"<b>{escape(item.line_title)}</b> — the approved wording as it "
                    f"will print (not edited here){drift}:"
                )
                self.text_edit.setPlainText(
                    item.wording or f"This line cannot be used here: it {item.unavailable}."
                )
                self.text_edit.setReadOnly(True)
        finally:
            self._loading = False
        self._update_row_buttons()

    def _model_changed(self) -> None:
        self._show_current()  # undo/redo may have changed the words shown
        self._mark_dirty()

    def _details_changed(self, *_: object) -> None:
        if not self._loading:
            self._mark_dirty()

    def _mark_dirty(self) -> None:
        if self._loading:
            return
        self.dirty = True
        # Not restarted by later edits: continuous typing is still saved every few seconds.
        if not self.autosave_timer.isActive() and not self.conflict:
            self.autosave_timer.start()
        self.preview_timer.start()

    # --- saving -------------------------------------------------------------------------------
    def save_now(self) -> bool:
        """Save unsaved edits; False (with the reason shown) when that was refused."""
        self.autosave_timer.stop()
        if not self.dirty or not self.can_edit:
            return True
        if self.conflict:
            return False
        try:
            view = self.drafting.save(
                self.draft_id,
                self.view.version,
                [item.as_input() for item in self.model.items],
                signatory_id=self.signatory.currentData(),
                salutation=self.salutation.text(),
                complimentary_close=self.close_edit.text(),
                subject=self.subject.text(),
            )
        except ConflictError as exc:
            self.conflict = True
            self.returned_banner.setText(f"{exc} (F5 reloads.)")
            self.returned_banner.setVisible(True)
            self.prompts.warn(self, "Draft not saved", str(exc))
            return False
        except ServiceError as exc:
            self.prompts.warn(self, "Draft not saved", str(exc))
            return False
        except SQLAlchemyError as exc:
            self._storage_failed(exc)
            return False
        if self.save_retry.isActive() or self.save_failures:
            self.save_retry.stop()
            self.save_failures = 0
        # Saved rows get their ids; the order is the order sent.
        for row, saved in enumerate(view.paragraphs[: len(self.model.items)]):
            self.model.items[row] = replace(
                self.model.items[row],
                id=saved.id,
                latest_version_id=saved.latest_version_id,
                latest_version=saved.latest_version,
            )
        self.view = view
        self.dirty = False
        self.statusBar().showMessage(f"Saved at {dt.datetime.now():%H:%M:%S}", 4000)
        return True

    def _storage_failed(self, exc: Exception) -> None:
        """The disk or the file refused the save: the words stay here, and it is tried again."""
        from correspondence.services.storage import storage_problem

        why = storage_problem(exc) or f"the database refused it ({type(exc).__name__})"
        text = (
            f"Draft not saved: {why}. Your words are kept in the editor; saving is tried "
            f"again every {SAVE_RETRY_MS // 1000} seconds."
        )
        self.statusBar().showMessage(text)  # stays until a save succeeds
        if self.save_failures == 0:  # said once, not every retry
            self.prompts.warn(self, "Draft not saved", text)
        self.save_failures += 1
        self.save_retry.start()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.save_now() and not self.prompts.confirm(
            self, "Close draft", "Your latest edits could not be saved. Close anyway?"
        ):
            event.ignore()
            return
        self.preview_timer.stop()
        super().closeEvent(event)

    # --- preview --------------------------------------------------------------------------
    def refresh_preview(self) -> None:
        try:
            spec = self.drafting.preview(
                self.draft_id,
                [item.as_input() for item in self.model.items],
                signatory_id=self.signatory.currentData(),
                salutation=self.salutation.text(),
                complimentary_close=self.close_edit.text(),
                subject=self.subject.text(),
                letter_date=self.view.letter_date,
            )
        except ServiceError as exc:
            self.preview.show_problem(str(exc))
            return
        self.preview.show_spec(spec)

    # --- approval -------------------------------------------------------------------------
    def _run(self, title: str, step: Callable[[], DraftView]) -> bool:
        try:
            view = step()
        except ServiceError as exc:
            self.prompts.warn(self, title, str(exc))
            return False
        self.load(view)
        self.changed.emit()
        return True

    def submit(self) -> bool:
        if not self.save_now():
            return False
        return self._run(
            "Submit for QA", lambda: self.drafting.submit(self.draft_id, self.view.version)
        )

    def approve(self) -> bool:
        return self._run(
            "Approve", lambda: self.drafting.approve(self.draft_id, "", self.view.version)
        )

    def return_draft(self) -> bool:
        reason = self.prompts.ask_text(
            self, "Return the draft", "Why is it going back? The drafter will see this."
        )
        if reason is None:
            return False
        return self._run(
            "Return", lambda: self.drafting.return_draft(self.draft_id, reason, self.view.version)
        )

    def sign_off(self) -> bool:
        choice = self.prompts.ask_choice(
            self, "Sign off", "How is the letter signed?", list(SIGNATURE_CHOICES)
        )
        # A described choice, or (from a script) the method's own word.
        method = SIGNATURE_CHOICES.get(choice or "", choice)
        if method is None:
            return False
        password = None
        if self.drafting.sign_off_needs_password():
            # The server checks passwords: prove the person at the desk is the login's owner.
            password = self.prompts.ask_password(
                self, self.drafting.uow.identity.login or "", "sign off"
            )
            if password is None:
                return False
        signed = self._run(
            "Sign off",
            lambda: self.drafting.sign_off(
                self.draft_id, method, "", self.view.version, password=password
            ),
        )
        if signed and self.view.case_id is not None:
            from correspondence.ui.email_actions import keep_signed_pdf_later

            keep_signed_pdf_later(self, self.drafting, self.view.case_id)
        return signed

    def record_dispatch(self) -> bool:
        if self.view.case_id is None:
            return False
        from correspondence.ui.dispatch_channels import DISPATCH_CHOICES

        choice = self.prompts.ask_choice(
            self, "Record dispatch", "How was the signed-off reply sent?", list(DISPATCH_CHOICES)
        )
        if choice is None or choice not in DISPATCH_CHOICES:
            return False
        try:
            self.drafting.dispatch(self.view.case_id, DISPATCH_CHOICES[choice])
        except ServiceError as exc:
            self.prompts.warn(self, "Record dispatch", str(exc))
            return False
        self.load(self.drafting.view(self.draft_id))
        self.changed.emit()
        self.statusBar().showMessage(
            f"Recorded {self.view.case_reference} as sent {choice[0].lower()}{choice[1:]}.", 8000
        )
        return True

    def add_comment(self) -> None:
        body = self.comment_input.text()
        if not body.strip():
            return
        try:
            view = self.drafting.comment(self.draft_id, body)
        except ServiceError as exc:
            self.prompts.warn(self, "Comment", str(exc))
            return
        self.comment_input.clear()
        self.view = replace(self.view, comments=view.comments)
        self._show_comments()

    # --- the Word letter ----------------------------------------------------------------
    @property
    def is_final(self) -> bool:
        return self.view.status is DraftStatus.SIGNED_OFF

    def _write(self, path: Path) -> Path | None:
        if not self.save_now():
            return None
        try:
            written = self.drafting.export(self.draft_id, path, final=self.is_final)
        except (ServiceError, OSError) as exc:  # OSError: the file chosen cannot be written
            self.prompts.warn(self, "Export Word letter", str(exc))
            return None
        self.last_export = written
        return written

    def export(self) -> Path | None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        suggested = Path(folder or Path.home()) / self.drafting.file_name(self.draft_id)
        path = self.prompts.save_path(self, "Export Word letter", suggested)
        if path is None:
            return None
        if path.suffix.lower() != ".docx":
            path = path.with_suffix(".docx")
        written = self._write(path)
        if written:
            marking = "final letter" if self.is_final else "draft (marked DRAFT)"
            self.statusBar().showMessage(f"Wrote the {marking} to {written}", 8000)
        return written

    def _temporary_letter(self) -> Path | None:
        folder = Path(tempfile.gettempdir()) / "correspondence-letters"
        return self._write(folder / self.drafting.file_name(self.draft_id))

    def open_letter(self) -> Path | None:
        path = self._temporary_letter()
        if path is not None and not self.open_url(QUrl.fromLocalFile(str(path))):
            self.prompts.warn(
                self, "Open", f"No application opened {path.name}; it is saved at {path}."
            )
        return path

    def print_letter(self) -> Path | None:
        path = self._temporary_letter()
        if path is None:
            return None
        try:
            self.printer(path)
        except (ServiceError, OSError) as exc:
            self.prompts.warn(self, "Print", str(exc))
            return None
        self.statusBar().showMessage(f"Sent {path.name} to the printer", 6000)
        return path
