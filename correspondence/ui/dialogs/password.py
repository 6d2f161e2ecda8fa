"""Signing off: the database login's password, typed again (never kept by the app)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class PasswordDialog(QDialog):
    """Asks for the password of `login`; `password()` is read once, then the field cleared."""

    def __init__(self, login: str, doing: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passwordDialog")
        self.setWindowTitle(doing.capitalize())
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"To {doing}, type the password of your database login <b>{login}</b> again. "
            "It is checked with the server and not kept."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.field = QLineEdit()
        self.field.setObjectName("password")
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText("Password")
        layout.addWidget(self.field)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(f"&{doing.capitalize()}")
        self.ok.setEnabled(False)
        self.field.textChanged.connect(lambda text: self.ok.setEnabled(bool(text)))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def password(self) -> str:
        text = self.field.text()
        self.field.clear()
        return text
