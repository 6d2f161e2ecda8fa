"""First run: a new database is filled with the demo office on a worker thread while the
progress dialog keeps repainting; the main window appears only once the data is in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from correspondence.database import open_database
from correspondence.ui import application, startup
from correspondence.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def app() -> Iterator[QApplication]:
    """Start-up names the application; put the test run's names and icon back afterwards
    (QSettings() would otherwise be the person's real settings in later tests)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    saved = (app.organizationName(), app.applicationName(), app.applicationDisplayName())
    icon = app.windowIcon()
    yield app
    app.setOrganizationName(saved[0])
    app.setApplicationName(saved[1])
    app.setApplicationDisplayName(saved[2])
    app.setWindowIcon(icon)


def _visible(kind: type[QWidget], name: str = "") -> QWidget | None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, kind) and w.isVisible() and (not name or w.objectName() == name):
            return w
    return None


@dataclass
class Watcher:
    """Samples the screen from the GUI thread every 20 ms while start-up runs."""

    screenshot: Path
    ticks: list[float] = field(default_factory=list)
    progress_seen: int = 0
    window_seen_while_loading: bool = False
    escaped_at_tick: int | None = None
    visible_after_escape: bool = False
    label: str = ""

    def tick(self) -> None:
        self.ticks.append(time.monotonic())
        progress = _visible(QWidget, "demoProgress")
        if progress is None:
            return
        self.progress_seen += 1
        if _visible(MainWindow) is not None:
            self.window_seen_while_loading = True
        if self.progress_seen == 10:
            self.label = progress.labelText()  # type: ignore[attr-defined]
            progress.grab().save(str(self.screenshot))
            # A person presses Escape: there is nothing to cancel, so the dialog stays.
            QApplication.sendEvent(progress, _escape())
            self.escaped_at_tick = len(self.ticks)
        elif self.escaped_at_tick is not None:
            self.visible_after_escape = True


def _escape() -> QKeyEvent:
    return QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)


@pytest.mark.slow
def test_first_run_loads_the_demo_on_a_worker_and_then_shows_the_window(
    qtbot: QtBot, app: QApplication, tmp_path: Path, settings: QSettings, screenshot_dir: Path
) -> None:
    path = tmp_path / "first-run.db"
    assert not path.exists()
    watcher = Watcher(screenshot_dir / "first_run_progress.png")
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(watcher.tick)
    timer.start()
    began = time.monotonic()
    started = application.start(
        lambda: open_database(f"sqlite:///{path}"), None, lambda _url: "first-run.db", settings
    )
    took = time.monotonic() - began
    timer.stop()
    assert started is not None
    window = started.window
    qtbot.addWidget(window)
    try:
        # The GUI thread kept running while the data loaded: the dialog repainted, the timer
        # ticked throughout, and Escape did not leave a half-built office behind.
        assert watcher.progress_seen >= 20, (watcher.progress_seen, took)
        gaps = [b - a for a, b in zip(watcher.ticks, watcher.ticks[1:], strict=False)]
        assert max(gaps) < 1.0, f"the GUI thread was blocked for {max(gaps):.1f} s"
        assert "demo office" in watcher.label and "first run" in watcher.label
        assert watcher.visible_after_escape
        # The window only once the data was in; and then with the demo's cases in it.
        assert not watcher.window_seen_while_loading
        assert _visible(QWidget, "demoProgress") is None
        qtbot.waitExposed(window)
        assert not started.db.is_empty()
        assert window.model.rowCount() > 0
        assert "first-run.db" in window.windowTitle()
    finally:
        window.close()
        started.db.close()


def test_a_failed_demo_load_is_explained_and_the_dialog_goes(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    told: list[str] = []
    monkeypatch.setattr(
        startup.QMessageBox, "critical", lambda _parent, _title, text: told.append(text)
    )

    def broken(_sf: sessionmaker[Session]) -> None:
        time.sleep(0.2)
        raise OSError("No space left on device")

    db = startup.open_with_feedback(
        lambda: open_database(f"sqlite:///{tmp_path / 'full.db'}"), load=broken
    )
    assert db is not None
    try:
        assert told == ["The demo data could not be loaded:\n\nNo space left on device"]
        assert _visible(QWidget, "demoProgress") is None
        assert db.is_empty()
    finally:
        db.close()
    assert "No space left on device" in capsys.readouterr().err  # the traceback, for support
