"""The approved lines to choose from: the case's themes first, searchable, dragged or
double-clicked into the reply; lines this letter cannot use greyed under the reason."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QMimeData, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from correspondence.services.drafting.draft_view import DraftView
from correspondence.services.drafting.line_offers import LineOffer
from correspondence.ui.widgets.paragraph_list import LINE_MIME

VERSION_ROLE = Qt.ItemDataRole.UserRole + 1
USED_BEFORE = "★ "


class _LinesTree(QTreeWidget):
    """Approved lines; an item drags as its version id."""

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [LINE_MIME]

    def mimeData(self, items: Any) -> QMimeData:  # noqa: N802
        mime = QMimeData()
        for item in items:
            version_id = item.data(0, VERSION_ROLE)
            if version_id is not None:
                mime.setData(LINE_MIME, QByteArray(str(version_id).encode()))
                break
        return mime


class LinesPane(QWidget):
    """The left of the editor: a search box over the approved lines, grouped."""

    lineChosen = Signal(int)  # a line's version id, double-clicked or Enter pressed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.offers: list[LineOffer] = []
        self.offers_by_version: dict[int, LineOffer] = {}
        self._for_campaign = False
        self.search = QLineEdit(placeholderText="Search approved lines…")
        self.search.setObjectName("lineSearch")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.fill)
        self.tree = _LinesTree()
        self.tree.setObjectName("linesTree")
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setWordWrap(True)
        self.tree.itemActivated.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.addWidget(QLabel("<b>Approved lines</b> — double-click or drag into the reply"))
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        self.legend = QLabel(f"{USED_BEFORE}used in an earlier reply to this correspondent")
        self.legend.setObjectName("linesLegend")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("font-style: italic;")  # not grey: it vanished on dark themes
        layout.addWidget(self.legend)

    def set_editable(self, editable: bool) -> None:
        self.tree.setEnabled(editable)
        self.search.setEnabled(editable)

    def show_offers(self, offers: list[LineOffer], view: DraftView) -> None:
        """Offer these lines for this draft (the search typed so far still applies)."""
        self.offers = offers
        self.offers_by_version = {o.version_id: o for o in offers}
        self._for_campaign = view.campaign_id is not None
        if self._for_campaign:
            themes = ", ".join(view.campaign_themes) or "none yet"
            self.legend.setText(f"The campaign's themes, most common first: {themes}")
        self.fill()

    def fill(self) -> None:
        words = self.search.text().lower().split()
        self.tree.clear()
        whose = "campaign" if self._for_campaign else "case"
        groups = (
            QTreeWidgetItem([f"For this {whose}'s themes"]),
            QTreeWidgetItem(["Any letter: openings, closings, holding replies, transfers"]),
            QTreeWidgetItem(["Other approved lines"]),
        )
        # Lines this letter cannot use, greyed under the plain reason (one group a reason).
        unusable: dict[str, QTreeWidgetItem] = {}
        for group in groups:
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
        for offer in self.offers:
            if words:
                haystack = f"{offer.key} {offer.title} {offer.wording}".lower()
                if not all(w in haystack for w in words):
                    continue
            star = USED_BEFORE if offer.used_before else ""
            item = QTreeWidgetItem([f"{star}{offer.title}"])
            item.setData(0, VERSION_ROLE, offer.version_id)
            if offer.unavailable:
                # Greyed with the reason, so nobody wonders where a line went.
                item.setToolTip(0, f"{offer.title}\n\nThis line {offer.unavailable}.")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                if offer.unavailable not in unusable:
                    reason = offer.unavailable
                    header = QTreeWidgetItem([reason[0].upper() + reason[1:]])
                    header.setToolTip(0, f"Lines that cannot be used here: each {reason}.")
                    header.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    unusable[reason] = header
                unusable[offer.unavailable].addChild(item)
                continue
            item.setToolTip(
                0,
                f"{offer.title}"
                + (" · a numbered point" if offer.numbered else "")
                + (" · used in an earlier reply to this correspondent" if offer.used_before else "")
                + f"\n\n{offer.wording[:600]}",
            )
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled
            )
            place = 1 if offer.generic else 0 if offer.for_case else 2
            groups[place].addChild(item)
        for group in (*groups, *unusable.values()):
            group.setToolTip(0, group.toolTip(0) or group.text(0))
            group.setText(0, f"{group.text(0)} ({group.childCount()})")
            self.tree.addTopLevelItem(group)
            group.setExpanded(True)

    def offer_items(self) -> list[QTreeWidgetItem]:
        """Every line item shown, in order (for tests and keyboard users)."""
        found: list[QTreeWidgetItem] = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            assert group is not None  # g is in range
            for i in range(group.childCount()):
                child = group.child(i)
                assert child is not None  # i is in range
                found.append(child)
        return found

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        version_id = item.data(0, VERSION_ROLE)
        if version_id is not None:
            self.lineChosen.emit(int(version_id))
