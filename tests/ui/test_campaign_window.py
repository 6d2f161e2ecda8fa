"""The campaigns window on the demo data: open it, rename, confirm, split, merge, remove,
show a campaign in the case list, and export its letters with progress."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QSettings, Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from correspondence.database import Database
from correspondence.services.desk import Desk
from correspondence.ui.campaign_actions import CampaignsFeature
from correspondence.ui.campaign_window import CampaignWindow
from correspondence.ui.drafting_actions import DraftingFeature
from correspondence.ui.main_window import MainWindow
from tests.factories import signed_off_campaign_reply

pytestmark = pytest.mark.gui


@pytest.fixture
def main(qtbot: QtBot, demo_desk: Desk, settings: QSettings) -> MainWindow:
    w = MainWindow(demo_desk, settings, db_label="demo.db")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _open(main: MainWindow, qtbot: QtBot) -> CampaignWindow:
    action = main.action("openCampaigns")
    assert action in main.tools_menu.actions()
    assert action.shortcut().toString() == "Ctrl+Shift+C"
    action.trigger()
    cw: CampaignWindow = main.feature(CampaignsFeature).campaign_window
    qtbot.waitExposed(cw)
    return cw


def _select_members(cw: CampaignWindow, rows: range) -> None:
    sel = cw.members.selectionModel()
    sel.clearSelection()
    for r in rows:
        sel.select(
            cw.members.model().index(r, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )


def _names(cw: CampaignWindow) -> list[str]:
    return [cw.list.item(r, 0).text() for r in range(cw.list.rowCount())]


def test_an_officer_confirms_renames_splits_merges_and_removes(
    main: MainWindow, qtbot: QtBot, screenshot_dir: Path
) -> None:
    cw = _open(main, qtbot)
    assert _names(cw) == ["NSPCC — proposals after the death of Baby P"]
    assert cw.members.rowCount() == 51
    assert sum(n for _, n in cw.chart.weeks()) == 51
    assert any("★" in cw.members.item(r, 0).text() for r in range(51))
    assert "Secretary of State" in cw.canonical.toPlainText()
    mp_row = next(r for r in range(51) if "(MP)" in cw.members.item(r, 1).text())
    assert "Mrs Joan Abbott" in cw.members.item(mp_row, 2).text()

    # Rename in place: open the name's editor, type, Enter.
    cw.list.setCurrentCell(0, 0)
    cw.list.editItem(cw.list.item(0, 0))
    editor = cw.list.viewport().findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, "NSPCC supporters")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: cw.heading.text() == "NSPCC supporters")

    qtbot.mouseClick(cw.confirm_button, Qt.MouseButton.LeftButton)
    assert cw.list.item(0, 3).text() == "Confirmed"
    assert not cw.confirm_button.isEnabled()

    _select_members(cw, range(1, 6))
    cw.ask_text = lambda *a, **k: "Second wave"  # type: ignore[method-assign]
    qtbot.mouseClick(cw.split_button, Qt.MouseButton.LeftButton)
    assert sorted(_names(cw)) == ["NSPCC supporters", "Second wave"]
    assert cw.heading.text() == "Second wave" and cw.members.rowCount() == 5
    cw.grab().save(str(screenshot_dir / "campaign_window_split.png"))

    cw.ask_item = lambda title, label, items: items[0]  # type: ignore[method-assign]
    qtbot.mouseClick(cw.merge_button, Qt.MouseButton.LeftButton)
    assert _names(cw) == ["NSPCC supporters"] and cw.members.rowCount() == 51

    _select_members(cw, range(0, 1))
    removed = cw.members.item(0, 0).text()
    cw.ask_yes = lambda question: True  # type: ignore[method-assign]
    qtbot.mouseClick(cw.remove_button, Qt.MouseButton.LeftButton)
    assert cw.members.rowCount() == 50
    assert removed not in [cw.members.item(r, 0).text() for r in range(50)]

    qtbot.mouseClick(cw.list_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: main.model.rowCount() == 50)
    cw.grab().save(str(screenshot_dir / "campaign_window.png"))


def test_exporting_letters_runs_with_progress_and_marks_members_dispatched(
    main: MainWindow, demo_db: Database, qtbot: QtBot, tmp_path: Path, screenshot_dir: Path
) -> None:
    cid = 1
    signed_off_campaign_reply(demo_db, cid)
    cw = _open(main, qtbot)
    assert "signed off" in cw.facts.text()
    assert cw.export_button.isEnabled()
    out = tmp_path / "letters"
    told: list[str] = []
    cw.ask_folder = lambda: str(out)  # type: ignore[method-assign]
    cw.tell = told.append  # type: ignore[method-assign]
    with qtbot.waitSignal(cw.exported, timeout=120_000) as blocker:
        qtbot.mouseClick(cw.export_button, Qt.MouseButton.LeftButton)
        assert cw.progress is not None and cw.progress.isVisible()
        cw.progress.grab().save(str(screenshot_dir / "campaign_export_progress.png"))
    result = blocker.args[0]
    assert result.total == 50 and result.dispatched == 50 and not result.cancelled
    assert len([p for p in out.glob("*.docx") if "combined" not in p.name]) == 50
    assert told and "50 letters written" in told[0]
    statuses = {cw.members.item(r, 4).text() for r in range(cw.members.rowCount())}
    assert statuses == {"Dispatched"}
    cw.grab().save(str(screenshot_dir / "campaign_window_exported.png"))


def test_the_campaign_reply_opens_in_the_draft_editor(
    main: MainWindow, qtbot: QtBot, screenshot_dir: Path
) -> None:
    cw = _open(main, qtbot)
    cw.list.selectRow(0)
    assert cw.draft_button.isEnabled()
    qtbot.mouseClick(cw.draft_button, Qt.MouseButton.LeftButton)
    editors = main.feature(DraftingFeature).draft_editors
    qtbot.waitUntil(lambda: len(editors) == 1)  # the reply is read in the background
    editor = next(iter(editors.values()))
    qtbot.waitUntil(lambda: "Dear" in editor.letter.preview.toPlainText(), timeout=5000)
    editor.grab().save(str(screenshot_dir / "campaign_reply_editor.png"))
    # Clicking again opens the same single reply, never a second draft.
    qtbot.mouseClick(cw.draft_button, Qt.MouseButton.LeftButton)
    assert len(editors) == 1
