"""The draft's way to the post: Submit for QA, Approve, Return, Sign off and Record dispatch,
each shown to the roles that may press it. The services decide; a refusal is shown as it is."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QPushButton, QWidget

from correspondence.domain.states import DraftStatus
from correspondence.services.actors import Role
from correspondence.services.drafting.draft_guards import DRAFTING_ROLES
from correspondence.services.drafting.draft_view import DraftView
from correspondence.services.errors import ServiceError
from correspondence.ui.draft_editor.host import EditorHost

# The two ways a letter is signed, described for the private secretary choosing.
SIGNATURE_CHOICES = {
    "Wet signature: printed and signed by hand": "wet",
    "Digital signature: signed electronically": "digital",
}


class ApprovalBar(QWidget):
    """A row of buttons, one a step of the approval chain."""

    def __init__(self, host: EditorHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.submit_button = QPushButton("Submit for &QA")
        self.submit_button.clicked.connect(self.submit)
        self.approve_button = QPushButton("&Approve (QA)")
        self.approve_button.clicked.connect(self.approve)
        self.return_button = QPushButton("Re&turn…")
        self.return_button.clicked.connect(self.return_draft)
        self.signoff_button = QPushButton("&Sign off…")
        self.signoff_button.clicked.connect(self.sign_off)
        self.dispatch_button = QPushButton("Record &dispatch…")
        self.dispatch_button.setObjectName("dispatchButton")
        self.dispatch_button.setToolTip("Record that the signed-off reply has been sent")
        self.dispatch_button.clicked.connect(self.record_dispatch)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for b in (
            self.submit_button,
            self.approve_button,
            self.return_button,
            self.signoff_button,
            self.dispatch_button,
        ):
            row.addWidget(b)

    def update_state(self) -> None:
        """Show the steps this person may take, enabled where the draft's status allows."""
        view, actor = self.host.view, self.host.actor
        status = view.status
        self.submit_button.setVisible(actor.has(*DRAFTING_ROLES))
        self.submit_button.setEnabled(self.host.can_edit)
        self.approve_button.setVisible(actor.has(Role.POLICY_LEAD))
        self.approve_button.setEnabled(status is DraftStatus.IN_QA)
        self.signoff_button.setVisible(actor.has(Role.PRIVATE_SECRETARY))
        self.signoff_button.setEnabled(status is DraftStatus.WITH_PRIVATE_OFFICE)
        can_return = (status is DraftStatus.IN_QA and actor.has(Role.POLICY_LEAD)) or (
            status is DraftStatus.WITH_PRIVATE_OFFICE and actor.has(Role.PRIVATE_SECRETARY)
        )
        self.return_button.setVisible(actor.has(Role.POLICY_LEAD, Role.PRIVATE_SECRETARY))
        self.return_button.setEnabled(can_return)
        final = status is DraftStatus.SIGNED_OFF
        # Once signed off the next step is the post: offered here, not only in the list.
        self.dispatch_button.setVisible(
            final and view.case_id is not None and actor.has(Role.OFFICER)
        )
        self.dispatch_button.setEnabled(view.case_status == "signed_off")
        if view.case_status == "dispatched":
            self.dispatch_button.setText("Dispatched")

    def _run(self, title: str, step: Callable[[], DraftView]) -> bool:
        try:
            view = step()
        except ServiceError as exc:
            self.host.prompts.warn(self, title, str(exc))
            return False
        self.host.stepped(view)
        return True

    def submit(self) -> bool:
        host = self.host
        if not host.save_now():
            return False
        return self._run(
            "Submit for QA", lambda: host.drafting.submit(host.draft_id, host.view.version)
        )

    def approve(self) -> bool:
        host = self.host
        return self._run(
            "Approve", lambda: host.drafting.approve(host.draft_id, "", host.view.version)
        )

    def return_draft(self) -> bool:
        host = self.host
        reason = host.prompts.ask_text(
            self, "Return the draft", "Why is it going back? The drafter will see this."
        )
        if reason is None:
            return False
        return self._run(
            "Return", lambda: host.drafting.return_draft(host.draft_id, reason, host.view.version)
        )

    def sign_off(self) -> bool:
        host = self.host
        choice = host.prompts.ask_choice(
            self, "Sign off", "How is the letter signed?", list(SIGNATURE_CHOICES)
        )
        # A described choice, or (from a script) the method's own word.
        method = SIGNATURE_CHOICES.get(choice or "", choice)
        if method is None:
            return False
        password = None
        if host.drafting.sign_off_needs_password():
            # The server checks passwords: prove the person at the desk is the login's owner.
            password = host.prompts.ask_password(
                self, host.drafting.uow.identity.login or "", "sign off"
            )
            if password is None:
                return False
        signed = self._run(
            "Sign off",
            lambda: host.drafting.sign_off(
                host.draft_id, method, "", host.view.version, password=password
            ),
        )
        if signed and host.view.case_id is not None:
            from correspondence.ui.email_actions import keep_signed_pdf_later

            editor = self.window()
            assert isinstance(editor, QMainWindow)  # the bar sits in the editor window
            keep_signed_pdf_later(editor, host.drafting, host.view.case_id)
        return signed

    def record_dispatch(self) -> bool:
        host = self.host
        if host.view.case_id is None:
            return False
        from correspondence.ui.dispatch_channels import DISPATCH_CHOICES

        choice = host.prompts.ask_choice(
            self, "Record dispatch", "How was the signed-off reply sent?", list(DISPATCH_CHOICES)
        )
        if choice is None or choice not in DISPATCH_CHOICES:
            return False
        try:
            host.drafting.dispatch(host.view.case_id, DISPATCH_CHOICES[choice])
        except ServiceError as exc:
            host.prompts.warn(self, "Record dispatch", str(exc))
            return False
        host.stepped(host.drafting.view(host.draft_id))
        host.say(
            f"Recorded {host.view.case_reference} as sent {choice[0].lower()}{choice[1:]}.", 8000
        )
        return True
