"""Opening the database at start-up, with a message instead of a traceback on failure.

On a first run the new database is filled with the demo office. That takes seconds, so it
runs on a worker thread while a progress dialog keeps repainting; the caller gets the
database back only once the data is in, so the main window never shows an empty office.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QThreadPool, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QProgressDialog, QWidget
from sqlalchemy.orm import Session, sessionmaker

from correspondence.database import Database, DatabaseUnavailable, open_database
from correspondence.services.storage import sqlite_path
from correspondence.ui.workers import Worker, start

TITLE = "Correspondence Desk"
LOADING_TEXT = (
    "Setting up the demo office: letters, standard lines, drafts and the people who\n"
    "work on them. This happens once, on the first run, and takes a few seconds."
)

DemoLoader = Callable[[sessionmaker[Session]], object]


class DemoProgress(QProgressDialog):
    """A busy dialog with no way to cancel: the demo loads in one all-or-nothing
    transaction that cannot be stopped part way, and half a demo office is no use."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(LOADING_TEXT, "", 0, 0, parent)
        self.setObjectName("demoProgress")
        self.setWindowTitle(TITLE)
        self.setCancelButton(None)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        # No close button in the title bar either.
        self.setWindowFlags(
            Qt.WindowType.Dialog | Qt.WindowType.CustomizeWindowHint | Qt.WindowType.WindowTitleHint
        )

    def reject(self) -> None:  # Escape: keep going
        pass

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - the window manager's close
        event.ignore()


def _demo_loader() -> DemoLoader:
    from correspondence.services.demo.demo import load_demo  # only a first run needs it

    return load_demo


