"""Case → Draft reply… (Ctrl+R), Case → Record dispatch…, and Go → My work (Ctrl+M)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMessageBox, QWidget

from correspondence.services.errors import ServiceError
from correspondence.ui.actions import DeskWindow, Feature, Menu, Section
from correspondence.ui.background import LatestOnly
from correspondence.ui.dispatch_channels import DISPATCH_CHOICES

if TYPE_CHECKING:
    from correspondence.services.drafting.drafting import Drafting
    from correspondence.ui.draft_editor.loading import LoadedDraft
    from correspondence.ui.draft_editor.window import DraftEditor
    from correspondence.ui.my_work import MyWorkPanel

# Drafting, the editor and the My work panel pull in python-docx and Jinja: they are
# imported when first used, not while the window is starting.

DRAFT_SHORTCUT = "Ctrl+R"
MY_WORK_SHORTCUT = "Ctrl+M"
DISPATCH_SHORTCUT = "Ctrl+Shift+D"
TITLE = "Draft reply"
OPENING = "Opening the draft reply…"


def drafting_for(window: DeskWindow) -> Drafting:
    from correspondence.services.drafting.drafting import Drafting

    d = window.desk
    return Drafting(d.uow, d.clock)


class DraftingFeature(Feature):
    """Open draft editors, and the My work dock (its panel made when first shown)."""

    def __init__(self, window: DeskWindow) -> None:
        super().__init__(window)
        self.draft_editors: dict[int, DraftEditor] = {}
        # The draft being read for its editor, on a worker: the newest request wins.
        self.opening = LatestOnly(window)
        self.opening.busy_changed.connect(lambda busy: _opening(window, busy))
        self.my_work: MyWorkPanel | None = None
        dock = self.my_work_dock = QDockWidget("My work", window)
        dock.setObjectName("myWorkDock")
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.hide()
        dock.visibilityChanged.connect(lambda visible: _dock_shown(window, visible))
        window.user_changed.connect(self._user_changed)

    def _user_changed(self, _username: str) -> None:
        """Open editors act as the user who opened them: close them (each saves on close)."""
        self.opening.cancel()  # a draft read for the one who has left opens for nobody
        for editor in list(self.draft_editors.values()):
            editor.close()
        self.draft_editors.clear()


def _editors(window: DeskWindow) -> dict[int, DraftEditor]:
    return window.feature(DraftingFeature).draft_editors


def open_editor(window: DeskWindow, draft_id: int) -> None:
    """Show the editor for a draft: an open one at once, a new one when it has been read (the
    window says it is opening meanwhile)."""
    from correspondence.ui.draft_editor.loading import read_draft

    feature = window.feature(DraftingFeature)
    editor = feature.draft_editors.get(draft_id)
    if editor is not None and editor.isVisible():
        feature.opening.cancel()  # a draft asked for earlier is no longer wanted
        _raise(editor)
        return
    drafting = drafting_for(window)
    feature.opening.run(
        lambda: read_draft(drafting, draft_id),
        lambda loaded: _show_editor(window, drafting, loaded),
        lambda message: QMessageBox.warning(window, TITLE, message),
    )


def _show_editor(window: DeskWindow, drafting: Drafting, loaded: LoadedDraft) -> DraftEditor:
    from correspondence.ui.draft_editor.window import DraftEditor

    editors = _editors(window)
    editor = editors.get(loaded.view.id)
    if editor is None or not editor.isVisible():
        # A window of its own (no parent), so it can sit beside the list on another screen.
        editor = DraftEditor(drafting, loaded)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        editor.changed.connect(window.refresh_in_background)
        editor.changed.connect(lambda: _refresh_my_work(window))
        editors[loaded.view.id] = editor
    _raise(editor)
    return editor


def _raise(editor: DraftEditor) -> None:
    editor.show()
    editor.raise_()
    editor.activateWindow()


def _opening(window: DeskWindow, busy: bool) -> None:
    bar = window.statusBar()
    if busy:
        window.setCursor(Qt.CursorShape.BusyCursor)
        bar.showMessage(OPENING)
    else:
        window.unsetCursor()
        if bar.currentMessage() == OPENING:
            bar.clearMessage()


@DraftingFeature.action(
    "draftReply",
    "&Draft reply…",
    Menu.CASE,
    Section.REPLY,
    shortcut=DRAFT_SHORTCUT,
    tip="Open the selected case's draft reply, or start one",
)
def draft_reply(window: DeskWindow) -> None:
    """Open the selected case's draft, starting one if it has none (read on a worker)."""
    from correspondence.ui.draft_editor.loading import read_draft

    case_id = window.current_case_id()
    if case_id is None:
        window.statusBar().showMessage("Select a case to draft its reply.", 5000)
        return
    drafting = drafting_for(window)

    def opened(loaded: LoadedDraft) -> None:
        window.refresh_in_background()  # a draft just started moves the case on
        _show_editor(window, drafting, loaded)

    window.feature(DraftingFeature).opening.run(
        lambda: read_draft(drafting, drafting.open_for_case(case_id).id),
        opened,
        lambda message: QMessageBox.warning(window, TITLE, message),
    )


