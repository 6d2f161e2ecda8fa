"""Opening the database at start-up, with a message instead of a traceback on failure."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from correspondence.database import Database


def open_with_feedback(
    opener: Callable[[], Database], *, demo_when_empty: bool = True
) -> Database | None:
    """Open the database; on a first run fill it with demo data while showing progress."""
    try:
        db = opener()
    except Exception as exc:  # noqa: BLE001 - any failure must reach the person, not a console
        QMessageBox.critical(
            None, "Correspondence Desk", f"The database could not be opened:\n\n{exc}"
        )
        return None
    if demo_when_empty and db.is_empty():
        from correspondence.services.demo import load_demo

        progress = QProgressDialog("Creating the demo office…", "", 0, 0)
        progress.setWindowTitle("Correspondence Desk")
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.ApplicationModal)
        progress.setMinimumDuration(0)
        progress.show()
        QApplication.processEvents()
        try:
            load_demo(db.session_factory)
        except Exception as exc:  # noqa: BLE001
            progress.close()
            QMessageBox.critical(
                None, "Correspondence Desk", f"The demo data could not be loaded:\n\n{exc}"
            )
            return db
        progress.close()
    return db
