"""Two people edit the same case's details: the second save opens the conflict dialog,
which reloads theirs or re-applies mine on top; never a silent overwrite. Both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from correspondence.database import Database, open_database
from correspondence.db.models import Case
from correspondence.services.cases.case_edit import CaseEditing
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.dialogs.conflict import ConflictDialog
from correspondence.ui.dialogs.edit_case import EditCaseDialog

pytestmark = pytest.mark.gui

SEED = "2009/0007948POSoS"


@pytest.fixture
def second(demo_db: Database) -> Iterator[Database]:
    other = open_database(demo_db.url)
    yield other
    other.close()


@pytest.fixture
def case_id(demo_db: Database) -> int:
    with demo_db.session_factory() as s:
        found = s.scalar(select(Case.id).where(Case.reference == SEED))
    assert found is not None
    return found


def _dialog(qtbot: QtBot, database: Database, username: str, case_id: int) -> EditCaseDialog:
    dlg = EditCaseDialog(CaseEditing(acting_as(database.session_factory, username)), case_id)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def _retype(qtbot: QtBot, dlg: EditCaseDialog, text: str) -> None:
    dlg.summary.selectAll()
    qtbot.keyClick(dlg.summary, Qt.Key.Key_Delete)
    qtbot.keyClicks(dlg.summary, text)


def _conflict(qtbot: QtBot, dlg: EditCaseDialog) -> ConflictDialog:
    qtbot.waitUntil(lambda: dlg.conflict_dialog is not None and dlg.conflict_dialog.isVisible())
    assert dlg.conflict_dialog is not None
    return dlg.conflict_dialog


def _rows(conflict: ConflictDialog) -> dict[str, tuple[str, str, str]]:
    t = conflict.table
    return {
        t.item(r, 0).text(): (t.item(r, 1).text(), t.item(r, 2).text(), t.item(r, 3).text())
        for r in range(t.rowCount())
    }


def test_a_change_is_saved_from_the_form(
    qtbot: QtBot, demo_db: Database, case_id: int, screenshot_dir: Path
) -> None:
    dlg = _dialog(qtbot, demo_db, "a.okoro", case_id)
    assert dlg.windowTitle() == f"Edit case details — {SEED}"
    assert dlg.values()["themes"], "the seed case's themes are ticked"
    dlg.grab().save(str(screenshot_dir / "edit_case_dialog.png"))
    _retype(qtbot, dlg, "NSPCC campaign letter on Baby P")
    dlg.priority.setCurrentIndex(dlg.priority.findData("urgent"))
    dlg.set_theme("SMACK", True)
    with qtbot.waitSignal(dlg.saved):
        qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    saved = CaseEditing(acting_as(demo_db.session_factory, "a.okoro")).load(case_id)
    assert saved.summary == "NSPCC campaign letter on Baby P" and saved.priority == "urgent"
    assert "SMACK" in saved.themes
    assert dlg.result() == EditCaseDialog.DialogCode.Accepted


def test_the_second_save_is_refused_and_reload_shows_theirs(
    qtbot: QtBot, demo_db: Database, second: Database, case_id: int, screenshot_dir: Path
) -> None:
    ada = _dialog(qtbot, demo_db, "a.okoro", case_id)
    jo = _dialog(qtbot, second, "j.whitfield", case_id)
    original = jo.values()

    _retype(qtbot, ada, "Ada: NSPCC campaign, Baby P")
    ada.priority.setCurrentIndex(ada.priority.findData("high"))
    qtbot.mouseClick(ada.save_button, Qt.MouseButton.LeftButton)

    _retype(qtbot, jo, "Jo: Tessa Jowell writes for three constituents")
    qtbot.mouseClick(jo.save_button, Qt.MouseButton.LeftButton)
    conflict = _conflict(qtbot, jo)
    rows = _rows(conflict)
    assert rows["Summary"][0] == "Ada: NSPCC campaign, Baby P"
    assert rows["Summary"][1] == "Jo: Tessa Jowell writes for three constituents"
    assert rows["Summary"][2].startswith("a.okoro")
    assert rows["Priority"][0] == "High" and "you did not change it" in rows["Priority"][1]
    assert "a.okoro saved case" in conflict.message.text()
    assert jo.isVisible() and "Not saved" in jo.status.text()
    conflict.grab().save(str(screenshot_dir / "conflict_dialog.png"))
    # Nothing of Ada's was overwritten while Jo decides.
    assert CaseEditing(acting_as(demo_db.session_factory)).load(case_id).summary.startswith("Ada:")

    qtbot.mouseClick(conflict.reload_button, Qt.MouseButton.LeftButton)
    assert not conflict.isVisible()
    assert jo.summary.toPlainText() == "Ada: NSPCC campaign, Baby P"
    assert jo.values()["priority"] == "high" and jo.values()["themes"] == original["themes"]
    assert "Reloaded" in jo.status.text()
    # From their version, Jo's next save goes through.
    jo.priority.setCurrentIndex(jo.priority.findData("urgent"))
    with qtbot.waitSignal(jo.saved):
        qtbot.mouseClick(jo.save_button, Qt.MouseButton.LeftButton)
    final = CaseEditing(acting_as(demo_db.session_factory)).load(case_id)
    assert (final.summary, final.priority) == ("Ada: NSPCC campaign, Baby P", "urgent")


def test_reapply_puts_my_changes_on_top_of_theirs(
    qtbot: QtBot, demo_db: Database, second: Database, case_id: int
) -> None:
    ada = _dialog(qtbot, demo_db, "a.okoro", case_id)
    jo = _dialog(qtbot, second, "j.whitfield", case_id)
    _retype(qtbot, ada, "Ada's summary")
    qtbot.mouseClick(ada.save_button, Qt.MouseButton.LeftButton)

    jo.priority.setCurrentIndex(jo.priority.findData("urgent"))
    jo.set_theme("CARE", True)
    qtbot.mouseClick(jo.save_button, Qt.MouseButton.LeftButton)
    conflict = _conflict(qtbot, jo)
    assert list(_rows(conflict)) == ["Summary"]  # Ada changed only that; no clash
    assert "They changed fields you left alone" in conflict.hint.text()
    with qtbot.waitSignal(jo.saved):
        qtbot.mouseClick(conflict.reapply_button, Qt.MouseButton.LeftButton)
    final = CaseEditing(acting_as(demo_db.session_factory)).load(case_id)
    assert (final.summary, final.priority) == ("Ada's summary", "urgent")
    assert "CARE" in final.themes
    assert not jo.isVisible()


def test_keep_editing_leaves_my_values_in_the_form(
    qtbot: QtBot, demo_db: Database, second: Database, case_id: int
) -> None:
    ada = _dialog(qtbot, demo_db, "a.okoro", case_id)
    jo = _dialog(qtbot, second, "j.whitfield", case_id)
    _retype(qtbot, ada, "Ada's summary")
    qtbot.mouseClick(ada.save_button, Qt.MouseButton.LeftButton)
    _retype(qtbot, jo, "Jo's summary")
    qtbot.mouseClick(jo.save_button, Qt.MouseButton.LeftButton)
    conflict = _conflict(qtbot, jo)
    assert conflict.table.item(0, 0).background().color().name() == "#fff3cd"  # a clash
    qtbot.mouseClick(conflict.cancel_button, Qt.MouseButton.LeftButton)
    assert jo.isVisible() and jo.summary.toPlainText() == "Jo's summary"
    assert "still in the form" in jo.status.text()
    assert CaseEditing(acting_as(demo_db.session_factory)).load(case_id).summary == "Ada's summary"
