"""The window carries the app's icon (taskbar, title bar, Alt+Tab), shipped in the package."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from correspondence.database import Database
from correspondence.paths import package_resource
from correspondence.ui import application
from correspondence.ui.resources import ICON_SIZES, icon_file

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app() -> Iterator[QApplication]:
    """The test run's QApplication without an icon; its names and icon put back afterwards
    (start-up names it, and QSettings() would then be the person's real settings)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    saved = (app.organizationName(), app.applicationName(), app.applicationDisplayName())
    icon = app.windowIcon()
    app.setWindowIcon(QIcon())
    yield app
    app.setOrganizationName(saved[0])
    app.setApplicationName(saved[1])
    app.setApplicationDisplayName(saved[2])
    app.setWindowIcon(icon)


def test_after_start_up_the_application_and_window_have_the_icon(
    qtbot: QtBot,
    app: QApplication,
    demo_db: Database,
    settings: QSettings,
    screenshot_dir: Path,
) -> None:
    assert app.windowIcon().isNull()
    started = application.start(lambda: demo_db, "a.okoro", lambda url: "demo.db", settings)
    assert started is not None
    window = started.window
    qtbot.addWidget(window)
    qtbot.waitExposed(window)

    for icon in (app.windowIcon(), window.windowIcon()):
        assert not icon.isNull()
        sizes = icon.availableSizes()
        assert QSize(256, 256) in sizes and QSize(16, 16) in sizes
    # The small sizes are drawn for their size, not the large one scaled down.
    assert window.windowIcon().pixmap(QSize(32, 32)).size() == QSize(32, 32)
    window.windowIcon().pixmap(QSize(64, 64)).save(str(screenshot_dir / "window_icon_64.png"))
    window.close()


def test_the_icon_files_are_package_data() -> None:
    """An installed wheel and the PyInstaller bundle find the icon where the code looks."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]["correspondence.ui.resources"]
    for size in ICON_SIZES:
        path = icon_file(size)
        assert path.is_file(), path
        assert path.parent == package_resource("ui", "resources")
        assert any(fnmatch(path.name, pattern) for pattern in patterns)
    spec = (ROOT / "packaging" / "correspondence-desk.spec").read_text(encoding="utf-8")
    assert '"correspondence/ui/resources"' in spec
