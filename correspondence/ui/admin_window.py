"""Administration: users and roles, teams, office codes. The service refuses non-admins;
this window only opens for admins and shows each refusal or conflict in its status line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.actors import Role
from correspondence.services.errors import ConflictError, ServiceError
from correspondence.services.people.admin import Administration, NewUser, TeamView, UserView
from correspondence.services.replies.email_desk import MailSettings


def _table(headers: Sequence[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setAlternatingRowColors(True)
    t.horizontalHeader().setStretchLastSection(True)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return t


def _fill(table: QTableWidget, rows: list[tuple[Any, tuple[str, ...]]]) -> None:
    table.setRowCount(len(rows))
    for r, (key, cells) in enumerate(rows):
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            item.setData(Qt.ItemDataRole.UserRole, key)
            table.setItem(r, c, item)


def _labelled(form: QFormLayout, text: str, widget: QWidget) -> None:
    label = QLabel(text)
    label.setBuddy(widget)
    form.addRow(label, widget)


class AdminWindow(QDialog):
    changed = Signal()

    def __init__(self, admin: Administration, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.admin = admin
        self.setObjectName("adminWindow")
        self.setWindowTitle("Administration")
        self.resize(1300, 620)
        self.users: list[UserView] = []
        self.teams: list[TeamView] = []
        self.user_id: int | None = None  # the user in the form; None = a new one
        self.team_id: int | None = None
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._users_tab(), "&Users and roles")
        self.tabs.addTab(self._teams_tab(), "&Teams")
        self.tabs.addTab(self._offices_tab(), "&Office codes")
        from correspondence.ui.email_settings import EmailSettingsTab

        self.email_settings = EmailSettingsTab(MailSettings(admin.uow))
        self.tabs.addTab(self.email_settings, "Email and si&gnatures")
        layout.addWidget(self.tabs, 1)
        self.status = QLabel()
        self.status.setObjectName("adminStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.reload()
        self.new_user()
        self.new_team()

    # --- shared --------------------------------------------------------------------------
    def say(self, text: str, problem: bool = False) -> None:
        self.status.setStyleSheet("color:#842029" if problem else "color:#0f5132")
        self.status.setText(text)

    def _run(self, work: Callable[[], Any], done: str) -> Any:
        """Run a service call; show the outcome; on a conflict show the other admin's version."""
        try:
            result = work()
        except ConflictError as exc:
            self.reload()
            self._reselect()
            self.say(f"{exc} Check it and make your change again.", problem=True)
            return None
        except ServiceError as exc:
            self.say(str(exc), problem=True)
            return None
        self.say(done)
        self.reload()
        self.changed.emit()
        return result

    def reload(self) -> None:
        self.users = self.admin.users()
        self.teams = self.admin.teams()
        _fill(
            self.user_table,
            [
                (
                    u.id,
                    (
                        u.username,
                        u.display_name,
                        u.team,
                        ", ".join(sorted(r.label for r in u.roles)),
                        u.db_login,
                        "yes" if u.active else "no",
                    ),
                )
                for u in self.users
            ],
        )
        _fill(
            self.team_table,
            [
                (t.id, (t.code, t.name, t.mailbox, "yes" if t.active else "no", str(t.members)))
                for t in self.teams
            ],
        )
        _fill(
            self.office_table,
            [
                (o.code, (o.code, o.name, "default" if o.is_default else ""))
                for o in self.admin.offices()
            ],
        )
        current = self.user_team.currentData()
        self.user_team.blockSignals(True)
        self.user_team.clear()
        self.user_team.addItem("(no team)", None)
        for t in self.teams:
            self.user_team.addItem(t.name + ("" if t.active else " (inactive)"), t.id)
        self.user_team.setCurrentIndex(max(self.user_team.findData(current), 0))
        self.user_team.blockSignals(False)

    def _reselect(self) -> None:
        if self.user_id is not None:
            self.show_user(self.user_id)
        if self.team_id is not None:
            self.show_team(self.team_id)

    # --- users -----------------------------------------------------------------------------
    def _users_tab(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        self.user_table = _table(("Username", "Name", "Team", "Roles", "DB login", "Active"))
        self.user_table.setObjectName("userTable")
        # Someone with every role would push the other columns off screen; the tooltip has all.
        self.user_table.horizontalHeader().setSectionResizeMode(
            3, QHeaderView.ResizeMode.Interactive
        )
        self.user_table.setColumnWidth(3, 210)
        self.user_table.itemSelectionChanged.connect(self._user_picked)
        row.addWidget(self.user_table, 5)

        box = QGroupBox("User")
        form = QFormLayout(box)
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.username.setPlaceholderText("e.g. k.adeyemi")
        self.display_name = QLineEdit()
        self.display_name.setObjectName("displayName")
        self.email = QLineEdit()
        self.email.setObjectName("email")
        self.user_team = QComboBox()
        self.user_team.setObjectName("userTeam")
        self.db_login = QLineEdit()
        self.db_login.setObjectName("dbLogin")
        self.db_login.setPlaceholderText("their PostgreSQL login, if different")
        # On a team's server: what the server itself holds for the login (see server setup).
        self.server_login = QLabel()
        self.server_login.setObjectName("serverLogin")
        self.on_team_server = self.admin.team_server()
        self.server_login.setVisible(self.on_team_server)
        self.user_active = QCheckBox("Active (may sign in and be given work)")
        self.user_active.setObjectName("userActive")
        for text, widget in (
            ("User&name:", self.username),
            ("&Display name:", self.display_name),
            ("&Email:", self.email),
            ("Tea&m:", self.user_team),
            ("Database &login:", self.db_login),
        ):
            _labelled(form, text, widget)
        form.addRow(self.server_login)
        form.addRow(self.user_active)
        roles = QGroupBox("Roles")
        roles_layout = QVBoxLayout(roles)
        self.role_boxes: dict[Role, QCheckBox] = {}
        for role in Role:
            cb = QCheckBox(role.label)
            cb.setObjectName(f"role_{role.value}")
            self.role_boxes[role] = cb
            roles_layout.addWidget(cb)
        form.addRow(roles)
        buttons = QHBoxLayout()
        self.new_user_button = QPushButton("&New user")
        self.new_user_button.setObjectName("newUser")
        self.new_user_button.clicked.connect(self.new_user)
        self.save_user_button = QPushButton("&Save user")
        self.save_user_button.setObjectName("saveUser")
        self.save_user_button.clicked.connect(self.save_user)
        buttons.addWidget(self.new_user_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_user_button)
        form.addRow(buttons)
        row.addWidget(box, 2)
        return page

    def new_user(self) -> None:
        self.user_id = None
        self.user_table.clearSelection()
        self.username.setReadOnly(False)
        for w in (self.username, self.display_name, self.email, self.db_login):
            w.clear()
        self.user_team.setCurrentIndex(0)
        self.user_active.setChecked(True)
        self.user_active.setEnabled(False)  # a new user starts active
        self.server_login.setText("Saving makes the database login,\nif one is given.")
        for role, cb in self.role_boxes.items():
            cb.setChecked(role is Role.OFFICER)
        self.username.setFocus()

    def _user_picked(self) -> None:
        items = self.user_table.selectedItems()
        if items:
            self.show_user(items[0].data(Qt.ItemDataRole.UserRole))

    def show_user(self, user_id: int) -> None:
        user = next((u for u in self.users if u.id == user_id), None)
        if user is None:
            return
        self.user_id = user.id
        self.username.setText(user.username)
        self.username.setReadOnly(True)  # the log refers to people by username
        self.display_name.setText(user.display_name)
        self.email.setText(user.email)
        self.user_team.setCurrentIndex(max(self.user_team.findData(user.team_id), 0))
        self.db_login.setText(user.db_login)
        if self.on_team_server:
            self.server_login.setText(self.admin.login_status(user.db_login))
        self.user_active.setEnabled(True)
        self.user_active.setChecked(user.active)
        for role, cb in self.role_boxes.items():
            cb.setChecked(role in user.roles)

    def checked_roles(self) -> frozenset[Role]:
        return frozenset(r for r, cb in self.role_boxes.items() if cb.isChecked())

    def save_user(self) -> None:
        if self.user_id is None:
            data = NewUser(
                username=self.username.text(),
                display_name=self.display_name.text(),
                email=self.email.text(),
                team_id=self.user_team.currentData(),
                db_login=self.db_login.text(),
                roles=self.checked_roles(),
            )
            added = self._run(lambda: self.admin.add_user(data), f"Added {data.username}.")
            if added is not None:
                self.show_user(added.id)
            return
        user = next(u for u in self.users if u.id == self.user_id)
        changes = {
            "display_name": self.display_name.text(),
            "email": self.email.text(),
            "team_id": self.user_team.currentData(),
            "db_login": self.db_login.text(),
            "active": self.user_active.isChecked(),
            "roles": self.checked_roles(),
        }
        saved = self._run(
            lambda: self.admin.update_user(user.id, user.version, changes),
            f"Saved {user.username}.",
        )
        if saved is not None:
            self.show_user(saved.id)

    # --- teams -------------------------------------------------------------------------------
    def _teams_tab(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        self.team_table = _table(("Code", "Name", "Mailbox", "Active", "Members"))
        self.team_table.setObjectName("teamTable")
        self.team_table.itemSelectionChanged.connect(self._team_picked)
        row.addWidget(self.team_table, 3)
        box = QGroupBox("Team")
        form = QFormLayout(box)
        self.team_code = QLineEdit()
        self.team_code.setObjectName("teamCode")
        self.team_code.setPlaceholderText("e.g. SPU")
        self.team_name = QLineEdit()
        self.team_name.setObjectName("teamName")
        self.team_mailbox = QLineEdit()
        self.team_mailbox.setObjectName("teamMailbox")
        self.team_active = QCheckBox("Active (cases can be allocated to it)")
        self.team_active.setObjectName("teamActive")
        for text, widget in (
            ("&Code:", self.team_code),
            ("N&ame:", self.team_name),
            ("Mail&box:", self.team_mailbox),
        ):
            _labelled(form, text, widget)
        form.addRow(self.team_active)
        buttons = QHBoxLayout()
        self.new_team_button = QPushButton("Ne&w team")
        self.new_team_button.setObjectName("newTeam")
        self.new_team_button.clicked.connect(self.new_team)
        self.save_team_button = QPushButton("Save &team")
        self.save_team_button.setObjectName("saveTeam")
        self.save_team_button.clicked.connect(self.save_team)
        buttons.addWidget(self.new_team_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_team_button)
        form.addRow(buttons)
        row.addWidget(box, 2)
        return page

    def new_team(self) -> None:
        self.team_id = None
        self.team_table.clearSelection()
        self.team_code.setReadOnly(False)
        for w in (self.team_code, self.team_name, self.team_mailbox):
            w.clear()
        self.team_active.setChecked(True)
        self.team_active.setEnabled(False)

    def _team_picked(self) -> None:
        items = self.team_table.selectedItems()
        if items:
            self.show_team(items[0].data(Qt.ItemDataRole.UserRole))

    def show_team(self, team_id: int) -> None:
        team = next((t for t in self.teams if t.id == team_id), None)
        if team is None:
            return
        self.team_id = team.id
        self.team_code.setText(team.code)
        self.team_code.setReadOnly(True)
        self.team_name.setText(team.name)
        self.team_mailbox.setText(team.mailbox)
        self.team_active.setEnabled(True)
        self.team_active.setChecked(team.active)

    def save_team(self) -> None:
        if self.team_id is None:
            code, name, mailbox = (
                self.team_code.text(),
                self.team_name.text(),
                self.team_mailbox.text(),
            )
            added = self._run(
                lambda: self.admin.add_team(code, name, mailbox), f"Added the team {name}."
            )
            if added is not None:
                self.show_team(added.id)
            return
        team = next(t for t in self.teams if t.id == self.team_id)
        changes = {
            "name": self.team_name.text(),
            "mailbox": self.team_mailbox.text(),
            "active": self.team_active.isChecked(),
        }
        saved = self._run(
            lambda: self.admin.update_team(team.id, team.version, changes),
            f"Saved the team {team.code}.",
        )
        if saved is not None:
            self.show_team(saved.id)

    # --- office codes ------------------------------------------------------------------------
    def _offices_tab(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        self.office_table = _table(("Code", "Office", "Default"))
        self.office_table.setObjectName("officeTable")
        row.addWidget(self.office_table, 3)
        box = QGroupBox("Office code")
        form = QFormLayout(box)
        self.office_code = QLineEdit()
        self.office_code.setObjectName("officeCode")
        self.office_code.setPlaceholderText("2–12 letters, e.g. POPUSS")
        self.office_name = QLineEdit()
        self.office_name.setObjectName("officeName")
        _labelled(form, "Co&de:", self.office_code)
        _labelled(form, "Office na&me:", self.office_name)
        self.add_office_button = QPushButton("Add &office code")
        self.add_office_button.setObjectName("addOffice")
        self.add_office_button.clicked.connect(self.add_office)
        form.addRow(self.add_office_button)
        note = QLabel(
            "New references end with the default office code, e.g. 2009/0007948POSoS. "
            "Existing references never change."
        )
        note.setWordWrap(True)
        form.addRow(note)
        self.default_office_button = QPushButton("Make the selected code the &default")
        self.default_office_button.setObjectName("defaultOffice")
        self.default_office_button.clicked.connect(self.make_default)
        form.addRow(self.default_office_button)
        row.addWidget(box, 2)
        return page

    def add_office(self) -> None:
        code, name = self.office_code.text(), self.office_name.text()
        if self._run(lambda: self.admin.add_office(code, name), f"Added {code.strip()}."):
            self.office_code.clear()
            self.office_name.clear()

    def make_default(self) -> None:
        items = self.office_table.selectedItems()
        if not items:
            self.say("Select an office code first.", problem=True)
            return
        code = items[0].data(Qt.ItemDataRole.UserRole)
        self._run(
            lambda: self.admin.set_default_office(code),
            f"New references will use {code}.",
        )
