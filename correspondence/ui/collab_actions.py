"""Working together: Case → Edit details… (F2) with conflict handling, File → Switch user…,
Tools → Administration…, the acting user in the title, and the list refreshing live."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from correspondence.services.actors import Role
from correspondence.services.desk import Desk
from correspondence.services.errors import ServiceError
from correspondence.services.unit_of_work import UnitOfWorkFactory
from correspondence.ui.actions import DeskWindow, Feature, Menu, Section, close_widget

if TYPE_CHECKING:
    # The services and dialogs behind these actions load with the action, not the window.
    from correspondence.services.people.admin import Administration
    from correspondence.ui.admin_window import AdminWindow
    from correspondence.ui.dialogs.edit_case import EditCaseDialog
    from correspondence.ui.dialogs.switch_user import SwitchUserDialog

EDIT_SHORTCUT = "F2"
APP_TITLE = "Correspondence Desk"


class CollabFeature(Feature):
    """Who works at the desk: the title naming them, the dialogs to switch person and to
    edit a case, and the administration window."""

    def __init__(self, window: DeskWindow) -> None:
        super().__init__(window)
        # The database part of the title MainWindow set, to rebuild it after a switch.
        parts = window.windowTitle().split(" — ")
        self.title_database = parts[2] if len(parts) > 2 else ""
        self.edit_case_dialog: EditCaseDialog | None = None
        self.switch_user_dialog: SwitchUserDialog | None = None
        self.switch_user_message: QMessageBox | None = None
        self.admin_window: AdminWindow | None = None
        window.user_changed.connect(self._user_changed)
        update_title(window, self.title_database)

    def _user_changed(self, _username: str) -> None:
        close_widget(self.admin_window)  # built with the last user's powers
        self.admin_window = None


def _admin(window: DeskWindow) -> Administration:
    from correspondence.services.people.admin import Administration

    d = window.desk
    return Administration(d.uow, d.clock)


def _is_postgresql(window: DeskWindow) -> bool:
    return window.desk.uow.backend == "postgresql"


# --- Edit details -------------------------------------------------------------------------


@CollabFeature.action(
    "editCaseDetails",
    "&Edit details…",
    Menu.CASE,
    Section.WORK,
    shortcut=EDIT_SHORTCUT,
    tip="Change the summary, priority, reply type, team, drafter, signatory or themes",
)
def edit_case(window: DeskWindow) -> EditCaseDialog | None:
    case_id = window.current_case_id()
    if case_id is None:
        window.statusBar().showMessage("Select a case to edit its details.", 5000)
        return None
    from correspondence.services.cases.case_edit import CaseEditing
    from correspondence.ui.dialogs.edit_case import EditCaseDialog

    d = window.desk
    try:
        dialog = EditCaseDialog(CaseEditing(d.uow, d.clock), case_id, window)
    except ServiceError as exc:
        window.statusBar().showMessage(str(exc), 5000)
        return None

    def saved(_view: object) -> None:
        window.refresh()
        window.statusBar().showMessage(f"Saved {dialog.view.reference}.", 5000)

    dialog.saved.connect(saved)
    window.feature(CollabFeature).edit_case_dialog = dialog
    dialog.open()
    return dialog


# --- who is working -----------------------------------------------------------------------


def update_title(window: DeskWindow, suffix: str) -> None:
    """`Correspondence Desk — <acting user> (<username>)[ for <person>] — <database>`."""
    actor = window.desk.actor()
    behalf = f" for {actor.on_behalf_of}" if actor.on_behalf_of else ""
    window.setWindowTitle(
        f"{APP_TITLE} — {actor.display_name} ({actor.username}){behalf}"
        + (f" — {suffix}" if suffix else "")
    )


@CollabFeature.action(
    "switchUser",
    "S&witch user…",
    Menu.FILE,
    Section.PEOPLE,
    tip="Hand this desk to another member of the team",
)
def switch_user(window: DeskWindow) -> SwitchUserDialog | None:
    from correspondence.ui.dialogs.switch_user import SwitchUserDialog

    admin = _admin(window)
    if _is_postgresql(window) and not admin.is_admin():
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Switch user",
            "On a shared PostgreSQL database you work as the person you logged in as "
            f"({window.desk.actor().display_name}). To work as someone else, start the app "
            "with their database login; only an admin may act for another user.",
            QMessageBox.StandardButton.Ok,
            window,
        )
        box.setObjectName("switchRefused")
        window.feature(CollabFeature).switch_user_message = box
        box.open()
        return None
    current = window.desk.uow.on_behalf_of or window.desk.username
    if _is_postgresql(window):
        # An admin's login stays the admin's: the history names both them and the person.
        intro = (
            "Whom are you working for? You stay signed in as yourself; what you do from "
            "here on is recorded as done by you on their behalf."
        )
        dialog = SwitchUserDialog(admin.desk_users(), current, window, intro)
    else:
        dialog = SwitchUserDialog(admin.desk_users(), current, window)
    dialog.accepted.connect(lambda: _switch_to(window, dialog.chosen()))
    window.feature(CollabFeature).switch_user_dialog = dialog
    dialog.open()
    return dialog


def _switch_to(window: DeskWindow, username: str | None) -> bool:
    serving = window.desk.uow.on_behalf_of or window.desk.username
    if not username or username == serving:
        return False
    try:
        uow = _admin(window).switch_to(username)
    except ServiceError as exc:
        window.statusBar().showMessage(str(exc), 8000)
        return False
    apply_user(window, uow)
    actor = window.desk.actor()
    who = actor.display_name
    if actor.on_behalf_of:
        who += f", for {actor.on_behalf_of},"
    window.statusBar().showMessage(f"{who} is now working at this desk.", 5000)
    return True


def apply_user(window: DeskWindow, uow: UnitOfWorkFactory) -> None:
    """Give the window a Desk acting through `uow` and tell every feature (`user_changed`,
    with the person now served), so each rebuilds what it made for the last user."""
    old = window.desk
    window.desk = Desk(uow, old.clock)
    window.user_changed.emit(uow.on_behalf_of or uow.username)
    update_title(window, window.feature(CollabFeature).title_database)
    window.refresh()


# --- administration ------------------------------------------------------------------------


def _is_admin(window: DeskWindow) -> bool:
    return window.desk.actor().has(Role.ADMIN)


@CollabFeature.action(
    "openAdministration",
    "&Administration…",
    Menu.TOOLS,
    Section.PEOPLE,
    tip="Users and their roles, teams and office codes (admins only)",
    enabled_when=_is_admin,
)
def open_admin(window: DeskWindow) -> AdminWindow | None:
    from correspondence.ui.admin_window import AdminWindow

    admin = _admin(window)
    if not admin.is_admin():
        window.statusBar().showMessage("Administration needs the admin role.", 5000)
        return None
    feature = window.feature(CollabFeature)
    existing = feature.admin_window
    if existing is None or existing.admin.username != admin.username:
        if existing is not None:
            existing.close()
        existing = AdminWindow(admin, window)
        existing.changed.connect(lambda: update_title(window, feature.title_database))
        feature.admin_window = existing
    else:
        existing.reload()
    existing.show()
    existing.raise_()
    existing.activateWindow()
    return existing
