"""Switch user: who is working at a shared desk (SQLite). Lists active users only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.people.admin import UserView


class SwitchUserDialog(QDialog):
    def __init__(
        self,
        users: list[UserView],
        current: str,
        parent: QWidget | None = None,
        intro: str = "Who is working at this desk now? What you do from here on is recorded as "
        "theirs.",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("switchUserDialog")
        self.setWindowTitle("Switch user")
        self.setMinimumSize(560, 360)  # "Name (username) — every role" fits on one line
        layout = QVBoxLayout(self)
        label = QLabel(intro)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.users = QListWidget()
        self.users.setObjectName("users")
        for u in users:
            roles = ", ".join(sorted(r.label.lower() for r in u.roles))
            item = QListWidgetItem(f"{u.display_name} ({u.username}) — {roles}")
            item.setData(Qt.ItemDataRole.UserRole, u.username)
            self.users.addItem(item)
            if u.username == current:
                self.users.setCurrentItem(item)
        self.users.itemDoubleClicked.connect(lambda _item: self.accept())
        layout.addWidget(self.users, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Switch")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> str | None:
        item = self.users.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def choose(self, username: str) -> bool:
        for i in range(self.users.count()):
            if self.users.item(i).data(Qt.ItemDataRole.UserRole) == username:
                self.users.setCurrentRow(i)
                return True
        return False
