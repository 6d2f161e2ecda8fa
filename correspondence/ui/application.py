"""The Qt application object and the first window."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from correspondence.database import Database
from correspondence.services.desk import Desk
from correspondence.services.errors import ServiceError
from correspondence.services.unit_of_work import UnitOfWorkFactory
from correspondence.ui.main_window import MainWindow
from correspondence.ui.resources import APP_ID, app_icon
from correspondence.ui.startup import open_with_feedback

ORGANISATION = "CorrespondenceDesk"
APPLICATION = "Correspondence Desk"


@dataclass
class Started:
    db: Database
    window: MainWindow


def application() -> QApplication:
    """The one QApplication, named and with its icon (every window inherits the icon)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    return app


def acting_unit_of_work(db: Database, username: str | None) -> UnitOfWorkFactory:
    """The window's one way to learn who is acting (actors.resolve_identity): on PostgreSQL
    the login, `username` naming someone else only for an admin; on SQLite `username`,
    else $CORRESPONDENCE_USER, else the operating-system login."""
    return UnitOfWorkFactory.connect(db.session_factory, username)


def start(
    opener: Callable[[], Database],
    username: str | None,
    label: Callable[[str], str],
    settings: QSettings | None = None,
    *,
    demo_when_empty: bool = True,
) -> Started | None:
    """Open the database (filling a new one with the demo office) and show the main window.

    None when the person has been told why it cannot start.
    """
    application()
    db = open_with_feedback(opener, demo_when_empty=demo_when_empty, username=username)
    if db is None:
        return None
    try:
        uow = acting_unit_of_work(db, username)
    except ServiceError as exc:
        QMessageBox.critical(None, APPLICATION, str(exc))
        db.close()
        return None
    window = MainWindow(Desk(uow), settings, db_label=label(db.url))
    window.show()
    from correspondence.ui.backup_actions import start_daily_backup

    start_daily_backup(window)
    return Started(db, window)


def run(
    opener: Callable[[], Database],
    username: str | None,
    label: Callable[[str], str],
    *,
    demo_when_empty: bool = True,
) -> int:
    started = start(opener, username, label, demo_when_empty=demo_when_empty)
    if started is None:
        return 1
    from correspondence.ui.startup import install_storage_alarm

    install_storage_alarm(started.db)
    code = application().exec()
    started.db.close()
    return code
