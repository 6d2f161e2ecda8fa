"""Importing from the window: drag and drop, progress off the GUI thread, the result dialog."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from correspondence.database import Database
from correspondence.db.models import Case, Document
from correspondence.services.desk import Desk
from correspondence.ui.dialogs.import_result import ImportResultDialog
from correspondence.ui.intake_actions import IntakeController
from correspondence.ui.main_window import MainWindow

pytestmark = pytest.mark.gui

MAIL = Path(__file__).resolve().parent.parent / "fixtures" / "mail"


@pytest.fixture
def window(qtbot: QtBot, demo_desk: Desk, settings) -> MainWindow:  # noqa: ANN001
    w = MainWindow(demo_desk, settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _drop(window: MainWindow, paths: list[Path]) -> bool:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = window.rect().center()
    enter = QDragEnterEvent(
        QPointF(pos),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    drop = QDropEvent(
        QPointF(pos),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, drop)
    return enter.isAccepted() and drop.isAccepted()


def test_dropping_a_folder_imports_it_and_shows_what_happened(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, screenshot_dir: Path
) -> None:
    folder = tmp_path / "post"
    folder.mkdir()
    for name in ("utf8.eml", "letter.docx", "scanned.pdf", "malformed.eml", "corrupt.docx"):
        shutil.copy(MAIL / name, folder / name)
    shutil.copy(MAIL / "utf8.eml", folder / "utf8 copy.eml")
    controller = window.feature(IntakeController)
    assert _drop(window, [folder])
    qtbot.waitUntil(lambda: controller.last_result is not None, timeout=20000)
    dialog = controller.result_dialog
    assert isinstance(dialog, ImportResultDialog)
    qtbot.waitUntil(dialog.isVisible)
    rows = dialog.rows()
    outcomes = {(o, f) for o, f, _ in rows}
    assert ("Failed", "malformed.eml") in outcomes and ("Failed", "corrupt.docx") in outcomes
    assert ("Duplicate", "utf8.eml") in outcomes or ("Duplicate", "utf8 copy.eml") in outcomes
    assert sum(o == "Imported" for o, _, _ in rows) == 3
    assert rows[0][0] == "Failed"  # what needs attention comes first
    assert "3</b> imported" in dialog.summary.text()
    failure = next(d for o, f, d in rows if f == "malformed.eml")
    assert "Not a valid email" in failure
    # Said in office English, with the reader's words kept for IT in the tooltip.
    docx = next(d for o, f, d in rows if f == "corrupt.docx")
    assert docx.startswith("The Word document is damaged") and "Error" not in docx
    assert "Imported 3, 1 duplicate, 2 failed" in window.statusBar().currentMessage()
    # The scan has no date in it, so it is dated today and heads the refreshed list.
    scan = next(c for c in controller.last_result.imported if c.path.endswith("scanned.pdf"))
    loaded = {window.model.row_at(r).reference for r in range(window.model.rowCount())}
    assert scan.reference in loaded
    dialog.resize(1000, 300)
    dialog.grab().save(str(screenshot_dir / "import_result_dialog.png"))


def test_a_drop_without_files_is_ignored(window: MainWindow) -> None:
    mime = QMimeData()
    mime.setText("just words")
    enter = QDragEnterEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter.ignore()
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()
    assert window.feature(IntakeController).worker is None


def test_cancel_stops_between_files_and_keeps_whole_cases(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, demo_db: Database
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    raw = (MAIL / "utf8.eml").read_bytes()
    for i in range(1500):
        (folder / f"{i:03d}.eml").write_bytes(raw.replace(b"utf8-0001", f"bulk-{i}".encode()))
    with demo_db.session_factory() as s:
        before = s.scalar(select(func.count(Case.id)))
    controller = window.feature(IntakeController)
    worker = controller.import_paths([str(folder)])
    assert worker is not None
    progress = controller.progress
    assert progress is not None

    cancel_button = progress.findChild(QPushButton)
    assert cancel_button is not None and cancel_button.text() == "&Cancel"

    def press_cancel(done: int, _total: int, _path: str) -> None:
        if done >= 5 and cancel_button.isEnabled():
            cancel_button.click()

    worker.signals.progress.connect(press_cancel)
    assert window.isEnabled()  # the window stays usable while the import runs
    qtbot.waitUntil(lambda: controller.last_result is not None, timeout=30000)
    result = controller.last_result
    assert result.cancelled and 0 < len(result.imported) < 1500
    with demo_db.session_factory() as s:
        after = s.scalar(select(func.count(Case.id)))
        assert after - before == len(result.imported)
        bulk = s.scalar(select(func.count(Document.id)).where(Document.message_id.like("<bulk-%")))
        assert bulk == len(result.imported)  # every stored case has its original
    assert "Cancelled after" in controller.result_dialog.summary.text()


def test_file_import_action_is_on_the_file_menu(window: MainWindow) -> None:
    actions = {a.text(): a for a in window.file_menu.actions()}
    assert actions["&Import…"].shortcut().toString() == "Ctrl+I"
    case_actions = {a.text(): a for a in window.case_menu.actions()}
    assert case_actions["&Log a letter…"].shortcut().toString() == "Ctrl+N"
