"""Case → Send by email…: the signed reply previewed, then sent once, off the GUI thread.

The window shows the message as it would go (To, Subject, the covering note, the file
attached) and what happened to it before. A wet-signed reply has nothing to send until
the scan of the signed letter is added; the window says so and offers to add it. A send
whose outcome is unknown is never repeated from here until a person has checked with
the recipient and says whether it arrived.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from correspondence.services.errors import ServiceError
from correspondence.ui.actions import DeskWindow, Feature, Menu, Section
from correspondence.ui.workers import Worker, start

if TYPE_CHECKING:
    # The email desk brings the campaign letters, python-docx and Jinja with it (~130 ms):
    # it is imported by the actions below, not with the window.
    from correspondence.services.drafting.drafting import Drafting
    from correspondence.services.replies.email_desk import EmailDesk, EmailPreview
    from correspondence.services.replies.smtp_send import SmtpSettings

TITLE = "Send by email"
WARN = "color:#842029; font-weight:600;"


class EmailReplyDialog(QDialog):
    def __init__(self, emails: EmailDesk, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.emails = emails
        self.case_id = case_id
        self.preview: EmailPreview | None = None
        self.worker: Worker | None = None  # the job in hand
        self._workers: list[Worker] = []  # every job started, kept until the dialog goes
        self.setObjectName("emailReplyDialog")
        self.setWindowTitle(TITLE)
        self.resize(760, 560)

        self.to = QLabel()
        self.subject = QLabel()
        self.attachment = QLabel()
        self.state = QLabel()
        for label, name in (
            (self.to, "emailTo"),
            (self.subject, "emailSubject"),
            (self.attachment, "emailAttachment"),
            (self.state, "emailState"),
        ):
            label.setObjectName(name)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
        form = QFormLayout()
        form.addRow("To:", self.to)
        form.addRow("Subject:", self.subject)
        form.addRow("Attached:", self.attachment)
        form.addRow("Sent:", self.state)
        self.note = QPlainTextEdit()
        self.note.setObjectName("emailNote")
        self.note.setReadOnly(True)
        self.problem = QLabel("Preparing the email…")
        self.problem.setObjectName("emailProblem")
        self.problem.setWordWrap(True)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.send_button = QPushButton("&Send")
        self.send_button.setObjectName("emailSend")
        self.save_button = QPushButton("Save as .&eml…")
        self.scan_button = QPushButton("&Add signed scan…")
        self.arrived_button = QPushButton("It a&rrived")
        self.missing_button = QPushButton("It did &not arrive")
        for b in (
            self.send_button,
            self.save_button,
            self.scan_button,
            self.arrived_button,
            self.missing_button,
        ):
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
            b.setEnabled(False)
        self.scan_button.hide()
        self.arrived_button.hide()
        self.missing_button.hide()
        self.send_button.clicked.connect(self.send)
        self.save_button.clicked.connect(self.save_eml)
        self.scan_button.clicked.connect(self.add_scan)
        self.arrived_button.clicked.connect(lambda: self.settle(True))
        self.missing_button.clicked.connect(lambda: self.settle(False))
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Covering note:"))
        layout.addWidget(self.note, 1)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.load()

    # --- the preview, made off the GUI thread (it may make the signed PDF) ----------------
    def load(self) -> Worker:
        self.problem.setText("Preparing the email…")
        self.problem.setStyleSheet("")
        worker = Worker(lambda _report, _cancel: self.emails.preview(self.case_id))
        worker.signals.finished.connect(self._show)
        worker.signals.failed.connect(self._failed)
        return self._start(worker)

    def _start(self, worker: Worker) -> Worker:
        self.worker = worker
        self._workers.append(worker)
        return start(worker)

    def _show(self, preview: EmailPreview) -> None:
        self.preview = preview
        self.to.setText(preview.to_address or "—")
        self.subject.setText(preview.subject or "—")
        self.attachment.setText(preview.attachment or "—")
        self.state.setText(preview.state_label or "not yet")
        self.note.setPlainText(preview.note)
        self.send_button.setEnabled(preview.can_send)
        self.save_button.setEnabled(preview.ready)
        wet = "scan" in preview.problem
        self.scan_button.setVisible(wet)
        self.scan_button.setEnabled(wet)
        for b in (self.arrived_button, self.missing_button):
            b.setVisible(preview.needs_checking)
            b.setEnabled(preview.needs_checking)
        if not preview.ready:
            self._warn(f"Nothing to send: {preview.problem}")
        elif preview.needs_checking:
            self._warn(
                "Check before resending: the connection dropped while the message was "
                "handed over, so it may have arrived. Ask the recipient, then say which."
            )
        elif preview.state == "sent":
            self.problem.setText(f"Sent ({preview.message_id}); it will not be sent again.")
        else:
            self.problem.setText("Ready to send.")
        self.worker = None

    def _failed(self, message: str) -> None:
        self._warn(message)
        self.worker = None

    def _warn(self, text: str) -> None:
        self.problem.setStyleSheet(WARN)
        self.problem.setText(text)

    # --- actions ------------------------------------------------------------------------
    def send(self) -> Worker | None:
        if self.preview is None or not self.preview.can_send:
            return None
        settings = self.emails.settings()
        go_on, password = _password(self, self.emails, settings)
        if not go_on:
            return None
        self.send_button.setEnabled(False)
        self.problem.setStyleSheet("")
        self.problem.setText(f"Sending to {self.preview.to_address}…")
        worker = Worker(lambda _r, _c: self.emails.send(self.case_id, settings, password))
        worker.signals.finished.connect(lambda _result: self.load())
        worker.signals.failed.connect(self._send_failed)
        return self._start(worker)

    def _send_failed(self, message: str) -> None:
        self.worker = None
        self._warn(message)
        self.load()

    def save_eml(self) -> None:
        if self.preview is None or not self.preview.ready:
            return
        name = self.preview.reference.replace("/", "-") + ".eml"
        path, _ = QFileDialog.getSaveFileName(self, "Save the email", name, "Email (*.eml)")
        if path:
            Path(path).write_bytes(self.preview.message)
            self.problem.setText(f"Saved {path}")

    def add_scan(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "The scan of the signed letter",
            "",
            "Scans (*.pdf *.png *.jpg *.jpeg *.tif *.tiff)",
        )
        if not path or self.preview is None:
            return
        try:
            self.emails.add_scan(self.preview.reference, Path(path))
        except (ServiceError, OSError) as exc:
            self._warn(str(exc))
            return
        self.load()

    def settle(self, arrived: bool) -> None:
        try:
            self.emails.settle(self.case_id, arrived)
        except ServiceError as exc:
            self._warn(str(exc))
            return
        self.load()

    def done(self, result: int) -> None:  # noqa: D102 - a running worker keeps its own ref
        if self.worker is not None:
            self.worker.cancel()
        super().done(result)


def keep_signed_pdf_later(editor: QMainWindow, drafting: Drafting, case_id: int) -> Worker:
    """After a sign-off: make and keep its PDF/A off the GUI thread (LibreOffice takes
    seconds), and say in the editor's status bar whether it could be made."""
    from correspondence.services.replies.reply_pdf import keep_signed_pdf

    uow, clock = drafting.uow, drafting.clock
    worker = Worker(lambda _r, _c: keep_signed_pdf(uow, case_id, today=clock())[1])
    bar = editor.statusBar()
    bar.showMessage("Signed off. Making the signed PDF…")

    def say(message: object) -> None:
        if isValid(bar):  # the editor may have been closed meanwhile
            bar.showMessage(str(message), 15000)

    worker.signals.finished.connect(say)
    worker.signals.failed.connect(say)
    _running.append(worker)
    worker.signals.finished.connect(lambda _m: _running.remove(worker))
    worker.signals.failed.connect(lambda _m: _running.remove(worker))
    return start(worker)


