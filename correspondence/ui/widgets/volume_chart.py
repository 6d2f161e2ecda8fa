"""A small bar chart of letters per week, drawn with QPainter (no QtCharts needed:
PySide6-Essentials does not ship it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

MAX_BARS = 40


class VolumeChart(QWidget):
    """Bars of (week starting, count); the tallest week is labelled with its count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._weeks: list[tuple[dt.date, int]] = []
        self._bars: list[tuple[dt.date, int]] = []
        self._per_bar = 1
        self.setMinimumHeight(110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Letters per week")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(360, 120)

    def set_weeks(self, weeks: Sequence[tuple[dt.date, int]]) -> None:
        self._weeks = list(weeks)
        # A long campaign is drawn in fewer, wider bars: several weeks to a bar.
        self._per_bar = max(1, -(-len(self._weeks) // MAX_BARS))
        self._bars = [
            (self._weeks[i][0], sum(n for _, n in self._weeks[i : i + self._per_bar]))
            for i in range(0, len(self._weeks), self._per_bar)
        ]
        total = sum(n for _, n in self._weeks)
        self.setToolTip(
            f"{total} letters over {len(self._weeks)} week(s)" if self._weeks else "No letters"
        )
        self.update()

    def weeks(self) -> list[tuple[dt.date, int]]:
        return list(self._weeks)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        fm = p.fontMetrics()
        text_h = fm.height()
        if not self._bars:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No letters yet")
            return
        left, right, top, bottom = 8.0, 8.0, text_h + 4.0, text_h + 6.0
        area = QRectF(left, top, self.width() - left - right, self.height() - top - bottom)
        peak = max(n for _, n in self._bars) or 1
        slot = area.width() / len(self._bars)
        bar_w = max(2.0, slot * 0.7)
        bar_colour = QColor(pal.color(QPalette.ColorRole.Highlight))
        p.setPen(pal.color(QPalette.ColorRole.Mid))
        p.drawLine(area.bottomLeft(), area.bottomRight())
        # Label about six weeks along the axis, so labels never overlap.
        every = max(
            1,
            round(
                len(self._weeks)
                / max(1, int(area.width() // (fm.horizontalAdvance("28 Dec") + 12)))
            ),
        )
        for i, (week, n) in enumerate(self._bars):
            x = area.left() + i * slot + (slot - bar_w) / 2
            h = area.height() * n / peak
            p.fillRect(QRectF(x, area.bottom() - h, bar_w, h), bar_colour)
            if n == peak:
                p.setPen(pal.color(QPalette.ColorRole.Text))
                p.drawText(
                    QRectF(x - 20, area.bottom() - h - text_h - 2, bar_w + 40, text_h),
                    Qt.AlignmentFlag.AlignCenter,
                    str(n),
                )
            if i % every == 0:
                p.setPen(pal.color(QPalette.ColorRole.Text))
                label = f"{week:%b %Y}" if self._per_bar > 1 else f"{week.day} {week:%b}"
                w = fm.horizontalAdvance(label) + 4
                # Centred under its bar, but never cut off at either edge.
                lx = min(max(0.0, x + bar_w / 2 - w / 2), self.width() - w)
                p.drawText(
                    QRectF(lx, area.bottom() + 3, w, text_h), Qt.AlignmentFlag.AlignCenter, label
                )
