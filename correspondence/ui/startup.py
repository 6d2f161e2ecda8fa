"""Opening the database at start-up, with a message instead of a traceback on failure.

On a first run the new database is filled with the demo office. That takes seconds, so it
runs on a worker thread while a progress dialog keeps repainting; the caller gets the
database back only once the data is in, so the main window never shows an empty office.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QThreadPool, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget
from sqlalchemy.orm import Session, sessionmaker

from correspondence.database import Database
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
    from correspondence.services.demo import load_demo  # only a first run needs it

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


def open_with_feedback(
    opener: Callable[[], Database],
    *,
    demo_when_empty: bool = True,
    load: DemoLoader | None = None,
) -> Database | None:
    """Open the database; on a first run fill it with demo data while showing progress."""
    try:
        db = opener()
    except Exception as exc:  # noqa: BLE001 - any failure must reach the person, not a console
        QMessageBox.critical(None, TITLE, f"The database could not be opened:\n\n{exc}")
        return None
    if demo_when_empty and db.is_empty():
        problem = load_demo_in_background(db, load)
        if problem is not None:
            QMessageBox.critical(None, TITLE, f"The demo data could not be loaded:\n\n{problem}")
    return db