_running: list[Worker] = []  # background jobs kept alive until they report


class EmailFeature(Feature):
    """The email dialog open now, and a campaign's sending in progress."""

    def __init__(self, window: DeskWindow) -> None:
        super().__init__(window)
        self.email_dialog: EmailReplyDialog | None = None
        self.campaign_progress: QProgressDialog | None = None


@EmailFeature.action(
    "sendByEmail",
    "Send by e&mail…",
    Menu.CASE,
    Section.REPLY,
    tip="Preview the signed reply as an email and send it (once)",
)
def send_by_email(window: DeskWindow) -> EmailReplyDialog | None:
    case_id = window.current_case_id()
    if case_id is None:
        window.statusBar().showMessage("Select a signed-off case to send its reply.", 5000)
        return None
    from correspondence.services.replies.email_desk import EmailDesk

    d = window.desk
    dialog = EmailReplyDialog(EmailDesk(d.uow, d.clock), case_id, window)
    dialog.finished.connect(lambda _r: window.refresh())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    dialog.open()
    window.feature(EmailFeature).email_dialog = dialog
    return dialog


def _password(
    parent: QWidget, emails: EmailDesk, settings: SmtpSettings
) -> tuple[bool, str | None]:
    """(go on, password): the keyring's, else asked for; never stored by the app."""
    if not settings.username:
        return True, None
    found = emails.stored_password(settings)
    if found is not None:
        return True, found
    text, ok = QInputDialog.getText(
        parent,
        TITLE,
        f"Password for {settings.username} at {settings.host}:",
        QLineEdit.EchoMode.Password,
    )
    return ok, text if ok else None


