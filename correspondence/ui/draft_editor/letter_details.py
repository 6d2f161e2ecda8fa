"""The letter's details under the paragraphs: who signs it, salutation, close, subject, and
how the reply goes out (saved at once, not with the draft)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QWidget

from correspondence.services.drafting.draft_view import DraftView, SignatoryChoice
from correspondence.services.errors import ServiceError
from correspondence.services.triage.reply_channel import ReplyChannel, ReplyChannels
from correspondence.ui.draft_editor.host import EditorHost
from correspondence.ui.widgets.reply_channel import ReplyChannelEdit


class LetterDetails(QWidget):
    """A form: the letterhead's signatory, salutation, close, subject and reply channel."""

    changed = Signal()  # a person edited a detail that is saved with the draft

    def __init__(self, host: EditorHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self._filling = False
        self.signatory = QComboBox()
        self.signatory.setObjectName("signatory")
        self.signatory.currentIndexChanged.connect(self._edited)
        self.salutation = QLineEdit()
        self.salutation.setObjectName("salutation")
        self.close_edit = QLineEdit()
        self.close_edit.setObjectName("complimentaryClose")
        self.subject = QLineEdit(placeholderText="(optional heading)")
        self.subject.setObjectName("subject")
        for edit in (self.salutation, self.close_edit, self.subject):
            edit.textEdited.connect(self._edited)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Signed by (letterhead):", self.signatory)
        form.addRow("Salutation:", self.salutation)
        form.addRow("Close:", self.close_edit)
        form.addRow("Subject:", self.subject)
        # How the reply goes out, saved as soon as it is changed (not part of the draft).
        self.reply_channel = ReplyChannelEdit()
        self.reply_channel.edited.connect(self._reply_channel_edited)
        form.addRow("Reply by:", self.reply_channel)

    def set_signatories(self, choices: list[SignatoryChoice]) -> None:
        self._filling = True
        try:
            self.signatory.clear()
            for choice in choices:
                self.signatory.addItem(choice.label, choice.id)
        finally:
            self._filling = False

    def fill(self, view: DraftView) -> None:
        """Show the draft's details as saved (no edit is recorded for it)."""
        self._filling = True
        try:
            index = self.signatory.findData(view.signatory_id)
            self.signatory.setCurrentIndex(max(index, 0))
            self.salutation.setText(view.salutation)
            self.close_edit.setText(view.complimentary_close)
            if view.campaign_id is not None:
                # Every letter of a campaign gets its own writer's salutation and close.
                self.salutation.setPlaceholderText(
                    f"Each letter's own (this one: {view.computed_salutation})"
                )
                self.close_edit.setPlaceholderText(
                    f"Each letter's own (this one: {view.computed_close})"
                )
            else:
                self.salutation.setPlaceholderText(view.computed_salutation)
                self.close_edit.setPlaceholderText(view.computed_close)
            self.subject.setText(view.subject)
            # A campaign's members each keep their own channel: set at triage.
            self.reply_channel.setVisible(view.case_id is not None)
        finally:
            self._filling = False

    def show_reply_channel(self, channel: ReplyChannel | None) -> None:
        if channel is not None:
            self.reply_channel.set_value(channel)

    def set_editable(self, editable: bool, *, campaign: bool) -> None:
        for w in (self.signatory, self.salutation, self.close_edit, self.subject):
            w.setEnabled(editable)
        if campaign:
            self.salutation.setEnabled(False)
            self.close_edit.setEnabled(False)

    def values(self) -> dict[str, Any]:
        """The details as the drafting service takes them."""
        return {
            "signatory_id": self.signatory.currentData(),
            "salutation": self.salutation.text(),
            "complimentary_close": self.close_edit.text(),
            "subject": self.subject.text(),
        }

    def _edited(self, *_: object) -> None:
        if not self._filling:
            self.changed.emit()

    def _channels(self) -> ReplyChannels:
        return ReplyChannels(self.host.drafting.uow)

    def _reply_channel_edited(self) -> None:
        case_id = self.host.view.case_id
        if self._filling or case_id is None:
            return
        try:
            saved = self._channels().set(case_id, *self.reply_channel.value())
        except ServiceError as exc:
            self.host.prompts.warn(self, "Reply by", str(exc))
            self.reply_channel.set_value(self._channels().get(case_id))
            return
        self.reply_channel.mark_saved(saved)