def ask_channel(parent: QWidget, count: int) -> str | None:
    from correspondence.ui.dialogs.choice import ask_choice

    what = "was the signed-off reply" if count == 1 else f"were the {count} signed-off replies"
    choice = ask_choice(parent, "Record dispatch", f"How {what} sent?", list(DISPATCH_CHOICES))
    return DISPATCH_CHOICES.get(choice or "")


@DraftingFeature.action(
    "recordDispatch",
    "Record dis&patch…",
    Menu.CASE,
    Section.REPLY,
    shortcut=DISPATCH_SHORTCUT,
    tip="Record that the selected cases' signed-off replies have been sent",
)
def record_dispatch(window: DeskWindow) -> int:
    """Record every selected case's signed-off reply as sent (a morning's post at once);
    the number recorded. Says so when nothing is selected or a case cannot be sent."""
    from correspondence.ui.triage_actions import selected_case_ids

    case_ids = selected_case_ids(window)
    if not case_ids:
        message = "Select the signed-off cases whose replies were sent, then Record dispatch."
        window.statusBar().showMessage(message, 8000)
        QMessageBox.information(window, "Record dispatch", message)
        return 0
    channel = ask_channel(window, len(case_ids))
    if channel is None:
        return 0
    drafting = drafting_for(window)
    done, refused = 0, []
    for case_id in case_ids:
        try:
            drafting.dispatch(case_id, channel)
            done += 1
        except ServiceError as exc:
            refused.append(str(exc))
    window.refresh()
    replies = "reply" if done == 1 else "replies"
    window.statusBar().showMessage(f"Recorded {done} {replies} as sent by {channel}.", 8000)
    if refused:
        QMessageBox.warning(
            window,
            "Record dispatch",
            f"Recorded {done} {replies} as sent by {channel}. Not recorded:\n\n"
            + "\n".join(f"• {r}" for r in refused),
        )
    return done


def _refresh_my_work(window: DeskWindow) -> None:
    panel = window.feature(DraftingFeature).my_work
    if panel is not None and panel.isVisible():
        panel.refresh()


def my_work_panel(window: DeskWindow) -> MyWorkPanel:
    """The My work panel, made (and put in its dock) the first time it is wanted."""
    feature = window.feature(DraftingFeature)
    panel = feature.my_work
    if panel is None:
        from correspondence.ui.my_work import MyWorkPanel

        panel = MyWorkPanel(drafting_for(window))
        panel.openDraft.connect(lambda draft_id: open_editor(window, draft_id))
        panel.selectCase.connect(lambda case_id: _select_case(window, case_id))
        window.user_changed.connect(lambda _username: panel.set_drafting(drafting_for(window)))
        feature.my_work_dock.setWidget(panel)
        feature.my_work = panel
    return panel


def _dock_shown(window: DeskWindow, visible: bool) -> None:
    # Shown some other way than Go → My work (the dock's own menu): fill it then.
    if visible and window.feature(DraftingFeature).my_work is None:
        my_work_panel(window).refresh()


@DraftingFeature.action(
    "myWork",
    "&My work",
    Menu.GO,
    Section.WORK,
    shortcut=MY_WORK_SHORTCUT,
    tip="Drafts waiting for me and my cases due soon",
)
def toggle_my_work(window: DeskWindow) -> MyWorkPanel:
    dock = window.feature(DraftingFeature).my_work_dock
    panel = my_work_panel(window)
    if dock.isVisible() and panel.isAncestorOf(window.focusWidget()):
        dock.hide()
    else:
        dock.show()
        panel.refresh()
        panel.drafts.setFocus()
    return panel


def _select_in_list(window: DeskWindow, case_id: int, max_pages: int = 50) -> bool:
    """Select the case, loading further pages of the list while it is not there yet."""
    model = window.model
    for _ in range(max_pages):
        if window.select_case(case_id):
            return True
        if not model.canFetchMore():
            return False
        model.fetchMore()
    return window.select_case(case_id)


def _select_case(window: DeskWindow, case_id: int) -> None:
    if not _select_in_list(window, case_id):
        # Not in the filtered list: clear the filters, then look again.
        window.filters.clear()
        if not _select_in_list(window, case_id):
            window.statusBar().showMessage("That case is not in the list.", 5000)
            return
    window.table.scrollTo(window.table.currentIndex())
    window.table.setFocus()
