"""Working together: Case → Edit details… (F2) with conflict handling, File → Switch user…,
Tools → Administration…, the acting user in the title, and the list refreshing live."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox

from correspondence.services.actors import Role
from correspondence.services.admin import Administration
from correspondence.services.case_edit import CaseEditing
from correspondence.services.desk import Desk
from correspondence.services.errors import ServiceError
from correspondence.services.unit_of_work import UnitOfWorkFactory
from correspondence.ui import live_refresh
from correspondence.ui.dialogs.edit_case import EditCaseDialog
from correspondence.ui.dialogs.switch_user import SwitchUserDialog

if TYPE_CHECKING:
    from correspondence.ui.admin_window import AdminWindow
    from correspondence.ui.desk_window import DeskWindow

EDIT_SHORTCUT = "F2"
APP_TITLE = "Correspondence Desk"


def _admin(window: DeskWindow) -> Administration:
    d = window.desk
    return Administration(d.uow, d.clock)


def _is_postgresql(window: DeskWindow) -> bool:
    return window.desk.uow.backend == "postgresql"


# --- Edit details -------------------------------------------------------------------------


def edit_case(window: DeskWindow) -> EditCaseDialog | None:
    case_id = window.current_case_id()
    if case_id is None:
        window.statusBar().showMessage("Select a case to edit its details.", 5000)
        return None
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
    window.edit_case_dialog = dialog  # type: ignore[attr-defined]  # reachable for tests
    dialog.open()
    return dialog


# --- who is working -----------------------------------------------------------------------


def update_title(window: DeskWindow) -> None:
    """`Correspondence Desk — <acting user> (<username>)[ for <person>] — <database>`."""
    suffix: str = getattr(window, "title_database", "")
    actor = window.desk.actor()
    behalf = f" for {actor.on_behalf_of}" if actor.on_behalf_of else ""
    window.setWindowTitle(
        f"{APP_TITLE} — {actor.display_name} ({actor.username}){behalf}"
        + (f" — {suffix}" if suffix else "")
    )


def switch_user(window: DeskWindow) -> SwitchUserDialog | None:
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
        window.switch_user_message = box  # type: ignore[attr-defined]
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
    window.switch_user_dialog = dialog  # type: ignore[attr-defined]
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
    update_title(window)
    window.refresh()


def _user_changed(window: DeskWindow) -> None:
    window.admin_action.setEnabled(  # type: ignore[attr-defined]
        window.desk.actor().has(Role.ADMIN)
    )
    window.close_companion("admin_window")  # built with the last user's powers


# --- administration ------------------------------------------------------------------------


def open_admin(window: DeskWindow) -> AdminWindow | None:
    from correspondence.ui.admin_window import AdminWindow

    admin = _admin(window)
    if not admin.is_admin():
        window.statusBar().showMessage("Administration needs the admin role.", 5000)
        return None
    existing: AdminWindow | None = getattr(window, "admin_window", None)
    if existing is None or existing.admin.username != admin.username:
        if existing is not None:
            existing.close()
        existing = AdminWindow(admin, window)
        existing.changed.connect(lambda: update_title(window))
        window.admin_window = existing  # type: ignore[attr-defined]
    else:
        existing.reload()
    existing.show()
    existing.raise_()
    existing.activateWindow()
    return existing


# --- install ---------------------------------------------------------------------------------


def _action(window: DeskWindow, text: str, name: str, tip: str, slot) -> QAction:  # noqa: ANN001
    action = QAction(text, window)
    action.setObjectName(name)
    action.setStatusTip(tip)
    action.triggered.connect(slot)
    window.addAction(action)
    return action


def install(window: DeskWindow) -> None:
    # Remember the database part of the title DeskWindow set, to rebuild it after a switch.
    title = window.windowTitle()
    parts = title.split(" — ")
    window.title_database = parts[2] if len(parts) > 2 else ""  # type: ignore[attr-defined]
    update_title(window)

    edit = _action(
        window,
        "&Edit details…",
        "editCaseDetails",
        "Change the summary, priority, reply type, team, drafter, signatory or themes",
        lambda: edit_case(window),
    )
    edit.setShortcut(QKeySequence(EDIT_SHORTCUT))
    window.case_menu.addAction(edit)
    window.edit_case_action = edit  # type: ignore[attr-defined]

    switch = _action(
        window,
        "S&witch user…",
        "switchUser",
        "Hand this desk to another member of the team",
        lambda: switch_user(window),
    )
    window.file_menu.insertAction(window.quit_action, switch)
    window.file_menu.insertSeparator(window.quit_action)
    window.switch_user_action = switch  # type: ignore[attr-defined]

    admin = _action(
        window,
        "&Administration…",
        "openAdministration",
        "Users and their roles, teams and office codes (admins only)",
        lambda: open_admin(window),
    )
    window.tools_menu.addAction(admin)
    window.admin_action = admin  # type: ignore[attr-defined]
    admin.setEnabled(window.desk.actor().has(Role.ADMIN))
    window.user_changed.connect(lambda _username: _user_changed(window))

    live_refresh.install(window)
