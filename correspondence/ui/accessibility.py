"""Every control within reach of the keyboard and named for a screen reader.

Called at the end of each window's construction: Tab must leave lists, tables and text
boxes (where it would otherwise move between cells or type a tab), and toolbar buttons
must be Tab stops like any other button.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QPlainTextEdit,
    QTextEdit,
    QToolBar,
    QToolButton,
    QWidget,
)


def make_reachable(window: QWidget) -> None:
    for view in window.findChildren(QAbstractItemView):
        view.setTabKeyNavigation(False)
    texts: list[QPlainTextEdit | QTextEdit] = [
        *window.findChildren(QPlainTextEdit),
        *window.findChildren(QTextEdit),
    ]
    for text in texts:
        text.setTabChangesFocus(True)
    for bar in window.findChildren(QToolBar):
        for button in bar.findChildren(QToolButton):
            if button.defaultAction() is not None:
                button.setFocusPolicy(Qt.FocusPolicy.TabFocus)


def name(widget: QWidget, text: str) -> QWidget:
    """Give ``widget`` the name a screen reader says (and return it, for chaining)."""
    widget.setAccessibleName(text)
    return widget
