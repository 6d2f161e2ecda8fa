"""Intake in the main window: Case → Log a letter…, File → Import…, and drag and drop.

Imports run on a worker thread (`ui/workers.py`) with a progress dialog that can
cancel between files; the window stays usable meanwhile.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QListView, QProgressDialog, QTreeView

from correspondence.ui.actions import DeskWindow, Feature, Menu, Section
from correspondence.ui.workers import Worker, start

if TYPE_CHECKING:
    from correspondence.services.intake.import_results import ImportResult
    from correspondence.services.intake.intake import Intake
    from correspondence.ui.dialogs.import_result import ImportResultDialog
    from correspondence.ui.dialogs.log_letter import LogLetterDialog

# The intake service (mail, Word and PDF readers) and the dialogs are imported when an
# action is first used, not while the window is starting.

FILE_FILTER = (
    "Letters, emails and scans (*.eml *.msg *.txt *.docx *.pdf *.png *.jpg *.jpeg *.tif *.tiff)"
    ";;All files (*)"
)


class IntakeController(Feature):
    """Owns intake's running import and its dialogs for one window, and takes drops."""

    def __init__(self, window: DeskWindow) -> None:
        super().__init__(window)
        self._intake: Intake | None = None
        self.worker: Worker | None = None
        self.progress: QProgressDialog | None = None
        self.result_dialog: ImportResultDialog | None = None
        self.last_result: ImportResult | None = None
        window.user_changed.connect(self._user_changed)
        window.setAcceptDrops(True)
        drops = DropFilter(self)
        window.installEventFilter(drops)
        # Drops on the table land on its viewport first; route those here too.
        window.table.viewport().installEventFilter(drops)
        window.table.viewport().setAcceptDrops(True)

    @property
    def intake(self) -> Intake:
        """The intake service for the window's user, made on first use."""
        if self._intake is None:
            from correspondence.services.intake.intake import Intake

            desk = self.window.desk
            self._intake = Intake(desk.uow, desk.clock)
        return self._intake

    def _user_changed(self, _username: str) -> None:
        # Made again for the new user on next use; an import already running finishes as
        # the person who started it.
        self._intake = None

    # --- logging by hand -------------------------------------------------------------
    def log_letter(self) -> LogLetterDialog:
        from correspondence.ui.dialogs.log_letter import LogLetterDialog

        dialog = LogLetterDialog(self.intake, self.window)
        dialog.accepted.connect(lambda: self._logged(dialog))
        dialog.open()
        return dialog

    def _logged(self, dialog: LogLetterDialog) -> None:
        logged = dialog.logged
        if logged is None:
            return
        self.window.refresh()
        self.show_case(logged.id, logged.reference)
        note = " — on the STOP LIST: acknowledgement only" if logged.on_stop_list else ""
        self.window.statusBar().showMessage(f"Logged {logged.reference}{note}", 15000)

    def show_case(self, case_id: int, reference: str) -> None:
        """Select the case, paging further down the list, or searching for it if need be."""
        w = self.window
        for _ in range(20):
            if w.select_case(case_id):
                return
            if not w.model.canFetchMore():
                break
            w.model.fetchMore()
        w.filters.search.setText(reference)
        w.apply_filter(w.filters.current())
        w.select_case(case_id)

    # --- importing ---------------------------------------------------------------------
    def choose_and_import(self) -> None:
        dialog = QFileDialog(self.window, "Import letters and emails")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilter(FILE_FILTER)
        # Qt's own dialog lets a person pick files and folders together.
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        for view in dialog.findChildren(QListView) + dialog.findChildren(QTreeView):
            view.setSelectionMode(view.SelectionMode.ExtendedSelection)
        if dialog.exec():
            self.import_paths(dialog.selectedFiles())

    def import_paths(self, paths: list[str]) -> Worker | None:
        if not paths:
            return None
        if self.worker is not None:
            self.window.statusBar().showMessage(
                "An import is already running; wait for it to finish.", 5000
            )
            return None
        progress = QProgressDialog("Reading files…", "&Cancel", 0, 0, self.window)
        progress.setWindowTitle("Importing")
        progress.setObjectName("importProgress")
        progress.setMinimumDuration(300)
        progress.setWindowModality(Qt.WindowModality.NonModal)  # the list stays usable
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        self.progress = progress
        intake = self.intake  # the person who starts the import, even if the desk changes hands
        worker = Worker(
            lambda report, cancel: intake.import_paths(paths, progress=report, should_cancel=cancel)
        )
        worker.signals.progress.connect(self._progress)
        worker.signals.finished.connect(self._finished)
        worker.signals.failed.connect(self._failed)
        progress.canceled.connect(worker.cancel)
        self.worker = worker
        self.window.statusBar().showMessage(f"Importing {len(paths)} item(s)…")
        return start(worker)

    def _progress(self, done: int, total: int, path: str) -> None:
        if self.progress is None:
            return
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        name = Path(path).name if path else ""
        self.progress.setLabelText(f"{done:,} of {total:,} files\n{name}")

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        self.worker = None

    def _finished(self, result: ImportResult) -> None:
        from correspondence.ui.dialogs.import_result import ImportResultDialog

        self._close_progress()
        self.last_result = result
        self.window.refresh()
        msg = (
            f"Imported {len(result.imported):,}, {len(result.duplicates):,} "
            f"duplicate{'' if len(result.duplicates) == 1 else 's'}, "
            f"{len(result.failed):,} failed" + (" (cancelled)" if result.cancelled else "")
        )
        self.window.statusBar().showMessage(msg, 15000)
        self.result_dialog = ImportResultDialog(result, self.window)
        self.result_dialog.open()

    def _failed(self, message: str) -> None:
        self._close_progress()
        self.window.statusBar().showMessage(f"Import stopped: {message}", 15000)
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(self.window, "Import", f"The import stopped: {message}")


class DropFilter(QObject):
    """Accepts files and folders dropped anywhere on the window and imports them."""

    def __init__(self, controller: IntakeController) -> None:
        super().__init__(controller)
        self.controller = controller

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragEnterEvent | QDropEvent)
            if _local_paths(event):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            paths = _local_paths(event)
            if paths:
                event.acceptProposedAction()
                self.controller.import_paths(paths)
                return True
        return False


def _local_paths(event: QDropEvent) -> list[str]:
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


@IntakeController.action(
    "logLetter",
    "&Log a letter…",
    Menu.CASE,
    Section.OPEN,
    shortcut="Ctrl+N",
    tip="Log a letter, email or phone note by hand",
)
def log_letter(window: DeskWindow) -> LogLetterDialog:
    return window.feature(IntakeController).log_letter()


@IntakeController.action(
    "importFiles",
    "&Import…",
    Menu.FILE,
    Section.OPEN,
    shortcut="Ctrl+I",
    tip="Import .eml, .msg, .txt, .docx and .pdf files, scans or folders",
)
def choose_and_import(window: DeskWindow) -> None:
    window.feature(IntakeController).choose_and_import()
