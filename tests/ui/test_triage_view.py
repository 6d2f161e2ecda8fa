"""Triage on the demo data through the window, with the keyboard alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from correspondence.domain.states import CaseStatus
from correspondence.services.cases.deadlines import Deadlines
from correspondence.services.desk import Desk
from correspondence.services.triage.triage import Triage
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.main_window import MainWindow
from correspondence.ui.triage_actions import TriageFeature
from correspondence.ui.triage_view import TriageWindow

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def window(qtbot: QtBot, demo_desk: Desk, settings: QSettings) -> MainWindow:
    w = MainWindow(demo_desk, settings, db_label="demo.db")
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w


def _triage(desk: Desk) -> Triage:
    return Triage(desk.uow, desk.clock)


def key(qtbot: QtBot, k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """Press a key where the keyboard focus is, as a person would."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, k, mod)


def type_text(qtbot: QtBot, text: str) -> None:
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClicks(target, text)


def open_triage(qtbot: QtBot, window: MainWindow) -> TriageWindow:
    qtbot.keyClick(window, Qt.Key.Key_T, CTRL)
    tw: TriageWindow = window.feature(TriageFeature).triage_window
    qtbot.addWidget(tw)
    qtbot.waitUntil(tw.isActiveWindow)
    return tw


def when_modal(qtbot: QtBot, act: Callable[[QWidget], None]) -> None:
    """Run `act` on the next modal dialog once it is up (dialogs block in exec())."""

    def poll() -> None:
        dlg = QApplication.activeModalWidget()
        if dlg is None or not dlg.isActiveWindow() or QApplication.focusWidget() is None:
            QTimer.singleShot(20, poll)
            return
        act(dlg)
        # Never hang the run: a dialog still open after its keys is closed (and the test fails).
        QTimer.singleShot(3000, dlg, dlg.reject)  # type: ignore[attr-defined]

    QTimer.singleShot(0, poll)


# Teams typed into the team box, by the first letters of their names.
TEAM_KEYS = ("Saf", "Fam", "Soc", "Chi", "Saf", "Fam", "Soc", "Chi", "Saf", "Fam")
TEAM_NAMES = {
    "Saf": "Safeguarding Policy Unit",
    "Fam": "Family Law and Care Team",
    "Soc": "Social Work Reform Team",
    "Chi": "Children's Health and Inspection Team",
}


