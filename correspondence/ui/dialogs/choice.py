"""A question with a few described answers, as radio buttons (not a bare drop-down)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)


class ChoiceDialog(QDialog):
    """One radio button per answer; the first is chosen, arrows move, Enter confirms."""

    def __init__(
        self, parent: QWidget | None, title: str, question: str, answers: list[str]
    ) -> None:
        super().__init__(parent)
        self.setObjectName("choiceDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        label = QLabel(question)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.group = QButtonGroup(self)
        self.buttons: list[QRadioButton] = []
        for i, answer in enumerate(answers):
            button = QRadioButton(answer)
            button.setAccessibleName(answer)
            self.group.addButton(button, i)
            self.buttons.append(button)
            layout.addWidget(button)
        if self.buttons:
            self.buttons[0].setChecked(True)
            self.buttons[0].setFocus()
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def answer(self) -> str | None:
        button = self.group.checkedButton()
        return button.text() if button is not None else None


def ask_choice(parent: QWidget | None, title: str, question: str, answers: list[str]) -> str | None:
    dialog = ChoiceDialog(parent, title, question, answers)
    return dialog.answer() if dialog.exec() == QDialog.DialogCode.Accepted else None
