"""The detail pane for the selected case: summary, letter, documents, history."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.cases.cases import CaseDetail


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


class CaseDetailPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel("Select a case to see its details.")
        self.heading.setObjectName("caseHeading")
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600; padding: 4px 2px;")

        self.summary = QTextBrowser()
        self.summary.setObjectName("caseSummary")
        self.summary.setAccessibleName("Case summary")
        self.summary.setOpenExternalLinks(False)
        self.letter = QPlainTextEdit()
        self.letter.setObjectName("letterText")
        self.letter.setReadOnly(True)
        self.documents = self._table(("File", "Type", "Size", "SHA-256"))
        self.history = self._table(("When", "Who", "What", "Why"))

        self.tabs = QTabWidget()
        self.tabs.addTab(self.summary, "&Summary")
        self.tabs.addTab(self.letter, "&Letter")
        self.tabs.addTab(self.documents, "&Documents")
        self.tabs.addTab(self.history, "&History")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.tabs, 1)
        self.shown: CaseDetail | None = None  # the case on show, to redraw only on a change

    @staticmethod
    def _table(headers: tuple[str, ...]) -> QTableWidget:
        t = QTableWidget(0, len(headers))
        t.setHorizontalHeaderLabels(list(headers))
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.verticalHeader().setVisible(False)
        t.horizontalHeader().setStretchLastSection(True)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        t.setWordWrap(True)
        return t

    def clear(self, heading: str = "Select a case to see its details.") -> None:
        self._busy(False)
        self.shown = None
        self.heading.setText(heading)
        self.summary.clear()
        self.letter.clear()
        self.documents.setRowCount(0)
        self.history.setRowCount(0)

    def show_loading(self, reference: str) -> None:
        """The case is being read: say so, and never leave the last case showing under it."""
        self.clear(f"{reference} — loading…")
        self.summary.setHtml("<p style='color:#555'>Reading the case from the database…</p>")
        self._busy(True)

    def show_error(self, message: str) -> None:
        self.clear("This case cannot be shown.")
        self.summary.setPlainText(message)

    def _busy(self, busy: bool) -> None:
        # The pane only: the list beside it keeps its ordinary cursor and keeps answering.
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def show_case(self, d: CaseDetail) -> None:
        self._busy(False)
        self.shown = d
        who = d.correspondent.name if d.correspondent else "unknown correspondent"
        self.heading.setText(f"{d.reference} — {who}")
        self.summary.setHtml(self._summary_html(d))
        self.letter.setPlainText(d.letter_text or "(no letter text: see the documents)")
        self._fill(
            self.documents,
            [
                (
                    doc.filename,
                    " · ".join(x for x in (doc.media_type, doc.text_note) if x),
                    _size(doc.size),
                    doc.sha256[:16] + "…",
                )
                for doc in d.documents
            ],
        )
        rows = [
            (e.at.strftime("%d %b %Y %H:%M"), e.who, e.what, e.reason) for e in reversed(d.history)
        ]
        self._fill(self.history, rows)
        for r, e in enumerate(reversed(d.history)):
            for c in range(self.history.columnCount()):
                item = self.history.item(r, c)
                assert item is not None  # _fill filled every cell
                item.setToolTip(e.description)

    @staticmethod
    def _fill(table: QTableWidget, rows: Sequence[tuple[str, ...]]) -> None:
        table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, v in enumerate(values):
                table.setItem(r, c, QTableWidgetItem(v))

    @staticmethod
    def _summary_html(d: CaseDetail) -> str:
        def row(label: str, value: str) -> str:
            return f"<tr><th align='left' valign='top'>{escape(label)}</th><td>{value}</td></tr>"

        if d.days_left is None:
            deadline = escape(d.due_on.strftime("%d %B %Y")) if d.due_on else "—"
        elif d.days_left < 0:
            deadline = (
                f"{d.due_on:%d %B %Y} <b style='color:#842029'>"
                f"({-d.days_left} working days overdue)</b>"
            )
        else:
            deadline = f"{d.due_on:%d %B %Y} ({d.days_left} working days left)"
        parts = [
            row("Status", f"<b>{escape(d.status.label)}</b>"),
            row("Received", f"{d.received_on:%d %B %Y} by {escape(d.channel)}"),
            row("Due", deadline),
            row("Reply type", escape(d.reply_type.replace("_", " ")) or "—"),
            row("Priority", escape(d.priority)),
        ]
        if d.correspondent:
            c = d.correspondent
            extra = ", ".join(x for x in (c.constituency, c.party) if x)
            who = escape(c.name) + (f" <i>({escape(extra)})</i>" if extra else "")
            if c.on_stop_list:
                who += " <b style='color:#842029'>— on the stop list</b>"
            parts.append(row("From", who))
            if c.address:
                parts.append(row("Address", escape(c.address).replace("\n", "<br>")))
            if c.email:
                parts.append(row("Email", escape(c.email)))
        if d.constituents:
            parts.append(row("On behalf of", "<br>".join(escape(x) for x in d.constituents)))
        parts.append(row("Addressed to", escape(d.addressed_to) or "—"))
        parts.append(row("Signatory", escape(d.signatory) or "—"))
        themes = "<br>".join(f"<b>{escape(c)}</b> {escape(n)}" for c, n in d.themes) or "—"
        parts.append(row("Themes", themes))
        parts.append(row("Team", escape(d.team) or "—"))
        parts.append(row("Drafter", escape(d.drafter) or "—"))
        if d.campaign:
            parts.append(row("Campaign", escape(d.campaign)))
        if d.transfer_to:
            parts.append(
                row("Transferred to", f"{escape(d.transfer_to)}: {escape(d.transfer_reason)}")
            )
        if d.dispatched_on:
            parts.append(row("Dispatched", f"{d.dispatched_on:%d %B %Y}"))
        parts.append(row("Drafts", str(d.draft_count)))
        summary = f"<p>{escape(d.summary)}</p>" if d.summary else ""
        return f"{summary}<table cellspacing='0' cellpadding='3'>{''.join(parts)}</table>"
