"""The draft editor window: build a reply from approved lines and own words, watch the letter
take shape, and move it through QA and sign-off.

Left: the approved lines (lines_pane). Middle: the paragraphs (paragraphs_pane) above the
letter's details (letter_details). Right: the live preview and the comments (letter_pane).
Below: the approval steps (approval_bar) and the Word file (letter_file). This module holds
them together: loading, autosave, the window's shortcuts. Edits autosave within a few
seconds and on close; every paragraph edit can be undone. Reads (opening, F5, the preview)
run on a worker, so a distant server never freezes the window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence, QUndoStack
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QSplitter, QVBoxLayout, QWidget
from sqlalchemy.exc import SQLAlchemyError

from correspondence.domain.states import DraftStatus
from correspondence.services.actors import Actor
from correspondence.services.drafting.draft_guards import DRAFTING_ROLES
from correspondence.services.drafting.draft_view import DraftView
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.drafting.line_offers import LineOffer
from correspondence.services.errors import ConflictError, ServiceError
from correspondence.services.replies.printing import print_file
from correspondence.ui.accessibility import make_reachable
from correspondence.ui.background import LatestOnly
from correspondence.ui.draft_editor.approval_bar import ApprovalBar
from correspondence.ui.draft_editor.letter_details import LetterDetails
from correspondence.ui.draft_editor.letter_file import LetterFileButtons
from correspondence.ui.draft_editor.letter_pane import LetterPane
from correspondence.ui.draft_editor.lines_pane import LinesPane
from correspondence.ui.draft_editor.loading import LoadedDraft, read_draft
from correspondence.ui.draft_editor.paragraphs_pane import ParagraphsPane
from correspondence.ui.draft_editor.prompts import Prompts
from correspondence.ui.widgets.paragraph_list import EditorParagraph, ParagraphListModel

AUTOSAVE_MS = 2000  # an edit is saved at most this long after it is made
PREVIEW_MS = 300
SAVE_RETRY_MS = 10_000  # after the disk refused a save


class DraftEditor(QMainWindow):
    """One draft reply, opened by one user (from a `LoadedDraft` read off the GUI thread)."""

    changed = Signal()  # the draft's status moved (the main window refreshes its list)

    def __init__(
        self,
        drafting: Drafting,
        loaded: LoadedDraft,
        *,
        prompts: Prompts | None = None,
        open_url: Callable[[QUrl], object] = QDesktopServices.openUrl,
        printer: Callable[[Path], object] = print_file,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("draftEditor")
        self.drafting = drafting
        self.draft_id = loaded.view.id
        self.prompts = prompts or Prompts()
        self.actor: Actor = loaded.actor
        self.view: DraftView = loaded.view
        self.dirty = False
        self.conflict = False
        self._loading = False
        # Reads behind a key (F5) and the live preview: on a worker, the newest answer wins.
        self.reads = LatestOnly(self)
        self.reads.busy_changed.connect(self._reading)
        self.preview_reads = LatestOnly(self)

        self.undo_stack = QUndoStack(self)
        self.model = ParagraphListModel(self)
        self.model.changed.connect(self._model_changed)
        self.autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.save_now)
        self.save_retry = QTimer(self, singleShot=True, interval=SAVE_RETRY_MS)
        self.save_retry.timeout.connect(self.save_now)
        self.save_failures = 0
        self.preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_MS)
        self.preview_timer.timeout.connect(self.refresh_preview)

        self._build(open_url, printer)
        self._build_actions()
        self.resize(1340, 690)  # fits a 1366×768 screen with its task bar
        self.load(loaded)
        make_reachable(self)

    # --- layout ---------------------------------------------------------------------------
    def _build(self, open_url: Callable[[QUrl], object], printer: Callable[[Path], object]) -> None:
        self.lines = LinesPane()
        self.heading = QLabel()
        self.heading.setObjectName("draftHeading")
        self.heading.setWordWrap(True)
        self.returned_banner = QLabel()
        self.returned_banner.setObjectName("returnedBanner")
        self.returned_banner.setWordWrap(True)
        self.returned_banner.setStyleSheet(
            "background: #fdecea; color: #8a1c1c; padding: 6px; border: 1px solid #e6b3b3;"
        )
        self.paragraphs = ParagraphsPane(self)
        self.lines.lineChosen.connect(self.paragraphs.add_line)
        self.details = LetterDetails(self)
        self.details.changed.connect(self._mark_dirty)
        middle = QWidget()
        mv = QVBoxLayout(middle)
        mv.setContentsMargins(4, 6, 4, 6)
        mv.addWidget(self.heading)
        mv.addWidget(self.returned_banner)
        mv.addWidget(self.paragraphs, 1)
        mv.addWidget(self.details)
        self.letter = LetterPane(self)
        self.approval = ApprovalBar(self)
        self.files = LetterFileButtons(self, open_url, printer)
        buttons = QHBoxLayout()
        buttons.addWidget(self.approval)
        buttons.addStretch(1)
        buttons.addWidget(self.files)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("draftSplitter")
        splitter.addWidget(self.lines)
        splitter.addWidget(middle)
        splitter.addWidget(self.letter)
        splitter.setSizes([410, 500, 430])  # the lines need room for their titles
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.setCentralWidget(central)
        self._central = central
        self.statusBar()  # made now, so that what the editor says later has room at once

    def _build_actions(self) -> None:
        def action(text: str, keys: str | QKeySequence, slot: Callable[[], object]) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        pane = self.paragraphs
        self.undo_action = action("Undo", "Ctrl+Z", self.undo_stack.undo)
        self.redo_action = action("Redo", "Ctrl+Shift+Z", self.undo_stack.redo)
        self.up_action = action("Move up", "Ctrl+Up", lambda: pane.move_current(-1))
        self.down_action = action("Move down", "Ctrl+Down", lambda: pane.move_current(1))
        self.save_action = action("Save", "Ctrl+S", self.save_now)
        self.reload_action = action("Reload", "F5", self.reload)
        delete = QAction("Remove paragraph", pane.list)
        delete.setShortcut(QKeySequence(Qt.Key.Key_Delete))
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(pane.remove_current)
        pane.list.addAction(delete)

    # --- what the panes ask of the window (EditorHost) ------------------------------------
    @property
    def can_edit(self) -> bool:
        return self.view.editable and self.actor.has(*DRAFTING_ROLES)

    def offer(self, version_id: int) -> LineOffer | None:
        return self.lines.offers_by_version.get(version_id)

    def refuse_if_locked(self) -> bool:
        if self.can_edit:
            return False
        if self.view.editable:
            why = f"{self.actor.display_name} may not edit draft replies."
        else:
            why = f"This draft is {self.view.status.label.lower()}: it can no longer be edited."
        self.say(why, 5000)
        return True

    def say(self, text: str, ms: int = 0) -> None:
        self.statusBar().showMessage(text, ms)

    def stepped(self, view: DraftView) -> None:
        self.show_view(view)
        self.changed.emit()

    # --- loading ----------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        """Whether a reload is still being read."""
        return self.reads.busy

    def load(self, loaded: LoadedDraft) -> None:
        """Show a draft as read, with the lines it may use."""
        self.actor = loaded.actor
        self.details.set_signatories(loaded.signatories)
        self.details.show_reply_channel(loaded.reply_channel)
        self.show_view(loaded.view)
        self.lines.show_offers(loaded.offers, loaded.view)
        if loaded.offers_problem:
            self.prompts.warn(self, "Approved lines", loaded.offers_problem)

    def show_view(self, view: DraftView) -> None:
        """Show the draft as saved: its paragraphs, details, status and comments."""
        self._loading = True
        try:
            self.view = view
            self.model.editable = self.can_edit
            self.model.reset([EditorParagraph.from_view(p) for p in view.paragraphs])
            self.details.fill(view)
        finally:
            self._loading = False
        self.undo_stack.clear()
        self.dirty = False
        self.conflict = False
        self.autosave_timer.stop()
        self._show_header()
        self.letter.show_comments()
        self._update_state()
        self.paragraphs.show_current()
        self.refresh_preview()

    def reload(self) -> None:
        """Read the draft again (F5), on a worker; the window waits, greyed, meanwhile."""
        if self.dirty and not self.conflict and not self.save_now():
            return
        drafting, draft_id = self.drafting, self.draft_id
        self.reads.run(lambda: read_draft(drafting, draft_id), self.load, self._reload_failed)

    def _reading(self, busy: bool) -> None:
        self._central.setEnabled(not busy)  # no edit is made to words about to be replaced
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
            self.say("Reading the draft again…")
        else:
            self.unsetCursor()
            self.statusBar().clearMessage()

    def _reload_failed(self, message: str) -> None:
        self.say(f"The draft could not be read again: {message}", 10_000)

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

    def _update_state(self) -> None:
        editing = self.can_edit
        self.lines.set_editable(editing)
        self.details.set_editable(editing, campaign=self.view.campaign_id is not None)
        self.paragraphs.set_editable(editing)
        self.approval.update_state()
        self.files.update_state()

    def _model_changed(self) -> None:
        self.paragraphs.show_current()  # undo/redo may have changed the words shown
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
                **self.details.values(),
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
        self.say(f"Saved at {dt.datetime.now():%H:%M:%S}", 4000)
        return True

    def _storage_failed(self, exc: Exception) -> None:
        """The disk or the file refused the save: the words stay here, and it is tried again."""
        from correspondence.services.storage import storage_problem

        why = storage_problem(exc) or f"the database refused it ({type(exc).__name__})"
        text = (
            f"Draft not saved: {why}. Your words are kept in the editor; saving is tried "
            f"again every {SAVE_RETRY_MS // 1000} seconds."
        )
        self.say(text)  # stays until a save succeeds
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
        self.preview_reads.cancel()
        super().closeEvent(event)

    # --- preview --------------------------------------------------------------------------
    def refresh_preview(self) -> None:
        """Render the letter as it stands, on a worker (the words are read with it)."""
        drafting, draft_id = self.drafting, self.draft_id
        paragraphs = [item.as_input() for item in self.model.items]
        details, letter_date = self.details.values(), self.view.letter_date
        preview = self.letter.preview
        self.preview_reads.run(
            lambda: drafting.preview(draft_id, paragraphs, letter_date=letter_date, **details),
            preview.show_spec,
            preview.show_problem,
        )
