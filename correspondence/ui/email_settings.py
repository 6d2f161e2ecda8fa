"""The admin screen's "Email and signatures" tab: the office's SMTP server and each
signatory's signature image.

The SMTP password is never stored by the app: "Keep the password…" puts it in the
desktop's keyring where there is one; otherwise it is asked for when sending.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.errors import ServiceError
from correspondence.services.replies.email_desk import MailSettings
from correspondence.services.replies.smtp_send import SmtpSettings, store_keyring_password


class EmailSettingsTab(QWidget):
    def __init__(self, mail: MailSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mail = mail
        self.setObjectName("emailSettingsTab")

        server = QGroupBox("Outgoing mail (SMTP)")
        form = QFormLayout(server)
        self.host = QLineEdit()
        self.host.setObjectName("smtpHost")
        self.host.setPlaceholderText("smtp.department.gov.uk")
        self.port = QSpinBox()
        self.port.setObjectName("smtpPort")
        self.port.setRange(1, 65535)
        self.login = QLineEdit()
        self.login.setObjectName("smtpUsername")
        self.login.setPlaceholderText("empty: the server needs no login")
        self.sending_address = QLineEdit()  # not "sender": QObject.sender()
        self.sending_address.setObjectName("smtpFrom")
        self.sending_address.setPlaceholderText("private.office@department.gov.uk")
        self.starttls = QCheckBox("Require STARTTLS (encryption) unless the server is this machine")
        self.starttls.setObjectName("smtpStarttls")
        for label, widget in (
            ("&Server:", self.host),
            ("&Port:", self.port),
            ("&Login name:", self.login),
            ("Sending &address:", self.sending_address),
        ):
            form.addRow(label, widget)
        form.addRow(self.starttls)
        save = QPushButton("Sa&ve mail settings")
        save.setObjectName("smtpSave")
        save.clicked.connect(self.save)
        keep = QPushButton("&Keep the password…")
        keep.setToolTip("In the desktop's keyring; never in the database or a file")
        keep.clicked.connect(self.keep_password)
        row = QHBoxLayout()
        row.addWidget(save)
        row.addWidget(keep)
        row.addStretch(1)
        form.addRow(row)

        signing = QGroupBox("Signature images (placed above the name on a digitally signed reply)")
        sig = QVBoxLayout(signing)
        self.signatory = QComboBox()
        self.signatory.setObjectName("signatureSignatory")
        self.picture = QLabel("No signature image")
        self.picture.setObjectName("signaturePicture")
        self.picture.setMinimumHeight(70)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        choose = QPushButton("C&hoose signature image…")
        choose.clicked.connect(self.choose_image)
        pick = QHBoxLayout()
        pick.addWidget(self.signatory, 1)
        pick.addWidget(choose)
        sig.addLayout(pick)
        sig.addWidget(self.picture)
        self.signatory.currentIndexChanged.connect(self._show_picture)

        self.status = QLabel()
        self.status.setObjectName("emailSettingsStatus")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(server)
        layout.addWidget(signing)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.reload()

    def reload(self) -> None:
        settings, rows = self.mail.load()
        self.host.setText(settings.host)
        self.port.setValue(settings.port)
        self.login.setText(settings.username)
        self.sending_address.setText(settings.from_address)
        self.starttls.setChecked(settings.starttls)
        self.signatory.blockSignals(True)
        self.signatory.clear()
        for key, name in rows:
            self.signatory.addItem(f"{name} ({key})", key)
        self.signatory.blockSignals(False)
        self._show_picture()

    def settings(self) -> SmtpSettings:
        return SmtpSettings(
            host=self.host.text().strip(),
            port=self.port.value(),
            username=self.login.text().strip(),
            starttls=self.starttls.isChecked(),
            from_address=self.sending_address.text().strip(),
        )

    def _say(self, text: str, problem: bool = False) -> None:
        self.status.setStyleSheet("color:#842029" if problem else "color:#0f5132")
        self.status.setText(text)

    def save(self) -> bool:
        try:
            self.mail.save(self.settings())
        except ServiceError as exc:
            self._say(str(exc), problem=True)
            return False
        self._say("Saved the mail settings.")
        return True

    def keep_password(self) -> None:
        settings = self.settings()
        if not settings.username:
            self._say("Give the login name first: without one no password is used.", True)
            return
        text, ok = QInputDialog.getText(
            self, "SMTP password", f"Password for {settings.username}:", QLineEdit.EchoMode.Password
        )
        if not ok:
            return
        if store_keyring_password(settings, text):
            self._say("The password is kept in the desktop's keyring.")
        else:
            self._say("This desktop has no keyring: the password will be asked for when sending.")

    def _show_picture(self, _index: int = 0) -> None:
        key = self.signatory.currentData()
        data = None
        if key:
            data = self.mail.signature_image(key)
        pixmap = QPixmap()
        if data and pixmap.loadFromData(data):
            self.picture.setPixmap(
                pixmap.scaledToHeight(60, Qt.TransformationMode.SmoothTransformation)
            )
        else:
            self.picture.setPixmap(QPixmap())
            self.picture.setText("No signature image")

    def choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Signature image", "", "Pictures (*.png *.jpg *.jpeg)"
        )
        if path:
            self.set_image(Path(path))

    def set_image(self, path: Path) -> bool:
        key = self.signatory.currentData()
        try:
            data = path.read_bytes()
            self.mail.set_signature_image(key, data)
        except (ServiceError, OSError) as exc:
            self._say(str(exc), problem=True)
            return False
        self._say(f"Set the signature image of {self.signatory.currentText()}.")
        self._show_picture()
        return True


__all__ = ["EmailSettingsTab"]
