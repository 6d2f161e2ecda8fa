"""File → Back up now… and File → Restore from a backup…, and the automatic daily copy.

The copy, its checks and a restore run on a worker thread with a progress dialog. A restore
leaves the window on the restored database: its connections to the old file are closed
just before and after the swap, and the list is loaded again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget
from sqlalchemy import Engine

from correspondence.ui.actions import DeskWindow, Feature, Menu, Section
from correspondence.ui.live_refresh import LiveRefresh
from correspondence.ui.workers import Worker, start

if TYPE_CHECKING:
    from correspondence.services.office.backup import BackupResult, RestoreResult

TITLE = "Backups"
FILTER = "Database backups (*.db *.sqlite *.sqlite3 *.dump);;All files (*)"


class BackupPrompts:
    """The questions the backup actions ask; tests pass a scripted stand-in."""

    def save_path(self, parent: QWidget, suggested: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(parent, "Back up to", str(suggested), FILTER)
        return Path(name) if name else None

    def open_path(self, parent: QWidget, folder: Path) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(parent, "Restore which backup?", str(folder), FILTER)
        return Path(name) if name else None

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
        box.setObjectName("restoreConfirm")
        go = box.addButton("&Restore", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is go

    def tell(self, parent: QWidget, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)

    def warn(self, parent: QWidget, title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)


def _engine(window: DeskWindow) -> Engine:
    return window.desk.uow.engine


def database_url(window: DeskWindow) -> str:
    return _engine(window).url.render_as_string(hide_password=False)


def _sqlite_file(window: DeskWindow) -> Path | None:
    from correspondence.services.storage import sqlite_path

    return sqlite_path(database_url(window))


class BackupController(Feature):
    """Owns the one backup or restore running at a time, and the daily copy's worker."""

    def __init__(self, window: DeskWindow, prompts: BackupPrompts | None = None) -> None:
        super().__init__(window)
        self.prompts = prompts or BackupPrompts()
        self.worker: Worker | None = None
        self.daily_worker: Worker | None = None
        self.progress: QProgressDialog | None = None
        self.last_backup: BackupResult | None = None
        self.last_restore: RestoreResult | None = None

    # --- back up ----------------------------------------------------------------------------
    def suggested_backup(self) -> Path:
        from correspondence import paths

        db = _sqlite_file(self.window)
        stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M")
        if db is None:
            return Path.home() / f"correspondence-{stamp}.dump"
        return paths.backups_dir_for(db) / f"{db.stem}-{stamp}{db.suffix or '.db'}"

    def back_up(self) -> Worker | None:
        if self._busy():
            return None
        out = self.prompts.save_path(self.window, self.suggested_backup())
        if out is None:
            return None
        from correspondence.services.office.backup import backup

        url = database_url(self.window)
        return self._run(
            "Backing up",
            "backupProgress",
            lambda report, _cancel: backup(url, out, progress=report),
            self._backed_up,
        )

    def _backed_up(self, result: BackupResult) -> None:
        self._done()
        self.last_backup = result
        if result.check is not None:
            checked = (
                f"Checked: the copy is whole (integrity {result.check.integrity}) and its event "
                f"log of {result.check.events:,} events is intact ({result.check.audit})."
            )
        else:
            checked = f"Checked: {result.dump_check}."
        size = result.bytes / 1e6
        self.window.statusBar().showMessage(f"Backed up to {result.path}", 15000)
        self.prompts.tell(
            self.window, TITLE, f"Backed up to\n{result.path}\n({size:.1f} MB)\n\n{checked}"
        )

    # --- restore ----------------------------------------------------------------------------
    def restore(self) -> Worker | None:
        if self._busy():
            return None
        from correspondence import paths

        db = _sqlite_file(self.window)
        folder = paths.backups_dir_for(db) if db is not None else Path.home()
        chosen = self.prompts.open_path(self.window, folder if folder.is_dir() else Path.home())
        if chosen is None:
            return None
        where = str(db) if db is not None else "the database"
        made = dt.datetime.fromtimestamp(chosen.stat().st_mtime) if chosen.exists() else None
        when = f" (made {made:%d %b %Y %H:%M})" if made else ""
        if not self.prompts.confirm(
            self.window,
            "Restore from a backup",
            f"Put the backup\n{chosen}{when}\nin place of\n{where}?\n\n"
            "Work done since that backup will not be in the restored database. The current "
            "file is kept aside beside it, not deleted. The backup is checked first; if it "
            "is not whole, nothing changes.",
        ):
            return None
        from correspondence.services.office.backup import restore

        url = database_url(self.window)
        engine = _engine(self.window)
        username = self.window.desk.username
        return self._run(
            "Restoring",
            "restoreProgress",
            lambda report, _cancel: restore(
                chosen, url, username, progress=report, release=engine.dispose
            ),
            self._restored,
        )

    def _restored(self, result: RestoreResult) -> None:
        self._done()
        self.last_restore = result
        _engine(self.window).dispose()
        live = self.window.feature(LiveRefresh)
        if live.feed.running:
            # The feed's own connection still watches the file put aside: watch the new one.
            live.feed.stop()
            live.feed.start()
        self.window.refresh()  # the list, the details and the counts from the restored file
        upgraded = (
            f"\nThe backup was made by an older version (schema {result.upgraded_from}) and "
            "was upgraded."
            if result.upgraded_from
            else ""
        )
        aside = (
            f"\n\nThe file it replaced is kept at\n{result.previous_file}"
            if result.previous_file
            else ""
        )
        self.window.statusBar().showMessage(f"Restored {Path(result.backup).name}", 15000)
        self.prompts.tell(
            self.window,
            TITLE,
            f"Restored {Path(result.backup).name}: {result.cases:,} cases, "
            f"{result.events:,} events. The restore is recorded in the history.{upgraded}{aside}",
        )

    # --- running ----------------------------------------------------------------------------
    def _busy(self) -> bool:
        if self.worker is None:
            return False
        self.window.statusBar().showMessage("A backup or restore is already running.", 5000)
        return True

    def _run(self, title: str, name: str, job, finished) -> Worker:  # noqa: ANN001
        progress = QProgressDialog(f"{title}…", "", 0, 100, self.window)
        progress.setObjectName(name)
        progress.setWindowTitle(title)
        progress.setCancelButton(None)  # a copy or a swap half done is no use: it runs to the end
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setMinimumWidth(420)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.setValue(0)
        self.progress = progress
        worker = Worker(job)
        worker.signals.progress.connect(self._progress)
        worker.signals.finished.connect(finished)
        worker.signals.failed.connect(self._failed)
        self.worker = worker
        return start(worker)

    def _progress(self, done: int, total: int, stage: str) -> None:
        dialog = self.progress
        if dialog is None:
            return
        pct = 100 * done // max(total, 1)
        dialog.setLabelText(f"{stage[:1].upper()}{stage[1:]}… {pct}%")
        # Last: a window-modal dialog's setValue delivers queued events, "finished" among them.
        dialog.setValue(pct)

    def _done(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        self.worker = None

    def _failed(self, message: str) -> None:
        self._done()
        self.window.statusBar().showMessage(message.splitlines()[0], 15000)
        self.prompts.warn(self.window, TITLE, message)


@BackupController.action(
    "backUp",
    "Back &up now…",
    Menu.FILE,
    Section.DATA,
    tip="Copy the database to a file, checked, while you work",
)
def back_up(window: DeskWindow) -> Worker | None:
    return window.feature(BackupController).back_up()


@BackupController.action(
    "restoreBackup",
    "&Restore from a backup…",
    Menu.FILE,
    Section.DATA,
    tip="Put a backup in place of the database; the current file is kept aside",
)
def restore(window: DeskWindow) -> Worker | None:
    return window.feature(BackupController).restore()


# --- the automatic daily copy -----------------------------------------------------------------


class _DailyNotice(QObject):
    """Tells the window how the automatic copy went; a child of the window, so a window
    closed before the copy ends is simply not told (the connection goes with it)."""

    def __init__(self, window: DeskWindow) -> None:
        super().__init__(window)
        self.window = window

    @Slot(object)
    def made(self, result: BackupResult | None) -> None:
        if result is not None:
            self.window.statusBar().showMessage(f"Today's automatic backup: {result.path}", 10000)

    @Slot(str)
    def failed(self, message: str) -> None:
        self.window.statusBar().showMessage(f"The automatic backup failed: {message}", 30000)
        if "failed its check" in message or "damaged" in message:
            # The copy reads every page: damage found there is damage in the database.
            QMessageBox.warning(
                self.window,
                TITLE,
                f"{message}\n\nThe database itself may be damaged. Keep working only to note "
                "what you need; File → Restore from a backup… puts a good copy back (the "
                "current file is kept aside).",
            )


def start_daily_backup(window: DeskWindow) -> Worker | None:
    """On start: today's automatic copy, on a worker thread (the window is usable at once)."""
    db = _sqlite_file(window)
    if db is None:
        return None
    from correspondence.services.office.backup import daily_backup

    url = database_url(window)
    worker = Worker(lambda _report, _cancel: daily_backup(url))
    notice = _DailyNotice(window)
    worker.signals.finished.connect(notice.made)
    worker.signals.failed.connect(notice.failed)
    window.feature(BackupController).daily_worker = worker
    return start(worker)
