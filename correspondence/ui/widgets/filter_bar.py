"""The filters above the case list: status, theme, team, deadline and search."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from correspondence.services.cases.case_list import CaseFilter, DueFilter
from correspondence.services.desk import Choice

SEARCH_DELAY_MS = 250


class FilterBar(QWidget):
    changed = Signal(object)  # CaseFilter

    def __init__(
        self,
        statuses: list[Choice],
        themes: list[Choice],
        teams: list[Choice],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.status = self._combo("All statuses", statuses, "Filter by status")
        self.theme = self._combo("All themes", themes, "Filter by theme")
        self.team = self._combo("All teams", teams, "Filter by policy team")
        self.due = self._combo(
            "Any deadline",
            [
                Choice(DueFilter.OVERDUE.value, "Overdue"),
                Choice(DueFilter.THIS_WEEK.value, "Due this week"),
            ],
            "Filter by deadline",
        )
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search reference, name, letter text…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(160)
        self.search.setAccessibleName("Search the cases")
        # Typing fires one query after a pause, not one per keystroke.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self._emit)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._emit_now)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        for label, w in (
            ("Status", self.status),
            ("Theme", self.theme),
            ("Team", self.team),
            ("Deadline", self.due),
        ):
            lab = QLabel(f"{label}:")
            lab.setBuddy(w)
            w.setAccessibleName(f"{label} filter")
            layout.addWidget(lab)
            layout.addWidget(w)
        layout.addSpacing(12)
        layout.addWidget(self.search, 1)
        for combo in (self.status, self.theme, self.team, self.due):
            combo.currentIndexChanged.connect(self._emit_now)

    def _combo(self, everything: str, choices: list[Choice], tip: str) -> QComboBox:
        combo = QComboBox()
        combo.setToolTip(tip)
        combo.addItem(everything, None)
        for c in choices:
            combo.addItem(c.label, c.value)
        # Narrow enough to share a 1366-pixel window (with My work beside it); the list that
        # drops down is as wide as its longest entry.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(9)
        combo.setMaximumWidth(260)
        combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
        return combo

    def _emit_now(self) -> None:
        self._debounce.stop()
        self._emit()

    def _emit(self) -> None:
        self.changed.emit(self.current())

    def current(self) -> CaseFilter:
        return CaseFilter(
            status=self.status.currentData() or "",
            theme=self.theme.currentData() or "",
            team_id=self.team.currentData(),
            due=DueFilter(self.due.currentData() or ""),
            search=self.search.text().strip(),
        )

    def clear(self) -> None:
        for combo in (self.status, self.theme, self.team, self.due):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._emit_now()

    # --- persistence -----------------------------------------------------------
    def save(self, settings: QSettings) -> None:
        settings.setValue("filters/status", self.status.currentData() or "")
        settings.setValue("filters/theme", self.theme.currentData() or "")
        settings.setValue("filters/team", self.team.currentData() or "")
        settings.setValue("filters/due", self.due.currentData() or "")
        settings.setValue("filters/search", self.search.text())

    def restore(self, settings: QSettings) -> None:
        def pick(combo: QComboBox, value: Any) -> None:
            if value in (None, ""):
                return
            for i in range(combo.count()):
                if str(combo.itemData(i)) == str(value):
                    combo.setCurrentIndex(i)
                    return

        widgets = (self.status, self.theme, self.team, self.due, self.search)
        for w in widgets:
            w.blockSignals(True)
        pick(self.status, settings.value("filters/status", ""))
        pick(self.theme, settings.value("filters/theme", ""))
        pick(self.team, settings.value("filters/team", ""))
        pick(self.due, settings.value("filters/due", ""))
        self.search.setText(str(settings.value("filters/search", "") or ""))
        for w in widgets:
            w.blockSignals(False)
