"""The reply channel of a case: Letter or Email, and the address an email goes to.

Used at triage (saved with the triage decision) and in the draft editor (saved at once).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from correspondence.services.triage.reply_channel import CHANNELS, LABELS, ReplyChannel


class ReplyChannelEdit(QWidget):
    """A combo (Letter / Email) and the email address, shown only for email."""

    edited = Signal()  # a person changed the channel or finished typing the address

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replyChannel")
        self.channel = QComboBox()
        self.channel.setObjectName("replyChannelChoice")
        for value in CHANNELS:
            self.channel.addItem(LABELS[value], value)
        self.channel.setToolTip("How the signed reply goes out: printed letter, or email")
        self.address = QLineEdit()
        self.address.setObjectName("replyChannelAddress")
        self.address.setPlaceholderText("the address the reply goes to")
        self.address.setMaxLength(200)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.channel)
        row.addWidget(self.address, 1)
        # A form label's Alt+key lands on the choice (QLabel skips a NoFocus buddy).
        self.setFocusPolicy(self.channel.focusPolicy())
        self.setFocusProxy(self.channel)
        self._baseline: tuple[str, str] = ("letter", "")
        self._fallback = ""
        self.channel.activated.connect(self._channel_chosen)
        self.address.editingFinished.connect(self._address_done)
        self._show_address()

    def set_value(self, value: ReplyChannel) -> None:
        self._fallback = value.correspondent_email
        self.channel.blockSignals(True)
        self.channel.setCurrentIndex(max(0, self.channel.findData(value.channel)))
        self.channel.blockSignals(False)
        self.address.setText(value.email)
        self._baseline = (value.channel, value.email)
        self._show_address()

    def value(self) -> tuple[str, str]:
        channel = self.channel.currentData()
        return channel, self.address.text().strip() if channel == "email" else ""

    def changed(self) -> bool:
        return self.value() != self._baseline

    def mark_saved(self, value: ReplyChannel) -> None:
        self.set_value(value)

    def _channel_chosen(self, _index: int) -> None:
        if self.channel.currentData() == "email" and not self.address.text().strip():
            self.address.setText(self._fallback)  # the writer's own address, to start from
        self._show_address()
        self.edited.emit()

    def _address_done(self) -> None:
        if self.changed():
            self.edited.emit()

    def _show_address(self) -> None:
        self.address.setVisible(self.channel.currentData() == "email")


__all__ = ["ReplyChannelEdit"]
