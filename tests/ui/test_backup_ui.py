"""File → Back up now… and Restore…, and the window's start on a missing or damaged file."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget
from pytestqt.qtbot import QtBot

from correspondence.database import Database, open_database
from correspondence.domain.salutations import CorrespondentKind
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.errors import NotFound
from correspondence.services.office.backup import audit_engine, restore
from correspondence.services.unit_of_work import acting_as
from correspondence.ui import startup
from correspondence.ui.backup_actions import BackupController, BackupPrompts
from correspondence.ui.main_window import MainWindow
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.gui
TABLES = ("cases", "events", "documents")


class ScriptedPrompts(BackupPrompts):
    def __init__(self, path: Path | None, confirm: bool = True) -> None:
        self.path, self.answer = path, confirm
        self.told: list[str] = []
        self.warned: list[str] = []
        self.confirmed: list[str] = []

    def save_path(self, parent: QWidget, suggested: Path) -> Path | None:
        self.suggested = suggested
        return self.path

    def open_path(self, parent: QWidget, folder: Path) -> Path | None:
        return self.path

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        self.confirmed.append(text)
        return self.answer

    def tell(self, parent: QWidget, title: str, text: str) -> None:
        self.told.append(text)

    def warn(self, parent: QWidget, title: str, text: str) -> None:
        self.warned.append(text)


@pytest.fixture
def window(qtbot: QtBot, demo_db: Database, settings: QSettings) -> MainWindow:
    desk = Desk(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    w = MainWindow(desk, settings, db_label="demo.db")
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w


def choose_from_file_menu(qtbot: QtBot, window: MainWindow, mnemonic: Qt.Key) -> None:
    """Alt+F opens the File menu; the item's underlined letter chooses it."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.file_menu.isVisible())
    qtbot.keyClick(window.file_menu, mnemonic)


def watch_progress(name: str, shot: Path) -> tuple[QTimer, list[int]]:
    """Screenshots the progress dialog once it shows a value, and counts what it showed."""
    seen: list[int] = []

    def look() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QProgressDialog) and w.objectName() == name and w.isVisible():
                if not seen or seen[-1] != w.value():
                    seen.append(w.value())
                    if 0 < w.value() < 100 and not shot.exists():
                        w.grab().save(str(shot))

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(look)
    timer.start()
    return timer, seen


