"""The line editor's live preview, given a line that runs away: the reason shows inline
within seconds and the window stays responsive."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolBar
from pytestqt.qtbot import QtBot

from correspondence.database import Database
from correspondence.services.lines.library import Library
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.library_window import LibraryWindow

pytestmark = pytest.mark.gui

TODAY = dt.date(2026, 11, 23)


def test_a_runaway_line_shows_its_reason_in_the_editor(
    qtbot: QtBot, demo_db: Database, screenshot_dir: Path
) -> None:
    w = LibraryWindow(
        Library(acting_as(demo_db.session_factory, "policy.lead.family"), clock=lambda: TODAY)
    )
    errors: list[str] = []
    w.show_error = errors.append  # type: ignore[method-assign]
    qtbot.addWidget(w)
    with qtbot.waitExposed(w):
        w.show()
    assert w.select_line("smacking-no-ban")
    bar = w.findChild(QToolBar, "lineToolbar")
    assert bar is not None
    qtbot.mouseClick(bar.widgetForAction(w.new_version_action), Qt.MouseButton.LeftButton)
    body = w.editor.editor
    body.moveCursor(body.textCursor().MoveOperation.End)
    qtbot.keyClick(body, Qt.Key.Key_Return)
    started = time.monotonic()
    qtbot.keyClicks(body, "{% set ns = namespace(x=3) %}{% for i in range(30) %}")
    qtbot.keyClicks(body, "{% set ns.x = ns.x * ns.x %}{% endfor %}{{ ns.x }}")
    qtbot.waitUntil(lambda: w.editor.problems.count() == 1, timeout=10_000)
    assert time.monotonic() - started < 20  # typing included; each render stops within 2 s
    text = w.editor.problems.item(0).text()
    assert "Not allowed" in text and "thousands of digits" in text
    w.grab().save(str(screenshot_dir / "library_editor_runaway_line.png"))
