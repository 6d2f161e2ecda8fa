"""My work's breach forecast: the at-risk cases named with why, and the holding reply drafted."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from correspondence.database import Database
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.drafting.forecast import BreachForecast
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.my_work import MyWorkPanel
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.gui


def test_my_work_names_the_cases_likely_to_miss_and_drafts_a_holding_reply(
    qtbot: QtBot, demo_db: Database, tmp_path: Path, screenshot_dir: Path
) -> None:
    panel = MyWorkPanel(
        Drafting(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    )
    panel.resize(900, 900)
    qtbot.addWidget(panel)
    with qtbot.waitExposed(panel):
        panel.show()
    panel.refresh()
    qtbot.waitUntil(lambda: not panel.loading)  # My work is read in the background
    expected = BreachForecast(
        acting_as(demo_db.session_factory, "a.okoro"), lambda: DEMO_TODAY
    ).mine()
    assert expected.at_risk, "the demo office has cases running late"
    tree = panel.at_risk
    assert tree.topLevelItemCount() == len(expected.at_risk)
    shown = {tree.topLevelItem(i).text(0): tree.topLevelItem(i).text(3) for i in range(3)}
    for r in expected.at_risk[:3]:
        assert shown[r.reference] == r.explanation
    assert f"({len(expected.at_risk)} of {expected.examined} open)" in panel.forecast_label.text()

    first = panel.forecast
    panel.refresh()  # the same day: the forecast is not worked out again
    qtbot.waitUntil(lambda: not panel.loading)
    assert panel.forecast is first
    qtbot.mouseClick(panel.forecast_now, Qt.MouseButton.LeftButton)
    # On demand it is, on a worker: the panel says so until it is done.
    assert panel.forecast_label.text() == "Working out the breach forecast…"
    assert not panel.forecast_now.isEnabled()
    panel.grab().save(str(screenshot_dir / "my_work_forecast_working.png"))
    qtbot.waitUntil(lambda: not panel.loading)
    assert panel.forecast is not first and panel.forecast_now.isEnabled()

    assert not panel.holding_button.isEnabled()
    target = tmp_path / "holding.docx"
    panel.ask_save_path = lambda _name: str(target)
    rect = tree.visualItemRect(tree.topLevelItem(0))
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.holding_button.isEnabled()
    qtbot.mouseClick(panel.holding_button, Qt.MouseButton.LeftButton)
    text = "\n".join(p.text for p in docx.Document(str(target)).paragraphs)
    assert "a full reply will be sent to you as soon as possible" in text
    assert tree.topLevelItem(0).text(0) in text
    assert "written to" in panel.forecast_note.text()
    panel.grab().save(str(screenshot_dir / "my_work_forecast.png"))
