"""The campaign's one reply in the draft editor: a drafter opens it from the campaigns
window and sees which campaign it answers, with the campaign's lines offered first."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from correspondence.database import Database
from correspondence.services.cases.history import timeline
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.campaign_actions import CampaignsFeature
from correspondence.ui.campaign_window import CampaignWindow
from correspondence.ui.draft_editor.lines_pane import VERSION_ROLE
from correspondence.ui.draft_editor.window import DraftEditor
from correspondence.ui.drafting_actions import DraftingFeature
from correspondence.ui.main_window import MainWindow
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.gui

NAME = "NSPCC — proposals after the death of Baby P"
THEMES = {"BABYP", "SMACK", "SCR"}
SEED = "2009/0007948POSoS"


@pytest.fixture
def main(qtbot: QtBot, demo_db: Database, settings: QSettings) -> MainWindow:
    desk = Desk(acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY)
    w = MainWindow(desk, settings, db_label="demo.db")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _open_reply(main: MainWindow, qtbot: QtBot) -> DraftEditor:
    main.activateWindow()
    qtbot.waitUntil(main.isActiveWindow)
    qtbot.keyClick(
        main, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    cw: CampaignWindow = main.feature(CampaignsFeature).campaign_window
    qtbot.waitExposed(cw)
    qtbot.mouseClick(cw.draft_button, Qt.MouseButton.LeftButton)
    editors = main.feature(DraftingFeature).draft_editors
    qtbot.waitUntil(lambda: len(editors) == 1)  # the reply is read in the background
    [editor] = editors.values()
    qtbot.addWidget(editor)
    qtbot.waitExposed(editor)
    return editor


def test_the_campaign_reply_names_its_campaign_and_offers_its_lines_first(
    main: MainWindow, demo_db: Database, qtbot: QtBot, screenshot_dir: Path
) -> None:
    editor = _open_reply(main, qtbot)

    title = editor.windowTitle()
    assert f"Campaign reply “{NAME}”" in title
    assert "51 letters" in title and "Drafting" in title
    assert NAME in editor.heading.text() and "51 letters" in editor.heading.text()

    groups = [
        editor.lines.tree.topLevelItem(i).text(0)
        for i in range(editor.lines.tree.topLevelItemCount())
    ]
    assert groups[0].startswith("For this campaign's themes (") and not groups[0].endswith("(0)")
    shown = editor.lines.offer_items()
    first_group = editor.lines.tree.topLevelItem(0).childCount()
    offers = [editor.lines.offers_by_version[item.data(0, VERSION_ROLE)] for item in shown]
    assert all(THEMES & set(o.themes) for o in offers[:first_group])
    assert not any(THEMES & set(o.themes) for o in offers[first_group:] if not o.generic)
    assert "most common first" in editor.lines.legend.text()
    # Each letter gets its own writer's salutation and close: not a field to fill in here.
    assert not editor.details.salutation.isEnabled() and not editor.details.close_edit.isEnabled()
    assert editor.details.salutation.placeholderText() == "Each letter's own (this one: Dear Tessa)"
    assert set(editor.lines.legend.text().split(": ")[1].split(", ")) == THEMES

    # The drafter takes the first line offered: Enter on it adds it to the reply.
    editor.lines.tree.setFocus()
    editor.lines.tree.setCurrentItem(shown[0])
    qtbot.keyClick(editor.lines.tree, Qt.Key.Key_Return)
    assert [p.line_key for p in editor.model.items] == [offers[0].key]
    # The preview fills the line in for a member (the campaign's canonical letter).
    opening = offers[0].body.split("{{")[0].strip()[:30]
    qtbot.waitUntil(lambda: opening in editor.letter.preview.toPlainText(), timeout=5000)
    editor.grab().save(str(screenshot_dir / "campaign_draft_editor.png"))

    # Saved (Ctrl+S), the edit shows in a member's history.
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    qtbot.keyClick(editor.paragraphs.list, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not editor.dirty
    with demo_db.session_factory() as s:
        seed = main.desk.find_reference(SEED)
        said = [e.description for e in timeline(s, seed)]
    assert f"Priya Mehta added '{offers[0].key}' to the draft" in said
    editor.close()
