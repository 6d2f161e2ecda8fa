"""A read-only view of a word-level diff: deletions struck through in red, insertions green."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtWidgets import QTextBrowser, QWidget

from correspondence.documents.word_diff import Segment, changed_words, diff_html


class DiffView(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diffView")
        self.setAccessibleName("Differences between the versions")
        self.setOpenLinks(False)
        self.segments: list[Segment] = []
        self.document().setDefaultStyleSheet("body { font-size: 11pt; line-height: 140%; }")
        self.show_message("Choose two versions to compare.")

    def show_message(self, text: str) -> None:
        self.segments = []
        self.setHtml(f"<p style='color:#666'>{html.escape(text)}</p>")

    def show_diff(self, segments: Sequence[Segment], caption: str = "") -> None:
        self.segments = list(segments)
        changed = changed_words(self.segments)
        if changed == 0:
            summary = "No differences in wording."
        else:
            summary = f"{changed} word{'s' if changed != 1 else ''} changed."
        head = (
            f"<p style='color:#444'><b>{html.escape(caption)}</b> {summary}</p>" if caption else ""
        )
        self.setHtml(f"{head}<p>{diff_html(self.segments)}</p>")