def test_a_new_user_triages_ten_letters_with_the_keyboard_alone(
    qtbot: QtBot, window: MainWindow, demo_desk: Desk, screenshot_dir: Path
) -> None:
    tw = open_triage(qtbot, window)
    queue = list(tw.queue)
    assert len(queue) >= 10
    assert tw.position.text().startswith(f"Case 1 of {len(queue)}")
    tw.grab().save(str(screenshot_dir / "triage_window.png"))

    chosen: dict[int, tuple[list[str], str, int, str]] = {}
    for i in range(10):
        case = tw.current
        assert case is not None and case.id == queue[i]
        assert tw.position.text().startswith(f"Case {i + 1} of {len(queue)}")
        # The themes list has the focus; the suggestions come first, by their plain names
        # with the words of the letter that led to them.
        assert tw.themes.hasFocus()
        if case.suggestions:
            top, first = tw.themes.item(0).text(), case.suggestions[0]
            assert top.startswith(f"{first.name} ({first.code}) — ")
            assert f"“{first.because[0]}”" in top and "0." not in top
        # Make sure the first theme is ticked; on every other letter tick the second too.
        if tw.themes.item(0).checkState() != Qt.CheckState.Checked:
            key(qtbot, Qt.Key.Key_Space)
        if i % 2:
            key(qtbot, Qt.Key.Key_Down)
            if tw.themes.item(1).checkState() != Qt.CheckState.Checked:
                key(qtbot, Qt.Key.Key_Space)
        themes = tw.checked_themes()
        assert themes
        # Alt+E jumps to the team; typing picks it, and its default drafter follows.
        key(qtbot, Qt.Key.Key_E, ALT)
        assert tw.team.hasFocus()
        # A person pauses between letters: the combo's type-ahead starts afresh.
        qtbot.wait(QApplication.keyboardInputInterval() + 50)
        type_text(qtbot, TEAM_KEYS[i])
        assert tw.team.currentText() == TEAM_NAMES[TEAM_KEYS[i]]
        assert tw.drafter.currentData() is not None, "choosing a team proposes its drafter"
        # Alt+P: priority; every third letter is urgent.
        key(qtbot, Qt.Key.Key_P, ALT)
        assert tw.priority.hasFocus()
        if i % 3 == 0:
            qtbot.wait(QApplication.keyboardInputInterval() + 50)
            type_text(qtbot, "u")
        chosen[case.id] = (
            themes,
            tw.team.currentText(),
            tw.drafter.currentData(),
            tw.priority.currentData(),
        )
        if i == 0:
            tw.grab().save(str(screenshot_dir / "triage_window_filled.png"))
        key(qtbot, Qt.Key.Key_Return, CTRL)
        assert not tw.problem.text(), tw.problem.text()

    assert tw.position.text().startswith(f"Case 11 of {len(queue)}")
    triage = _triage(demo_desk)
    for case_id, (themes, team, drafter, priority) in chosen.items():
        c = triage.load(case_id)
        assert c.status is CaseStatus.TRIAGED
        assert sorted(c.themes) == sorted(themes)
        assert demo_desk.detail(case_id).team == team
        assert (c.drafter_id, c.priority) == (drafter, priority)
    assert len(triage.queue()) == len(queue) - 10

    # Ctrl+Left goes back to a triaged case and shows what was chosen.
    key(qtbot, Qt.Key.Key_Left, CTRL)
    assert tw.current is not None and tw.current.id == queue[9]
    assert "already triaged" in tw.position.text()
    assert sorted(tw.checked_themes()) == sorted(chosen[queue[9]][0])
    # Ctrl+Right skips without saving.
    key(qtbot, Qt.Key.Key_Right, CTRL)
    key(qtbot, Qt.Key.Key_Right, CTRL)
    assert tw.current is not None and tw.current.id == queue[11]
    assert triage.load(queue[10]).status is CaseStatus.LOGGED


def test_no_reply_and_transfer_ask_why_by_keyboard(
    qtbot: QtBot, window: MainWindow, demo_desk: Desk, screenshot_dir: Path
) -> None:
    tw = open_triage(qtbot, window)
    first, second = tw.queue[0], tw.queue[1]

    def fill_no_reply(dlg: QWidget) -> None:
        # A reason from the list (the second: copied for information), then notes.
        key(qtbot, Qt.Key.Key_Down)
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "Copy of a letter to the Home Secretary")
        dlg.grab().save(str(screenshot_dir / "triage_no_reply_dialog.png"))
        key(qtbot, Qt.Key.Key_Return)

    when_modal(qtbot, fill_no_reply)
    key(qtbot, Qt.Key.Key_N, ALT)
    qtbot.waitUntil(lambda: tw.current is not None and tw.current.id == second)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)

    def fill_transfer(dlg: QWidget) -> None:
        type_text(qtbot, "Home Office")
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "Policing is a Home Office matter")
        dlg.grab().save(str(screenshot_dir / "triage_transfer_dialog.png"))
        key(qtbot, Qt.Key.Key_Return)

    when_modal(qtbot, fill_transfer)
    key(qtbot, Qt.Key.Key_F, ALT)
    qtbot.waitUntil(lambda: tw.current is not None and tw.current.id == tw.queue[2])
    a, b = demo_desk.detail(first), demo_desk.detail(second)
    assert a.status is CaseStatus.NO_REPLY
    from sqlalchemy import select

    from correspondence.db.models import Event

    with demo_desk.uow.session_factory() as s:
        reasons = set(s.scalars(select(Event.reason).where(Event.case_id == first)))
    assert "Copied to us for information only: Copy of a letter to the Home Secretary" in reasons
    assert b.status is CaseStatus.TRANSFERRED and b.transfer_to == "Home Office"


