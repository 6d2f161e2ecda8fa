"""Go → My work (Ctrl+M): what waits for each person, and where double-clicking takes them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Case, Signatory, Team
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.draft_editor.window import DraftEditor
from correspondence.ui.drafting_actions import DraftingFeature
from correspondence.ui.main_window import MainWindow
from correspondence.ui.my_work import MyWorkPanel
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.gui


def _window(qtbot: QtBot, db: Database, user: str, settings: QSettings) -> MainWindow:
    window = MainWindow(
        Desk(acting_as(db.session_factory, user), clock=lambda: DEMO_TODAY), settings
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def _draft_in_qa(db: Database) -> tuple[int, int, str]:
    desk = Desk(acting_as(db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    with db.session_factory() as s:
        sos = s.scalar(select(Signatory.id).where(Signatory.key == "sos"))
    ref = desk.log_case(
        NewCase(
            received_on=DEMO_TODAY - dt.timedelta(days=35),
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.PUBLIC, title="Mr", first_name="Idris", last_name="Penhallow"
            ),
            theme_codes=["SCR"],
            signatory_id=sos,
        )
    )
    case_id = desk.find_reference(ref)
    desk.move(case_id, CaseStatus.TRIAGED)
    with db.session_factory.begin() as s:
        case = s.get(Case, case_id)
        assert case is not None
        case.team_id = s.scalar(select(Team.id).where(Team.code == "SPU"))
    drafting = Drafting(acting_as(db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY)
    draft = drafting.create(case_id, ["babyp-tragedy"])
    drafting.submit(draft.id)
    return case_id, draft.id, ref


def _rows(panel: MyWorkPanel, tree_name: str) -> list[list[str]]:
    tree = getattr(panel, tree_name)
    return [
        [tree.topLevelItem(i).text(c) for c in range(tree.columnCount())]
        for i in range(tree.topLevelItemCount())
    ]


def test_a_policy_lead_sees_drafts_waiting_for_qa_and_opens_one(
    qtbot: QtBot, demo_db: Database, settings: QSettings, screenshot_dir: Path
) -> None:
    _case_id, draft_id, ref = _draft_in_qa(demo_db)
    window = _window(qtbot, demo_db, "policy.lead.safeguarding", settings)
    qtbot.keyClick(window.table, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    panel: MyWorkPanel = window.feature(DraftingFeature).my_work
    assert window.feature(DraftingFeature).my_work_dock.isVisible()
    qtbot.waitUntil(lambda: not panel.loading)  # read in the background
    rows = _rows(panel, "drafts")
    mine = next(r for r in rows if r[0] == ref)
    assert mine[1] == "Waiting for QA" and mine[3] == "Mr Idris Penhallow"
    assert mine[2].endswith(" overdue")
    assert panel.drafts_label.text().startswith("<b>Drafts waiting for me</b>")
    window.grab().save(str(screenshot_dir / "my_work.png"))

    item = next(
        panel.drafts.topLevelItem(i)
        for i in range(panel.drafts.topLevelItemCount())
        if panel.drafts.topLevelItem(i).text(0) == ref
    )
    rect = panel.drafts.visualItemRect(item)
    qtbot.mouseClick(panel.drafts.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.drafts.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editors = window.feature(DraftingFeature).draft_editors
    qtbot.waitUntil(lambda: draft_id in editors)  # the draft is read in the background
    editor: DraftEditor = editors[draft_id]
    qtbot.addWidget(editor)
    assert editor.isVisible() and editor.approval.approve_button.isEnabled()


def test_a_drafter_sees_returned_drafts_and_own_cases_due_and_can_jump_to_a_case(
    qtbot: QtBot, demo_db: Database, settings: QSettings
) -> None:
    case_id, draft_id, ref = _draft_in_qa(demo_db)
    Drafting(acting_as(demo_db.session_factory, "policy.lead.safeguarding")).return_draft(
        draft_id, "Cite the panel report"
    )
    window = _window(qtbot, demo_db, "p.mehta", settings)
    qtbot.keyClick(window.table, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    panel: MyWorkPanel = window.feature(DraftingFeature).my_work
    qtbot.waitUntil(lambda: not panel.loading)  # read in the background
    assert [ref, "Returned: Cite the panel report"] in [r[:2] for r in _rows(panel, "drafts")]
    cases = _rows(panel, "cases")
    assert [ref, "Returned"] in [r[:2] for r in cases]
    assert not panel.everything.isVisible()  # only policy leads choose every team's QA

    window.quick_filter(status="closed")  # the case is not in the list...
    row = [r[0] for r in cases].index(ref)
    item = panel.cases.topLevelItem(row)
    panel.cases.setCurrentItem(item)
    panel.cases.setFocus()
    qtbot.keyClick(panel.cases, Qt.Key.Key_Return)
    assert window.current_case_id() == case_id  # ...so the filter is cleared to show it


def test_a_private_secretary_and_an_officer_see_their_queues(
    qtbot: QtBot, demo_db: Database, settings: QSettings
) -> None:
    case_id, draft_id, ref = _draft_in_qa(demo_db)
    Drafting(acting_as(demo_db.session_factory, "policy.lead.safeguarding")).approve(draft_id)
    ps = MyWorkPanel(
        Drafting(acting_as(demo_db.session_factory, "ps.sos"), clock=lambda: DEMO_TODAY)
    )
    qtbot.addWidget(ps)
    ps.refresh()
    qtbot.waitUntil(lambda: not ps.loading)
    assert [ref, "Waiting for sign-off"] in [r[:2] for r in _rows(ps, "drafts")]
    Drafting(acting_as(demo_db.session_factory, "ps.sos"), clock=lambda: DEMO_TODAY).sign_off(
        draft_id, "digital"
    )
    officer = MyWorkPanel(
        Drafting(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    )
    qtbot.addWidget(officer)
    officer.show()
    officer.refresh()
    qtbot.waitUntil(lambda: not officer.loading)
    assert ref in [r[0] for r in _rows(officer, "dispatch")]
    assert officer.dispatch.isVisible()
