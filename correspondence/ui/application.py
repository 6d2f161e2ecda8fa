"""The Qt application object and the first window."""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtWidgets import QApplication, QMessageBox

from correspondence.database import Database
from correspondence.services.actors import acting_username
from correspondence.services.desk import Desk
from correspondence.services.errors import ServiceError
from correspondence.ui.main_window import MainWindow
from correspondence.ui.startup import open_with_feedback

ORGANISATION = "CorrespondenceDesk"
APPLICATION = "Correspondence Desk"


def run(opener: Callable[[], Database], username: str | None, label: Callable[[str], str]) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setDesktopFileName("uk.gov.correspondence.desk")
    db = open_with_feedback(opener)
    if db is None:
        return 1
    try:
        # On PostgreSQL each person works as their own login; on SQLite, --user or the OS user.
        acting = acting_username(db.session_factory, username)
    except ServiceError as exc:
        QMessageBox.critical(None, APPLICATION, str(exc))
        return 1
    window = MainWindow(Desk(db.session_factory, acting), db_label=label(db.url))
    window.show()
    code = app.exec()
    db.close()
    return code
