"""The reply as a Word file: Export (a copy where the person chooses), Open and Print. A draft
is marked DRAFT; only a signed-off letter is written as final."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from correspondence.domain.states import DraftStatus
from correspondence.services.errors import ServiceError
from correspondence.ui.draft_editor.host import EditorHost


class LetterFileButtons(QWidget):
    """Export Word…, Open and Print, each writing the letter as it stands (saved first)."""

    def __init__(
        self,
        host: EditorHost,
        open_url: Callable[[QUrl], object],
        printer: Callable[[Path], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.open_url = open_url
        self.printer = printer
        self.last_export: Path | None = None
        self.export_button = QPushButton("&Export Word…")
        self.export_button.clicked.connect(self.export)
        self.open_button = QPushButton("&Open")
        self.open_button.setToolTip("Open the Word letter in the default application")
        self.open_button.clicked.connect(self.open_letter)
        self.print_button = QPushButton("&Print")
        self.print_button.clicked.connect(self.print_letter)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for b in (self.export_button, self.open_button, self.print_button):
            row.addWidget(b)

    @property
    def is_final(self) -> bool:
        return self.host.view.status is DraftStatus.SIGNED_OFF

    def update_state(self) -> None:
        self.export_button.setText("&Export Word…" if self.is_final else "&Export Word (draft)…")

    def _write(self, path: Path) -> Path | None:
        host = self.host
        if not host.save_now():
            return None
        try:
            written = host.drafting.export(host.draft_id, path, final=self.is_final)
        except (ServiceError, OSError) as exc:  # OSError: the file chosen cannot be written
            host.prompts.warn(self, "Export Word letter", str(exc))
            return None
        self.last_export = written
        return written

    def export(self) -> Path | None:
        host = self.host
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        suggested = Path(folder or Path.home()) / host.drafting.file_name(host.draft_id)
        path = host.prompts.save_path(self, "Export Word letter", suggested)
        if path is None:
            return None
        if path.suffix.lower() != ".docx":
            path = path.with_suffix(".docx")
        written = self._write(path)
        if written:
            marking = "final letter" if self.is_final else "draft (marked DRAFT)"
            host.say(f"Wrote the {marking} to {written}", 8000)
        return written

    def _temporary_letter(self) -> Path | None:
        folder = Path(tempfile.gettempdir()) / "correspondence-letters"
        return self._write(folder / self.host.drafting.file_name(self.host.draft_id))

    def open_letter(self) -> Path | None:
        path = self._temporary_letter()
        if path is not None and not self.open_url(QUrl.fromLocalFile(str(path))):
            self.host.prompts.warn(
                self, "Open", f"No application opened {path.name}; it is saved at {path}."
            )
        return path

    def print_letter(self) -> Path | None:
        path = self._temporary_letter()
        if path is None:
            return None
        try:
            self.printer(path)
        except (ServiceError, OSError) as exc:
            self.host.prompts.warn(self, "Print", str(exc))
            return None
        self.host.say(f"Sent {path.name} to the printer", 6000)
        return path