def test_a_stop_listed_writer_is_flagged_and_proposed_an_acknowledgement(
    qtbot: QtBot, window: MainWindow, demo_desk: Desk, screenshot_dir: Path
) -> None:
    from sqlalchemy import select

    from correspondence.db.models import Correspondent
    from correspondence.services.cases.cases import NewCase

    with demo_desk.uow.session_factory() as s:
        stop_id = s.scalar(select(Correspondent.id).where(Correspondent.on_stop_list.is_(True)))
    demo_desk.log_case(
        NewCase(
            received_on=dt.date(2026, 9, 1),  # older than the rest: first in the queue
            correspondent_id=stop_id,
            letter_text="Once more about the Haringey case and Baby Peter.",
        )
    )
    tw = open_triage(qtbot, window)
    assert tw.stop_banner.isVisible()
    assert "stop list" in tw.stop_banner.text()
    assert tw.reply_type.currentData() == "acknowledgement"
    tw.grab().save(str(screenshot_dir / "triage_stop_list.png"))


def test_bulk_triage_sets_team_and_drafter_on_a_selection(
    qtbot: QtBot, window: MainWindow, demo_desk: Desk, screenshot_dir: Path
) -> None:
    window.quick_filter(status="logged")
    qtbot.waitUntil(lambda: not window.loading)  # the list and details read in the background
    qtbot.waitUntil(lambda: window.model.rowCount() > 3)
    key(qtbot, Qt.Key.Key_L, CTRL)
    key(qtbot, Qt.Key.Key_Down)
    for _ in range(2):
        key(qtbot, Qt.Key.Key_Down, SHIFT)
    ids = [window.model.row_at(i.row()).id for i in window.table.selectionModel().selectedRows()]
    assert len(ids) == 3

    def fill(dlg: QWidget) -> None:
        key(qtbot, Qt.Key.Key_E, ALT)
        type_text(qtbot, "Fam")
        dlg.grab().save(str(screenshot_dir / "bulk_triage_dialog.png"))
        key(qtbot, Qt.Key.Key_Return)

    when_modal(qtbot, fill)
    key(qtbot, Qt.Key.Key_T, CTRL | SHIFT)
    assert "Changed 3 cases" in window.statusBar().currentMessage()
    triage = _triage(demo_desk)
    drafters = {triage.load(i).drafter_id for i in ids}
    assert {demo_desk.detail(i).team for i in ids} == {"Family Law and Care Team"}
    assert len(drafters) == 1 and None not in drafters


def test_deadline_box_extends_and_records_a_holding_reply(
    qtbot: QtBot, window: MainWindow, demo_desk: Desk, screenshot_dir: Path
) -> None:
    window.quick_filter(status="drafting")
    qtbot.waitUntil(lambda: not window.loading)  # the list and details read in the background
    qtbot.waitUntil(lambda: window.model.rowCount() > 0)
    key(qtbot, Qt.Key.Key_L, CTRL)
    key(qtbot, Qt.Key.Key_Down)
    case_id = window.current_case_id()
    assert case_id is not None, window.table.selectionModel().selectedRows()
    box = window.feature(TriageFeature).deadline_box
    key(qtbot, Qt.Key.Key_N, ALT)  # the Deadlines tab of the details
    qtbot.waitUntil(lambda: not window.loading)
    assert box.isVisible() and "With private office" in box.text.toPlainText()
    before = Deadlines(demo_desk.uow, demo_desk.clock).view(case_id)

    def fill(dlg: QWidget) -> None:
        type_text(qtbot, "Awaiting advice from the Home Office")
        dlg.grab().save(str(screenshot_dir / "extend_deadline_dialog.png"))
        key(qtbot, Qt.Key.Key_Return)

    when_modal(qtbot, fill)
    key(qtbot, Qt.Key.Key_E, CTRL | SHIFT)
    after = Deadlines(demo_desk.uow, demo_desk.clock).view(case_id)
    assert after.extensions and after.extensions[-1].reason.startswith("Awaiting advice")
    assert before.due_on is not None and after.due_on is not None and after.due_on > before.due_on
    window.select_case(case_id)
    qtbot.waitUntil(lambda: "Extended" in box.text.toPlainText())
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)

    key(qtbot, Qt.Key.Key_H, CTRL | SHIFT)
    assert (
        Deadlines(demo_desk.uow, demo_desk.clock).view(case_id).holding_reply_on
        == demo_desk.clock()
    )
    window.grab().save(str(screenshot_dir / "main_window_deadline_box.png"))


