"""A scanned letter imported from the window: read by OCR off the GUI thread, cancellable."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QPushButton
from pytestqt.qtbot import QtBot

from correspondence.services.desk import Desk
from correspondence.ui.intake_actions import IntakeController
from correspondence.ui.main_window import MainWindow
from tests import scans

LAMING = Path(__file__).parent.parent / "fixtures" / "seeds" / "001_9356301f243812d3.txt"

pytestmark = [
    pytest.mark.gui,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr not installed"),
    pytest.mark.skipif(not scans.font_available(), reason="fonts-liberation2 not installed"),
]


@pytest.fixture
def window(qtbot: QtBot, demo_desk: Desk, settings) -> MainWindow:  # noqa: ANN001
    w = MainWindow(demo_desk, settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_a_scan_is_read_with_page_progress_and_its_words_found(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, screenshot_dir: Path
) -> None:
    pages = scans.draw_pages(LAMING.read_text(encoding="utf-8"), dpi=200)
    scan = tmp_path / "laming-scan.tif"
    scan.write_bytes(scans.tiff_bytes(pages, 200))
    controller = window.feature(IntakeController)
    labels: list[str] = []
    controller.import_paths([str(scan)])
    progress: QProgressDialog = controller.progress
    progress.setMinimumDuration(0)
    progress.canceled.disconnect()  # keep the test from cancelling by accident
    qtbot.waitUntil(lambda: "reading page 2" in progress.labelText(), timeout=60000)
    labels.append(progress.labelText())
    window.grab().save(str(screenshot_dir / "scan_import_progress.png"))
    qtbot.waitUntil(lambda: controller.last_result is not None, timeout=120000)
    [imported] = controller.last_result.imported
    assert not imported.needs_text
    assert f"laming-scan.tif: reading page 2 of {len(pages)}" in labels[0]
    controller.result_dialog.close()

    window.filters.search.setFocus()
    qtbot.keyClicks(window.filters.search, "universally")
    qtbot.waitUntil(lambda: imported.reference in _references(window), timeout=10000)
    assert window.select_case(imported.case_id)
    detail = window.detail  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: detail.documents.rowCount() == 2, timeout=10000)
    kinds = [detail.documents.item(r, 1).text() for r in range(2)]
    assert kinds[0].startswith("image/tiff · read by OCR (")
    assert kinds[1] == "application/pdf"  # the searchable PDF beside the scan
    detail.tabs.setCurrentWidget(detail.documents)
    window.grab().save(str(screenshot_dir / "scan_imported_detail.png"))


def test_cancelling_stops_a_long_scan_and_logs_nothing(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    pages = scans.draw_pages(LAMING.read_text(encoding="utf-8") * 3, dpi=200)
    scan = tmp_path / "long-scan.tif"
    scan.write_bytes(scans.tiff_bytes(pages, 200))
    controller = window.feature(IntakeController)
    controller.import_paths([str(scan)])
    progress: QProgressDialog = controller.progress
    qtbot.waitUntil(lambda: "reading page 1" in progress.labelText(), timeout=60000)
    [cancel] = progress.findChildren(QPushButton)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.last_result is not None, timeout=60000)
    result = controller.last_result
    assert result.cancelled and result.imported == ()


def _references(window: MainWindow) -> set[str]:
    model = window.model
    return {model.row_at(r).reference for r in range(model.rowCount())}
