"""The campaign window's Own words tab, used as a drafter and an officer would."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Campaign, Case
from correspondence.services.campaigns.campaign_export import CampaignExport
from correspondence.services.campaigns.campaign_own_words import CampaignOwnWords
from correspondence.services.campaigns.campaigns import Campaigns
from correspondence.services.demo.demo import SEED_REFERENCE
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.campaign_window import CampaignWindow
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.gui

STORY = (
    "My son Jamie has been on a child protection plan in Colnbrook since February. His "
    "social worker has changed four times. Who should I contact about the delay?"
)
OTHER = (
    "The children's centre in Gosford is closing at the end of May and there is nowhere else "
    "for us to go. My daughter Ruby relied on it."
)


def _plant(db: Database) -> tuple[str, str]:
    with db.session_factory.begin() as s:
        camp = s.scalar(select(Campaign).where(Campaign.organisation == "NSPCC"))
        assert camp is not None
        members = s.scalars(
            select(Case)
            .where(Case.campaign_id == camp.id, Case.reference != SEED_REFERENCE)
            .order_by(Case.reference)
        ).all()
        refs = []
        for case, story in ((members[5], STORY), (members[30], OTHER)):
            case.letter_text = case.letter_text.replace(
                "Please act now", f"{story}\n\nPlease act now"
            ).replace("I urge you to act now", f"{story}\n\nI urge you to act now")
            refs.append(case.reference)
        return refs[0], refs[1]


def _window(qtbot: QtBot, db: Database, username: str) -> CampaignWindow:
    sf = db.session_factory
    w = CampaignWindow(
        Campaigns(acting_as(sf, username), clock=lambda: DEMO_TODAY),
        CampaignExport(acting_as(sf, username), clock=lambda: DEMO_TODAY),
    )
    w.warn = lambda message: pytest.fail(message)  # type: ignore[method-assign]
    w.ask_yes = lambda _question: True  # type: ignore[method-assign]
    qtbot.addWidget(w)
    with qtbot.waitExposed(w):
        w.show()
    return w


def _flags(w: CampaignWindow) -> dict[str, str]:
    return {
        w.members.item(r, 0).text(): w.members.item(r, 6).text()
        for r in range(w.members.rowCount())
        if w.members.item(r, 6).text()
    }


def test_flagged_members_are_answered_with_a_paragraph_or_taken_out(
    qtbot: QtBot, demo_db: Database, screenshot_dir: Path
) -> None:
    jamie, ruby = _plant(demo_db)
    w = _window(qtbot, demo_db, "a.okoro")
    assert _flags(w) == {jamie: "✎ to answer", ruby: "✎ to answer"}
    assert w.tabs.tabText(w.tabs.indexOf(w.own_words)) == "&Own words (2)"
    w.grab().save(str(screenshot_dir / "campaign_window_members_flagged.png"))

    qtbot.keyClick(w, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    tab = w.own_words
    assert w.tabs.currentWidget() is tab
    assert "2 members added words of their own" in tab.intro.text()
    assert not tab.save_button.isEnabled()
    rect = tab.table.visualRect(tab.table.model().index(0, 0))
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tab.words.toPlainText() == STORY
    answer = "I have asked officials to look into Jamie's case with Colnbrook council."
    qtbot.keyClicks(tab.paragraph, answer)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert _flags(w)[jamie] == "✎ + paragraph"
    svc = CampaignOwnWords(acting_as(demo_db.session_factory, "a.okoro"))
    assert [f.addition for f in svc.flagged(w.current_id())] == [answer, ""]  # type: ignore[arg-type]
    assert tab.current() is not None and tab.current().reference == jamie  # type: ignore[union-attr]
    w.grab().save(str(screenshot_dir / "campaign_window_own_words.png"))

    assert tab.select_reference(ruby)
    qtbot.mouseClick(tab.take_out_button, Qt.MouseButton.LeftButton)
    assert ruby not in _flags(w) and w.members.rowCount() == 50
    assert w.tabs.tabText(w.tabs.indexOf(tab)) == "&Own words (1)"


def test_a_big_campaign_is_checked_when_asked(
    qtbot: QtBot, demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from correspondence.ui import campaign_own_words_tab

    monkeypatch.setattr(campaign_own_words_tab, "AUTO_CHECK_MEMBERS", 10)
    jamie, ruby = _plant(demo_db)
    w = _window(qtbot, demo_db, "a.okoro")
    tab = w.own_words
    assert _flags(w) == {}
    assert w.tabs.tabText(w.tabs.indexOf(tab)) == "&Own words (?)"
    w.tabs.setCurrentWidget(tab)
    assert tab.check_button.isVisible() and "51 letters: check them" in tab.intro.text()
    qtbot.mouseClick(tab.check_button, Qt.MouseButton.LeftButton)
    assert _flags(w) == {jamie: "✎ to answer", ruby: "✎ to answer"}
    assert not tab.check_button.isVisible()
    w.reload()  # after an action the campaign stays checked
    assert w.tabs.tabText(w.tabs.indexOf(tab)) == "&Own words (2)"