class _Outcome(QObject):
    """Receives the worker's signals on the GUI thread (a QObject receiver living here makes
    the connections queued) and ends the local event loop."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = QEventLoop(self)
        self.done = False
        self.problem: str | None = None

    @Slot(object)
    def succeeded(self, _result: object) -> None:
        self.done = True
        self.loop.quit()

    @Slot(str)
    def failed(self, message: str) -> None:
        self.done, self.problem = True, message
        self.loop.quit()


def load_demo_in_background(
    db: Database, load: DemoLoader | None = None, pool: QThreadPool | None = None
) -> str | None:
    """Fill `db` with the demo office on a worker thread, showing progress meanwhile.

    Returns when the load has finished: None on success, else the reason it failed.
    Qt events keep flowing in the meantime (a local event loop), so the dialog repaints.
    """
    job = load or _demo_loader()
    progress = DemoProgress()
    progress.show()
    outcome = _Outcome()
    worker = Worker(lambda _report, _should_cancel: job(db.session_factory))
    worker.signals.finished.connect(outcome.succeeded)
    worker.signals.failed.connect(outcome.failed)
    pool = pool or QThreadPool.globalInstance()
    start(worker, pool)
    outcome.loop.exec()  # queued signals arrive only once it runs, never before
    if not outcome.done:
        # Something ended the loop early (the application quitting): the load cannot be
        # stopped part way, so let it finish rather than leave the worker running.
        pool.waitForDone()
        QCoreApplication.sendPostedEvents(outcome)
    progress.hide()
    progress.deleteLater()
    if not outcome.done:
        return "start-up was interrupted before the demo data was in"
    return outcome.problem


# --- which database, and may it be made? --------------------------------------------------


@dataclass(frozen=True)
class Opening:
    opener: Callable[[], Database]
    demo_when_empty: bool  # only the first-run default database gets the demo office


NO_DATABASE_BOX = "noDatabase"


def prepare(url: str, *, named: bool) -> Opening | None:
    """How to open `url` in the window. A file the person named that does not exist is made
    only when they say so, and gets the demo office only if they choose it; the default
    database in the data folder is made, with the demo office, on the first run.

    None when the person chose not to go on.
    """
    path = sqlite_path(url)
    if path is None or path.exists():
        # Header and length here (a file cut short or not a database); every page is read by
        # the daily backup's check, on a worker, since reading them all costs ~1 s per 100,000
        # cases at start.
        return Opening(lambda: open_database(url, create=False), not named)
    if not named:
        return Opening(lambda: open_database(url, create=True), True)
    box = QMessageBox(
        QMessageBox.Icon.Question,
        TITLE,
        f"There is no database at\n{path}\n\nIf the path is mistyped, cancel and check it. "
        "Otherwise a new database can be made there.",
    )
    box.setObjectName(NO_DATABASE_BOX)
    empty = box.addButton("Make an &empty database", QMessageBox.ButtonRole.AcceptRole)
    demo = box.addButton("Make one with the &demo office", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    chosen = box.clickedButton()
    if chosen not in (empty, demo):
        return None
    return Opening(lambda: open_database(url, create=True), chosen is demo)


# --- a damaged file ------------------------------------------------------------------------

DAMAGED_BOX = "damagedDatabase"


def offer_backup(problem: DatabaseUnavailable, username: str | None = None) -> bool:
    """Tell the person which file is damaged and how; offer the newest backup or another.

    True once a backup has been restored in its place (the damaged file is kept aside).
    """
    if problem.backup is not None:
        made = dt.datetime.fromtimestamp(problem.backup.stat().st_mtime)
        offer = (
            f"The newest backup is {problem.backup}, made {made:%d %b %Y at %H:%M}. Restoring "
            "it puts the damaged file aside (it is not deleted); work done since that backup "
            "will not be in the restored database."
        )
    else:
        offer = (
            f"No backup of it was found in {problem.path.parent / 'backups'}. If you have "
            "one elsewhere, choose it."
        )
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        TITLE,
        f"The database file\n{problem.path}\n{problem.problem or 'cannot be used'}.\n\n"
        f"Nothing was written to it. {offer}",
    )
    box.setObjectName(DAMAGED_BOX)
    newest = (
        box.addButton("Restore the &newest backup", QMessageBox.ButtonRole.AcceptRole)
        if problem.backup is not None
        else None
    )
    other = box.addButton("&Choose a backup…", QMessageBox.ButtonRole.ActionRole)
    box.addButton("&Quit", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    chosen = box.clickedButton()
    if newest is not None and chosen is newest:
        backup = problem.backup
    elif chosen is other:
        name, _ = QFileDialog.getOpenFileName(
            None, "Restore which backup?", str(problem.path.parent), "Backups (*.db);;All (*)"
        )
        backup = Path(name) if name else None
    else:
        backup = None
    if backup is None:
        return False
    return _restore_with_progress(backup, problem.path, username)


def _restore_with_progress(backup: Path, target: Path, username: str | None) -> bool:
    from correspondence.services.actors import default_username
    from correspondence.services.errors import ServiceError
    from correspondence.services.office.backup import restore

    progress = QProgressDialog(f"Restoring {backup.name}…", "", 0, 5)
    progress.setObjectName("startupRestore")
    progress.setWindowTitle(TITLE)
    progress.setCancelButton(None)
    progress.setMinimumDuration(0)
    progress.show()

    def report(done: int, total: int, stage: str) -> None:
        progress.setMaximum(total)
        progress.setValue(done)
        progress.setLabelText(f"Restoring {backup.name}: {stage}…")
        QApplication.processEvents()

    try:
        restore(backup, f"sqlite:///{target}", username or default_username(), progress=report)
    except (ServiceError, OSError) as exc:
        progress.close()
        QMessageBox.critical(None, TITLE, f"The backup could not be restored:\n\n{exc}")
        return False
    progress.close()
    return True


def open_with_feedback(
    opener: Callable[[], Database],
    *,
    demo_when_empty: bool = True,
    load: DemoLoader | None = None,
    username: str | None = None,
) -> Database | None:
    """Open the database; on a first run fill it with demo data while showing progress.

    A damaged file is met with a message naming it and the offer of its newest backup."""
    try:
        db = opener()
    except DatabaseUnavailable as exc:
        if exc.kind != "damaged":
            QMessageBox.critical(None, TITLE, str(exc))
            return None
        if not offer_backup(exc, username):
            return None
        return open_with_feedback(opener, demo_when_empty=False, load=load, username=username)
    except Exception as exc:  # noqa: BLE001 - any failure must reach the person, not a console
        QMessageBox.critical(None, TITLE, f"The database could not be opened:\n\n{exc}")
        return None
    if demo_when_empty and db.is_empty():
        problem = load_demo_in_background(db, load)
        if problem is not None:
            QMessageBox.critical(None, TITLE, f"The demo data could not be loaded:\n\n{problem}")
    return db


# --- the disk or the file failing while the window runs ------------------------------------


def install_storage_alarm(db: Database) -> None:
    """A full disk or a damaged page met in the middle of work is told to the person, naming
    the file and the newest backup, instead of ending up as a traceback on a console."""
    import sys

    from correspondence.database import damaged
    from correspondence.services.storage import storage_problem

    previous = sys.excepthook
    path = sqlite_path(db.url)

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        previous(kind, exc, tb)  # still logged, for support
        words = storage_problem(exc)
        if words is None:
            return
        if "damaged" in words and path is not None:
            problem = "is damaged (SQLite found a damaged page while reading)"
            text = str(damaged(path, problem, untouched=False))
        else:
            where = f" ({path})" if path is not None else ""
            text = f"That was not saved: {words}{where}. Nothing was reported as done."
        QMessageBox.critical(QApplication.activeWindow(), TITLE, text)

    sys.excepthook = hook