def log_a_case(db: Database, last_name: str) -> str:
    desk = Desk(acting_as(db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    return desk.log_case(
        NewCase(
            received_on=DEMO_TODAY,
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.PUBLIC, first_name="Rowan", last_name=last_name
            ),
            summary="Playground closure",
        )
    )


def test_back_up_now_then_restore_leaves_the_window_on_the_restored_database(
    qtbot: QtBot, window: MainWindow, demo_db: Database, tmp_path: Path, screenshot_dir: Path
) -> None:
    controller: BackupController = window.feature(BackupController)
    out = tmp_path / "backups" / "friday.db"
    controller.prompts = prompts = ScriptedPrompts(out)
    timer, seen = watch_progress("backupProgress", screenshot_dir / "backup_progress.png")

    choose_from_file_menu(qtbot, window, Qt.Key.Key_U)  # Back &up now…
    qtbot.waitUntil(lambda: bool(prompts.told or prompts.warned), timeout=20000)
    timer.stop()

    assert prompts.warned == []
    assert f"Backed up to\n{out}" in prompts.told[0]
    assert "integrity ok" in prompts.told[0] and "is intact (ok)" in prompts.told[0]
    assert out.exists() and seen and seen[-1] >= 0
    assert prompts.suggested.parent == Path(str(demo_db.engine.url.database)).parent / "backups"

    # The copy made from the window restores on another machine with every case and event.
    other = tmp_path / "another-machine" / "office.db"
    result = restore(out, f"sqlite:///{other}", "r.jones")
    with demo_db.engine.connect() as conn:
        here = [conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in TABLES]
        hashes = [h for (h,) in conn.exec_driver_sql("SELECT hash FROM events ORDER BY id")]
    there = sqlite3.connect(other)
    assert [there.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES] == [
        here[0],
        here[1] + 1,  # and the restore itself
        here[2],
    ]
    copied = [h for (h,) in there.execute("SELECT hash FROM events ORDER BY id")]
    there.close()
    assert copied[:-1] == hashes and result.previous_file is None
    moved = open_database(f"sqlite:///{other}", create=False)
    assert audit_engine(moved.engine) == "ok"
    moved.close()

    # Work after the backup: a case is logged and shows in the list.
    reference = log_a_case(demo_db, "Aftermath")
    window.refresh()
    window.filters.search.setText("Aftermath")
    window.apply_filter(window.filters.current())
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)

    controller.prompts = prompts = ScriptedPrompts(out)
    timer, seen = watch_progress("restoreProgress", screenshot_dir / "restore_progress.png")
    choose_from_file_menu(qtbot, window, Qt.Key.Key_R)  # &Restore from a backup…
    qtbot.waitUntil(lambda: bool(prompts.told or prompts.warned), timeout=30000)
    timer.stop()

    assert prompts.warned == []
    assert "kept aside beside it, not deleted" in prompts.confirmed[0]
    assert "The restore is recorded in the history" in prompts.told[0]
    # The window is on the restored database: the case logged after the backup is gone.
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    window.filters.search.clear()
    window.apply_filter(window.filters.current())
    qtbot.waitUntil(lambda: window.model.rowCount() > 0)
    with pytest.raises(NotFound):
        window.desk.find_reference(reference)
    result = controller.last_restore
    assert result is not None and result.previous_file is not None
    aside = sqlite3.connect(result.previous_file)
    assert aside.execute("SELECT count(*) FROM cases WHERE reference = ?", (reference,)).fetchone()
    aside.close()
    with demo_db.engine.connect() as conn:
        action, new = conn.exec_driver_sql(
            "SELECT action, new_value FROM events ORDER BY id DESC LIMIT 1"
        ).one()
    assert action == "restored" and json.loads(new)["backup"] == "friday.db"
    window.grab().save(str(screenshot_dir / "window_after_restore.png"))
    # Changes to the restored file keep appearing live, as before the restore.
    window.filters.search.setText("Afterwards")
    window.apply_filter(window.filters.current())
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    log_a_case(demo_db, "Afterwards")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10000)


def answer_next_box(qtbot: QtBot, name: str, button_text: str, shot: Path) -> list[str]:
    """When the message box `name` is up: screenshot it, then click the button named."""
    shown: list[str] = []

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != name:
            QTimer.singleShot(20, poll)
            return
        shown.append(box.text())
        box.grab().save(str(shot))
        button = next(b for b in box.buttons() if b.text().replace("&", "") == button_text)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, poll)
    return shown


def test_a_mistyped_path_asks_before_making_a_database(
    qtbot: QtBot, tmp_path: Path, screenshot_dir: Path
) -> None:
    path = tmp_path / "typo" / "ofice.db"
    shown = answer_next_box(
        qtbot, startup.NO_DATABASE_BOX, "Cancel", screenshot_dir / "no_database_box.png"
    )
    assert startup.prepare(f"sqlite:///{path}", named=True) is None
    assert f"There is no database at\n{path}" in shown[0]
    assert not path.parent.exists()

    answer_next_box(qtbot, startup.NO_DATABASE_BOX, "Make an empty database", tmp_path / "x.png")
    opening = startup.prepare(f"sqlite:///{path}", named=True)
    assert opening is not None and not opening.demo_when_empty
    db = startup.open_with_feedback(opening.opener, demo_when_empty=opening.demo_when_empty)
    assert db is not None
    try:
        assert db.is_empty()  # no demo office in a database the person named
    finally:
        db.close()


