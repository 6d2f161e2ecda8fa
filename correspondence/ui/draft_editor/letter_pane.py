"""The right of the editor: the letter as it will print, and the comments about it."""

from __future__ import annotations

from dataclasses import replace
from html import escape

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.errors import ServiceError
from correspondence.ui.draft_editor.host import EditorHost
from correspondence.ui.widgets.letter_preview import LetterPreview


class LetterPane(QTabWidget):
    """Two tabs: the live preview and the comment thread."""

    def __init__(self, host: EditorHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.preview = LetterPreview()
        self.comments = QTextBrowser()
        self.comments.setObjectName("commentThread")
        self.comment_input = QLineEdit(placeholderText="Add a comment and press Enter")
        self.comment_input.setObjectName("commentInput")
        self.comment_input.returnPressed.connect(self.add_comment)
        comment_button = QPushButton("Add &comment")
        comment_button.clicked.connect(self.add_comment)
        comments_page = QWidget()
        cv = QVBoxLayout(comments_page)
        cv.addWidget(self.comments, 1)
        crow = QHBoxLayout()
        crow.addWidget(self.comment_input, 1)
        crow.addWidget(comment_button)
        cv.addLayout(crow)
        self.addTab(self.preview, "Letter preview")
        self.addTab(comments_page, "Comments")

    def show_comments(self) -> None:
        comments = self.host.view.comments
        parts = [
            f"<p><b>{escape(c.author)}</b> <span style='color:#777'>"
            f"{c.at:%d %b %Y %H:%M}</span><br>{escape(c.body).replace(chr(10), '<br>')}</p>"
            for c in comments
        ]
        self.comments.setHtml("".join(parts) or "<p style='color:#777'>No comments yet.</p>")
        self.setTabText(1, f"Comments ({len(comments)})")

    def add_comment(self) -> None:
        body = self.comment_input.text()
        if not body.strip():
            return
        host = self.host
        try:
            view = host.drafting.comment(host.draft_id, body)
        except ServiceError as exc:
            host.prompts.warn(self, "Comment", str(exc))
            return
        self.comment_input.clear()
        host.view = replace(host.view, comments=view.comments)
        self.show_comments()