def test_triage_proposes_a_subject_phrase_that_the_reply_opens_with(
    qtbot: QtBot, window: MainWindow, demo_desk: Desk
) -> None:
    from sqlalchemy import select

    from correspondence.db.models import Signatory
    from correspondence.domain.salutations import CorrespondentKind
    from correspondence.services.cases.cases import NewCase, NewCorrespondent
    from correspondence.services.drafting.drafting import Drafting

    with demo_desk.uow.session_factory() as s:
        sos = s.scalar(select(Signatory.id).where(Signatory.key == "sos"))
    ref = demo_desk.log_case(
        NewCase(
            received_on=dt.date(2000, 1, 4),  # the oldest: first in the queue
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.MP, first_name="Ivo", last_name="Penhale", post_nominals="MP"
            ),
            summary="Shortage of health visitors",
            theme_codes=["HEALTH"],
            signatory_id=sos,
        )
    )
    case_id = demo_desk.find_reference(ref)
    tw = open_triage(qtbot, window)
    assert tw.current is not None and tw.current.id == case_id
    # Proposed in sentence case from the summary; Alt+B reaches it to change it.
    assert tw.subject_phrase.text() == "the shortage of health visitors"
    key(qtbot, Qt.Key.Key_B, ALT)
    assert tw.subject_phrase.hasFocus()
    tw.subject_phrase.selectAll()
    type_text(qtbot, "the shortage of health visitors in Cornwall")
    key(qtbot, Qt.Key.Key_E, ALT)
    qtbot.wait(QApplication.keyboardInputInterval() + 50)
    type_text(qtbot, "Chi")
    key(qtbot, Qt.Key.Key_Return, CTRL)
    assert not tw.problem.text(), tw.problem.text()

    drafting = Drafting(acting_as(demo_desk.uow.session_factory, "p.mehta"), clock=demo_desk.clock)
    draft = drafting.create(case_id, ["opening-thank-you-for-letter"])
    assert draft.paragraphs[0].wording.startswith(
        "Thank you for your letter about the shortage of health visitors in Cornwall, which"
    )


def test_campaign_themes_show_as_such_and_the_ticks_follow_the_letter(
    qtbot: QtBot, window: MainWindow, demo_desk: Desk, screenshot_dir: Path
) -> None:
    tw = open_triage(qtbot, window)
    # An NSPCC campaign letter that says nothing of smacking.
    for _ in range(len(tw.queue)):
        c = tw.current
        assert c is not None
        if c.campaign and "SMACK" not in {s.code for s in c.suggestions}:
            break
        key(qtbot, Qt.Key.Key_Right, CTRL)
    else:
        pytest.fail("no campaign letter without smacking in the demo queue")
    rows = {
        tw.themes.item(i).data(Qt.ItemDataRole.UserRole): tw.themes.item(i)
        for i in range(tw.themes.count())
    }
    # Every strongly suggested theme is ticked, with the words that led to it.
    for s in c.suggestions:
        if s.score >= 0.8:
            assert rows[s.code].checkState() == Qt.CheckState.Checked, s.code
            assert rows[s.code].text().startswith(f"{s.name} ({s.code}) — Strongly suggested by")
    # The campaign's smacking theme is shown as the campaign's, unticked.
    smack = rows["SMACK"]
    assert smack.checkState() == Qt.CheckState.Unchecked
    assert "a theme of the campaign, not this letter's words" in smack.text()
    tw.resize(1366, 708)
    tw.grab().save(str(screenshot_dir / "triage_campaign_themes.png"))
