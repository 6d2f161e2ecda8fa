"""Done when: two app instances on one PostgreSQL database edit the same case and the
second is warned. Two MainWindows, each with its own engine, driven with the keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from correspondence.database import Database, open_database
from correspondence.services.cases.case_edit import CaseEditing
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.background import read_pool
from correspondence.ui.collab_actions import CollabFeature
from correspondence.ui.dialogs.edit_case import EditCaseDialog
from correspondence.ui.main_window import MainWindow
from tests.conftest import DEMO_TODAY, DemoTemplate, open_demo_copy

pytestmark = [pytest.mark.gui, pytest.mark.postgres]


@pytest.fixture
def pg_demo(
    request: pytest.FixtureRequest, demo_template: DemoTemplate, tmp_path: Path
) -> Iterator[Database]:
    yield from open_demo_copy(request, demo_template, tmp_path)


@pytest.mark.parametrize("demo_template", ["postgresql"], indirect=True)
def test_two_app_instances_on_postgresql_and_the_second_is_warned(
    qtbot: QtBot, pg_demo: Database, tmp_path: Path, screenshot_dir: Path
) -> None:
    assert pg_demo.engine.dialect.name == "postgresql"
    first_db, second_db = open_database(pg_demo.url), open_database(pg_demo.url)
    windows = []
    try:
        for database, user, name in (
            (first_db, "a.okoro", "one"),
            (second_db, "j.whitfield", "two"),
        ):
            desk = Desk(acting_as(database.session_factory, user), clock=lambda: DEMO_TODAY)
            settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
            w = MainWindow(desk, settings, db_label="team database")
            qtbot.addWidget(w)
            w.show()
            qtbot.waitExposed(w)
            windows.append(w)
        one, two = windows
        assert "Adaeze Okoro" in one.windowTitle() or "a.okoro" in one.windowTitle()
        assert "j.whitfield" in two.windowTitle()

        one.table.selectRow(0)
        case_id = one.current_case_id()
        assert case_id is not None and two.select_case(case_id)
        dialogs: list[EditCaseDialog] = []
        for w in windows:
            w.activateWindow()
            qtbot.waitUntil(lambda w=w: QApplication.activeWindow() is w)
            qtbot.keyClick(w.table, Qt.Key.Key_F2)
            qtbot.waitUntil(lambda w=w: w.feature(CollabFeature).edit_case_dialog is not None)
            dialogs.append(w.feature(CollabFeature).edit_case_dialog)
        first, second = dialogs
        assert first.case_id == second.case_id == case_id

        first.summary.setPlainText("Okoro: summary revised after reading the letter")
        with qtbot.waitSignal(first.saved):
            qtbot.mouseClick(first.save_button, Qt.MouseButton.LeftButton)

        second.summary.setPlainText("Whitfield: a different summary")
        second.priority.setCurrentIndex(second.priority.findData("urgent"))
        qtbot.mouseClick(second.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: second.conflict_dialog is not None and second.conflict_dialog.isVisible()
        )
        warning = second.conflict_dialog
        assert warning is not None
        assert "a.okoro saved case" in warning.message.text()
        assert warning.table.item(0, 1).text() == (
            "Okoro: summary revised after reading the letter"
        )
        warning.grab().save(str(screenshot_dir / "conflict_dialog_postgresql.png"))
        saved = CaseEditing(acting_as(first_db.session_factory)).load(case_id)
        assert saved.summary.startswith("Okoro:") and saved.priority != "urgent"
        # The first window's list is refreshed live with the second's eventual save too.
        qtbot.mouseClick(warning.reapply_button, Qt.MouseButton.LeftButton)
        final = CaseEditing(acting_as(first_db.session_factory)).load(case_id)
        assert (final.summary, final.priority) == ("Whitfield: a different summary", "urgent")
    finally:
        for w in windows:
            w.close()
        QApplication.processEvents()
        read_pool().waitForDone(10_000)  # a read the last answers started ends before the close
        first_db.close()
        second_db.close()