@EmailFeature.action(
    "emailCampaign",
    "Email the &campaign's members…",
    Menu.CASE,
    Section.REPLY,
    tip="Send the campaign's signed reply by email, one message to each member",
)
def email_campaign(window: DeskWindow) -> Worker | None:
    """Email the selected case's campaign reply to every member, once each, resumable."""
    from correspondence.services.replies.email_desk import EmailDesk

    case_id = window.current_case_id()
    d = window.desk
    emails = EmailDesk(d.uow, d.clock)
    found = emails.campaign_of(case_id) if case_id is not None else None
    if found is None:
        window.statusBar().showMessage("Select a member of a campaign to email its reply.", 5000)
        return None
    campaign_id, name, members = found
    answer = QMessageBox.question(
        window,
        "Email the campaign",
        f"Send the signed reply to “{name}” by email to each of its {members:,} members "
        "who gave an address? Anyone already sent to is not sent to again.",
    )
    if answer != QMessageBox.StandardButton.Yes:
        return None
    settings = emails.settings()
    go_on, password = _password(window, emails, settings)
    if not go_on:
        return None
    progress = QProgressDialog("Preparing the letters…", "&Stop", 0, 0, window)
    progress.setObjectName("campaignEmailProgress")
    progress.setWindowTitle("Email the campaign")
    progress.setMinimumDuration(300)
    progress.setAutoClose(False)
    progress.setAutoReset(False)
    worker = Worker(
        lambda report, cancel: emails.send_campaign(
            campaign_id, settings, password, progress=report, should_cancel=cancel
        )
    )

    def step(done: int, total: int, what: str) -> None:
        progress.setMaximum(max(total, 1))
        progress.setValue(done)
        label = "letters made as PDF" if what == "PDFs" else f"emails sent (last {what})"
        progress.setLabelText(f"{done:,} of {total:,} {label}")

    def finished(report: object) -> None:
        progress.close()
        _running.remove(worker)
        QMessageBox.information(window, "Email the campaign", report.summary())  # type: ignore[attr-defined]
        window.refresh()

    def failed(message: str) -> None:
        progress.close()
        _running.remove(worker)
        QMessageBox.warning(window, "Email the campaign", message)

    worker.signals.progress.connect(step)
    worker.signals.finished.connect(finished)
    worker.signals.failed.connect(failed)
    progress.canceled.connect(worker.cancel)
    _running.append(worker)
    window.feature(EmailFeature).campaign_progress = progress
    return start(worker)


__all__ = ["EmailFeature", "EmailReplyDialog", "send_by_email"]