def test_a_damaged_file_is_named_and_the_newest_backup_restored(
    qtbot: QtBot, demo_db: Database, tmp_path: Path, screenshot_dir: Path
) -> None:
    from correspondence.services.office.backup import daily_backup

    path = Path(str(demo_db.engine.url.database))
    made = daily_backup(demo_db.url, today=dt.date(2026, 12, 1))
    assert made is not None
    demo_db.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])  # cut short, as by a failing disk
    path.with_name(path.name + "-wal").unlink(missing_ok=True)
    damaged = path.read_bytes()

    shown = answer_next_box(
        qtbot, startup.DAMAGED_BOX, "Restore the newest backup", screenshot_dir / "damaged_box.png"
    )
    opening = startup.prepare(f"sqlite:///{path}", named=True)
    assert opening is not None
    db = startup.open_with_feedback(opening.opener, demo_when_empty=opening.demo_when_empty)
    assert db is not None
    try:
        assert f"The database file\n{path}\nis damaged: it was cut short" in shown[0]
        assert f"The newest backup is {made.path}, made " in shown[0]
        assert "Nothing was written to it" in shown[0]
        assert not db.is_empty()
        restored = [p for p in path.parent.iterdir() if "before-restore" in p.name]
        assert [p.read_bytes() for p in restored if not p.name.endswith(("-wal", "-shm"))] == [
            damaged
        ]
    finally:
        db.close()


def test_a_read_only_database_is_told_at_start_not_at_the_first_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests import small_disk

    disk = tmp_path / "disk"
    try:
        mount = small_disk.mounted(disk, size_kb=4096)
        mount.__enter__()
    except PermissionError as exc:
        pytest.skip(f"needs a tmpfs mounted by the test: {exc}")
    told: list[str] = []
    monkeypatch.setattr(
        startup.QMessageBox, "critical", lambda _parent, _title, text: told.append(text)
    )
    try:
        url = f"sqlite:///{disk / 'office.db'}"
        open_database(url).close()
        small_disk.remount_read_only(disk)
        opening = startup.prepare(url, named=True)
        assert opening is not None
        assert startup.open_with_feedback(opening.opener) is None
        assert told == [
            f"The database file {disk / 'office.db'} cannot be written (read-only): changes "
            "could not be saved"
        ]
    finally:
        mount.__exit__(None, None, None)


def test_a_damaged_page_met_mid_work_is_told_with_the_file_and_backup(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import sys

    from sqlalchemy.exc import DatabaseError

    from correspondence.services.office.backup import daily_backup

    made = daily_backup(demo_db.url, today=dt.date(2026, 12, 2))
    assert made is not None
    told: list[str] = []
    monkeypatch.setattr(
        startup.QMessageBox, "critical", lambda _parent, _title, text: told.append(text)
    )
    monkeypatch.setattr(sys, "excepthook", lambda *_: None)
    startup.install_storage_alarm(demo_db)
    try:
        raise DatabaseError("SELECT", {}, sqlite3.DatabaseError("database disk image is malformed"))
    except DatabaseError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    path = Path(str(demo_db.engine.url.database))
    assert len(told) == 1
    assert told[0].startswith(f"The database file {path} is damaged")
    assert f"The newest backup is {made.path}" in told[0]


class ChosenFile(BackupPrompts):
    """The file dialogs answered; the questions and the answers are the real message boxes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def save_path(self, parent: QWidget, suggested: Path) -> Path | None:
        return self.path

    def open_path(self, parent: QWidget, folder: Path) -> Path | None:
        return self.path


def test_the_restore_question_and_the_backup_answer_read_plainly(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, screenshot_dir: Path
) -> None:
    controller: BackupController = window.feature(BackupController)
    out = tmp_path / "backups" / "tuesday.db"
    controller.prompts = ChosenFile(out)
    answered: list[str] = []

    def click_when_up(title: str, button: str, shot: str) -> None:
        def poll() -> None:
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox) or box.windowTitle() != title:
                QTimer.singleShot(20, poll)
                return
            answered.append(box.text())
            box.grab().save(str(screenshot_dir / shot))
            target = next(b for b in box.buttons() if b.text().replace("&", "") == button)
            qtbot.mouseClick(target, Qt.MouseButton.LeftButton)

        QTimer.singleShot(0, poll)

    click_when_up("Backups", "OK", "backup_done_box.png")
    choose_from_file_menu(qtbot, window, Qt.Key.Key_U)
    qtbot.waitUntil(lambda: len(answered) == 1, timeout=20000)
    assert answered[0].startswith(f"Backed up to\n{out}")

    click_when_up("Restore from a backup", "Cancel", "restore_question_box.png")
    choose_from_file_menu(qtbot, window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: len(answered) == 2, timeout=10000)
    assert "kept aside beside it, not deleted" in answered[1]
    assert controller.worker is None and controller.last_restore is None  # cancelled: nothing
