"""Small chart views (QtCharts) for report tables: bars for counts and percentages, lines."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

# Colour-blind-safe (Okabe–Ito), in the order series are added.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

Series = Sequence[tuple[str, Sequence[float]]]


class ChartView(QChartView):
    """A chart view that is antialiased and has a plain chart with the legend below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(320, 240)
        self.set_chart(QChart())

    def set_chart(self, chart: QChart) -> None:
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setMargins(QMargins(4, 4, 4, 4))
        old = self.chart()
        self.setChart(chart)
        if old is not None and old is not chart:
            old.deleteLater()

    def series_names(self) -> list[str]:
        names: list[str] = []
        for s in self.chart().series():
            if isinstance(s, QBarSeries | QHorizontalBarSeries):
                names.extend(b.label() for b in s.barSets())
            else:
                names.append(s.name())
        return names


def _value_axis(top: float, percent: bool) -> QValueAxis:
    axis = QValueAxis()
    if percent:
        axis.setRange(0, 100)
        axis.setLabelFormat("%d%%")
    else:
        axis.setRange(0, max(1.0, top * 1.1))
        axis.setLabelFormat("%d")
        axis.applyNiceNumbers()
    return axis


def bar_chart(
    view: ChartView,
    title: str,
    categories: Sequence[str],
    series: Series,
    *,
    percent: bool = False,
    horizontal: bool = False,
) -> None:
    """Grouped bars, one set per series; percentages are fractions 0..1 shown as 0–100 %."""
    chart = QChart()
    chart.setTitle(title)
    bars = QHorizontalBarSeries() if horizontal else QBarSeries()
    top = 0.0
    for i, (name, values) in enumerate(series):
        s = QBarSet(name)
        s.setColor(QColor(PALETTE[i % len(PALETTE)]))
        for v in values:
            shown = (v or 0.0) * (100 if percent else 1)
            s.append(shown)
            top = max(top, shown)
        bars.append(s)
    bars.setLabelsVisible(True)
    bars.setLabelsPrecision(3)
    bars.setLabelsFormat("@value%" if percent else "@value")
    if horizontal:
        bars.setLabelsPosition(QBarSeries.LabelsPosition.LabelsInsideEnd)
    chart.addSeries(bars)
    cats = QBarCategoryAxis()
    cats.append(list(categories))
    values_axis = _value_axis(top, percent)
    if horizontal:
        chart.addAxis(cats, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(values_axis, Qt.AlignmentFlag.AlignBottom)
    else:
        chart.addAxis(cats, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(values_axis, Qt.AlignmentFlag.AlignLeft)
        if len(categories) > 8:
            cats.setLabelsAngle(-60)
    bars.attachAxis(cats)
    bars.attachAxis(values_axis)
    chart.legend().setVisible(len(series) > 1)
    view.set_chart(chart)


def line_chart(view: ChartView, title: str, categories: Sequence[str], series: Series) -> None:
    """One line per series over the categories (periods), counts on the value axis."""
    chart = QChart()
    chart.setTitle(title)
    cats = QBarCategoryAxis()
    cats.append(list(categories))
    if len(categories) > 8:
        cats.setLabelsAngle(-60)
    top = max((max(v, default=0) for _, v in series), default=0)
    axis = _value_axis(float(top), False)
    chart.addAxis(cats, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(axis, Qt.AlignmentFlag.AlignLeft)
    for i, (name, values) in enumerate(series):
        line = QLineSeries()
        line.setName(name)
        line.setColor(QColor(PALETTE[i % len(PALETTE)]))
        line.setPointsVisible(True)
        for x, v in enumerate(values):
            # A category axis places point x at the middle of category x.
            line.append(x, v or 0)
        chart.addSeries(line)
        line.attachAxis(cats)
        line.attachAxis(axis)
    chart.legend().setVisible(bool(series))
    view.set_chart(chart)
