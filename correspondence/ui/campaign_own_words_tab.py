"""The campaign window's Own words tab: members who wrote casework of their own, and the answer.

Each flagged member is shown with their words; the drafter writes a paragraph the campaign
reply adds for them alone, or (an officer) takes the letter out for a reply of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.campaigns.campaign_own_words import CampaignOwnWords, MemberOwnWords
from correspondence.services.errors import ServiceError

COLUMNS = ("Reference", "From", "Their own words", "Answered by")
# Up to this many members the letters are checked as the campaign is shown (well under a
# second); a bigger campaign is checked when asked (about 4 s for 10,000, then kept).
AUTO_CHECK_MEMBERS = 2000


class OwnWordsTab(QWidget):
    changed = Signal()  # a paragraph saved or a letter taken out: the window reloads
    checked = Signal()  # the letters of a big campaign were checked on request

    def __init__(
        self,
        svc: CampaignOwnWords,
        warn: Callable[[str], None],
        ask_yes: Callable[[str], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.svc = svc
        self.warn = warn
        self.ask_yes = ask_yes
        self.flagged: list[MemberOwnWords] = []
        self.campaign_id: int | None = None
        self.checked_ids: set[int] = set()  # big campaigns checked on request

        self.intro = QLabel()
        self.intro.setObjectName("ownWordsIntro")
        self.intro.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("ownWordsTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for col in (0, 1, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)

        self.words = QPlainTextEdit()
        self.words.setObjectName("ownWordsText")
        self.words.setReadOnly(True)
        self.paragraph = QPlainTextEdit()
        self.paragraph.setObjectName("ownWordsParagraph")
        self.paragraph.setPlaceholderText(
            "A paragraph the campaign reply adds for this member only, answering their words"
        )
        self.save_button = QPushButton("&Add paragraph to their letter")
        self.save_button.setObjectName("saveOwnWordsParagraph")
        self.save_button.clicked.connect(self.save_paragraph)
        self.take_out_button = QPushButton("&Take out for its own reply…")
        self.take_out_button.setObjectName("takeOutForOwnReply")
        self.take_out_button.clicked.connect(self.take_out)
        self.check_button = QPushButton("&Check the letters for own words")
        self.check_button.setObjectName("checkOwnWords")
        self.check_button.clicked.connect(self.check_now)

        lower = QWidget()
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel("Their words:"))
        ll.addWidget(self.words, 1)
        ll.addWidget(QLabel("Paragraph added to their letter:"))
        ll.addWidget(self.paragraph, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.take_out_button)
        ll.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setSizes([160, 260])
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.intro, 1)
        top.addWidget(self.check_button)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self._selected()

    def show_campaign(self, campaign_id: int | None, size: int = 0) -> list[MemberOwnWords] | None:
        """The flagged members, or None when a big campaign has not been checked yet."""
        keep = self.current()
        self.flagged = []
        self.campaign_id = campaign_id
        waiting = (
            campaign_id is not None
            and size > AUTO_CHECK_MEMBERS
            and campaign_id not in self.checked_ids
        )
        self.check_button.setVisible(waiting)
        if campaign_id is not None and not waiting:
            try:
                self.flagged = self.svc.flagged(campaign_id)
            except ServiceError as exc:
                self.warn(str(exc))
        n = len(self.flagged)
        if waiting:
            self.intro.setText(
                f"{size:,} letters: check them for members who added words of their own "
                "(a few seconds for a campaign this size)."
            )
        else:
            self.intro.setText(
                f"{n} member{'s' if n != 1 else ''} added words of their own — their situation, "
                "a named child or service, a question. Answer each with a paragraph in their "
                "letter, or take the letter out for its own reply."
                if n
                else "No member added words of their own: the campaign reply answers every letter."
            )
        self.table.setRowCount(n)
        for r, f in enumerate(self.flagged):
            cells = (
                f.reference,
                f.correspondent,
                " ".join(f.excerpt.split()),
                "campaign reply + paragraph" if f.addition else "campaign reply only",
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, f.case_id)
                if c == 2:
                    item.setToolTip(f.excerpt)
                self.table.setItem(r, c, item)
        rows = [r for r, f in enumerate(self.flagged) if keep and f.case_id == keep.case_id]
        if rows:
            self.table.selectRow(rows[0])
        self._selected()
        return None if waiting else self.flagged

    def check_now(self) -> None:
        if self.campaign_id is None:
            return
        self.checked_ids.add(self.campaign_id)
        self.setCursor(Qt.CursorShape.WaitCursor)
        try:
            self.checked.emit()  # the window shows the campaign again, now checked
        finally:
            self.unsetCursor()

    def current(self) -> MemberOwnWords | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.flagged[rows[0].row()] if rows and rows[0].row() < len(self.flagged) else None

    def select_reference(self, reference: str) -> bool:
        for r, f in enumerate(self.flagged):
            if f.reference == reference:
                self.table.selectRow(r)
                return True
        return False

    def _selected(self) -> None:
        f = self.current()
        self.words.setPlainText(f.excerpt if f else "")
        self.paragraph.setPlainText(f.addition if f else "")
        for w in (self.paragraph, self.save_button, self.take_out_button):
            w.setEnabled(f is not None)

    def save_paragraph(self) -> None:
        f = self.current()
        if f is None:
            return
        try:
            self.svc.set_addition(f.case_id, self.paragraph.toPlainText())
        except ServiceError as exc:
            self.warn(str(exc))
            return
        self.changed.emit()

    def take_out(self) -> None:
        f = self.current()
        if f is None:
            return
        if not self.ask_yes(
            f"Take {f.reference} out of the campaign? It will be answered on its own, with a "
            "reply drafted for its writer's words."
        ):
            return
        try:
            self.svc.take_out(f.case_id)
        except ServiceError as exc:
            self.warn(str(exc))
            return
        self.changed.emit()
