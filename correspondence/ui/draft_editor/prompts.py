"""The questions the draft editor asks a person (warnings, choices, file names, passwords)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from correspondence.ui.dialogs.password import PasswordDialog


class Prompts:
    """The dialogs the editor asks questions with; tests pass a scripted stand-in."""

    def warn(self, parent: QWidget, title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        answer = QMessageBox.question(parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def ask_text(self, parent: QWidget, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getMultiLineText(parent, title, label)
        return text if ok else None

    def ask_choice(self, parent: QWidget, title: str, label: str, items: list[str]) -> str | None:
        from correspondence.ui.dialogs.choice import ask_choice

        return ask_choice(parent, title, label, items)

    def save_path(self, parent: QWidget, title: str, suggested: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), "Word (*.docx)")
        return Path(name) if name else None

    def ask_password(self, parent: QWidget, login: str, doing: str) -> str | None:
        dialog = PasswordDialog(login, doing, parent)
        return dialog.password() if dialog.exec() == PasswordDialog.DialogCode.Accepted else None
