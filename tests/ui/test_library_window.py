"""The standard-line library window, driven as a policy lead and a drafter would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolBar
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Draft, DraftParagraph, User
from correspondence.services.cases.cases import case_by_reference
from correspondence.services.desk import Desk
from correspondence.services.lines.library import Library
from correspondence.services.lines.line_views import approved_version
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.library_window import LibraryWindow
from correspondence.ui.main_window import MainWindow

pytestmark = pytest.mark.gui

TODAY = dt.date(2026, 11, 23)
SEED = "2009/0007948POSoS"


def _window(qtbot: QtBot, db: Database, username: str) -> tuple[LibraryWindow, list[str]]:
    w = LibraryWindow(Library(acting_as(db.session_factory, username), clock=lambda: TODAY))
    errors: list[str] = []
    w.show_error = errors.append
    qtbot.addWidget(w)
    with qtbot.waitExposed(w):
        w.show()
    return w, errors


def _click(qtbot: QtBot, w: LibraryWindow, action: QAction) -> None:
    bar = w.findChild(QToolBar, "lineToolbar")
    assert bar is not None
    button = bar.widgetForAction(action)
    assert button.isEnabled(), f"{action.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _status_of(w: LibraryWindow, number: int) -> tuple[str, str]:
    for row in range(w.versions.rowCount()):
        if w.versions.item(row, 0).text() == f"v{number}":
            return w.versions.item(row, 1).text(), w.versions.item(row, 5).text()
    raise AssertionError(f"no v{number} in the versions table")


def test_a_policy_lead_writes_previews_submits_and_approves_a_line(
    qtbot: QtBot, demo_db: Database, screenshot_dir: Path
) -> None:
    w, errors = _window(qtbot, demo_db, "policy.lead.safeguarding")
    assert not w.banner.isHidden() and "past their review-by date" in w.banner.text()

    _click(qtbot, w, w.new_line_action)
    editor = w.editor
    assert w.tabs.currentWidget() is editor and editor.key.isVisible()
    qtbot.keyClicks(editor.key, "scr-thanks-for-forwarding")
    qtbot.keyClicks(editor.title, "Thanks for forwarding letters about Serious Case Reviews")
    qtbot.keyClicks(editor.themes, "SCR, LSCB")
    qtbot.keyClicks(
        editor.editor,
        "Thank you for your letter of {{ case.received_on|longdate }}{% if constituents %} "
        "enclosing letters from {{ constituents|length }} of your constituents{% endif %} "
        "about Serious Case Reviews.",
    )
    qtbot.keyClicks(editor.case_search, SEED)
    qtbot.keyClick(editor.case_search, Qt.Key.Key_Return)
    expected = (
        "Thank you for your letter of 20 January 2009 enclosing letters from 3 of your "
        "constituents about Serious Case Reviews."
    )
    qtbot.waitUntil(lambda: editor.rendered.toPlainText().strip() == expected)
    assert SEED in editor.case_label.text() and "Tessa Jowell" in editor.case_label.text()
    assert editor.problems.count() == 0
    w.grab().save(str(screenshot_dir / "library_editor_preview.png"))

    _click(qtbot, w, w.submit_action)  # saves the new line as a draft, then submits it
    assert errors == []
    assert w.current is not None and w.current.key == "scr-thanks-for-forwarding"
    assert _status_of(w, 1)[0] == "submitted"
    assert w.approve_action.isEnabled()

    _click(qtbot, w, w.approve_action)
    assert errors == []
    assert _status_of(w, 1) == ("approved", "Helen Forsyth")
    assert "Version 1 approved" in w.statusBar().currentMessage()
    tree_titles = [
        w.tree.topLevelItem(i).child(j).text(0)
        for i in range(w.tree.topLevelItemCount())
        for j in range(w.tree.topLevelItem(i).childCount())
    ]
    assert "Thanks for forwarding letters about Serious Case Reviews" in tree_titles


def test_a_drafter_can_propose_but_not_approve(qtbot: QtBot, demo_db: Database) -> None:
    w, errors = _window(qtbot, demo_db, "p.mehta")
    assert w.new_line_action.isEnabled()
    _click(qtbot, w, w.new_line_action)
    qtbot.keyClicks(w.editor.key, "drafter-line")
    qtbot.keyClicks(w.editor.title, "A drafter's proposal")
    qtbot.keyClicks(w.editor.themes, "SCR")
    qtbot.keyClicks(w.editor.editor, "Dear {{ correspondent.salutation_name }}")
    _click(qtbot, w, w.submit_action)
    assert errors == [] and _status_of(w, 1)[0] == "submitted"
    for action in (w.approve_action, w.reject_action, w.retire_action):
        assert not action.isEnabled()
        assert "only a policy lead" in action.toolTip()
    # Whatever the buttons show, the service refuses.
    w.approve_action.setEnabled(True)
    w.approve_action.trigger()
    assert errors and "policy lead" in errors[-1]
    assert _status_of(w, 1)[0] == "submitted"


def _open_draft_using(db: Database, key: str) -> int:
    with db.session_factory.begin() as s:
        version = approved_version(s, key)
        drafter = s.scalar(select(User.id).where(User.username == "p.mehta"))
        draft = Draft(
            case_id=case_by_reference(s, SEED).id, status="drafting", created_by_id=drafter
        )
        draft.paragraphs.append(
            DraftParagraph(position=0, kind="line", line_version_id=version.id, text=version.body)
        )
        s.add(draft)
        s.flush()
        return draft.id


def test_a_revision_shows_its_diff_and_flags_the_open_draft(
    qtbot: QtBot, demo_db: Database, screenshot_dir: Path
) -> None:
    draft_id = _open_draft_using(demo_db, "babyp-tragedy")
    w, errors = _window(qtbot, demo_db, "policy.lead.safeguarding")
    assert w.select_line("babyp-tragedy")
    assert w.drift.isHidden()

    _click(qtbot, w, w.new_version_action)
    assert w.tabs.currentWidget() is w.editor and not w.editor.editor.isReadOnly()
    body = w.editor.editor
    body.selectAll()
    qtbot.keyClicks(
        body,
        "The death of Baby Peter is a tragedy that has shocked the nation. We have all asked "
        "ourselves how this could happen, and why nobody stepped in to prevent it.",
    )
    _click(qtbot, w, w.submit_action)
    _click(qtbot, w, w.approve_action)
    assert errors == []
    assert _status_of(w, 2) == ("approved", "Helen Forsyth")
    assert _status_of(w, 1)[0] == "retired"

    w.tabs.setCurrentIndex(0)
    w.compare(1, 2)
    html = w.diff.toHtml()
    assert "line-through" in html  # deletions struck through
    deleted = "".join(s.text for s in w.diff.segments if s.kind == "delete")
    inserted = "".join(s.text for s in w.diff.segments if s.kind == "insert")
    assert "P" in deleted and "Peter" in inserted and "moved" in deleted

    assert not w.drift.isHidden() and w.drift.rowCount() == 1
    assert w.drift.item(0, 0).text() == SEED
    assert (w.drift.item(0, 4).text(), w.drift.item(0, 5).text()) == ("v1", "v2")
    w.drift.selectRow(0)
    w.compare(1, 2)
    w.grab().save(str(screenshot_dir / "library_window_diff.png"))
    qtbot.mouseClick(w.update_button, Qt.MouseButton.LeftButton)
    assert errors == []
    assert w.library.drift(draft_id) == []
    assert w.drift.isHidden()


def test_the_editor_shows_problems_inline_and_refuses_to_submit(
    qtbot: QtBot, demo_db: Database, screenshot_dir: Path
) -> None:
    w, errors = _window(qtbot, demo_db, "policy.lead.family")
    assert w.select_line("smacking-no-ban")
    _click(qtbot, w, w.new_version_action)
    body = w.editor.editor
    body.moveCursor(body.textCursor().MoveOperation.End)
    qtbot.keyClick(body, Qt.Key.Key_Return)
    qtbot.keyClicks(body, "Yours, {{ correspondent.nmae }} {{ ''.__class__ }}")
    qtbot.waitUntil(lambda: w.editor.problems.count() == 2)
    texts = [w.editor.problems.item(i).text() for i in range(2)]
    assert any("correspondent.nmae" in t and "line 2" in t for t in texts)
    assert any("Not allowed" in t and "__class__" in t for t in texts)
    assert w.editor.problem_lines() == [2]
    assert "cannot be submitted" in w.editor.status.text()
    w.grab().save(str(screenshot_dir / "library_editor_problem.png"))
    w.editor.grab().save(str(screenshot_dir / "line_editor_problem.png"))

    _click(qtbot, w, w.submit_action)
    assert errors and "correspondent.nmae" in errors[-1]
    assert _status_of(w, 2)[0] == "draft"

    # Saving kept the undo history: undo takes the typing back out, and the problems go.
    for _ in range(100):
        if "nmae" not in body.toPlainText():
            break
        body.undo()
    assert "nmae" not in body.toPlainText()
    qtbot.waitUntil(lambda: w.editor.problems.count() == 0)


def test_review_banner_filters_to_overdue_lines(qtbot: QtBot, demo_db: Database) -> None:
    lead = Library(acting_as(demo_db.session_factory, "policy.lead.family"), clock=lambda: TODAY)
    overdue = {s.key for s in lead.overdue()}
    assert "campaign-smacking-disagree" in overdue  # the demo leaves a few lines overdue
    reviewed = lead.detail("campaign-smacking-disagree").id
    lead.set_review_by(reviewed, TODAY + dt.timedelta(days=30))
    w, _ = _window(qtbot, demo_db, "policy.lead.family")
    left = len(overdue) - 1
    assert left < len(w.summaries)
    assert f"{left} lines are past their review-by date" in w.banner.text()
    assert f"{left} past review-by" in w.counts.text()
    w.banner.linkActivated.emit("review")
    assert w.review_filter.isChecked()
    assert {s.key for s in w.summaries} == overdue - {"campaign-smacking-disagree"}


def test_tools_menu_opens_the_library(qtbot: QtBot, demo_desk: Desk, settings: QSettings) -> None:
    main = MainWindow(demo_desk, settings)
    qtbot.addWidget(main)
    main.show()
    main.activateWindow()
    qtbot.waitUntil(main.isActiveWindow)  # shortcuts reach the active window only
    titles = [a.text() for a in main.tools_menu.actions()]
    assert "&Standard lines…" in titles
    qtbot.keyClick(
        main,
        Qt.Key.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    library = main.findChild(LibraryWindow)
    assert library is not None and library.isVisible()
    # An officer sees the library but cannot write or approve lines.
    assert not library.new_line_action.isEnabled()
    assert not library.approve_action.isEnabled()
    library.close()


def test_where_it_went_lists_the_seed_reply_and_the_old_words_after_a_revision(
    qtbot: QtBot, demo_db: Database, screenshot_dir: Path
) -> None:
    draft_id = _open_draft_using(demo_db, "babyp-tragedy")
    w, errors = _window(qtbot, demo_db, "policy.lead.safeguarding")
    assert w.select_line("babyp-tragedy")
    qtbot.keyClick(w, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    assert w.tabs.currentWidget() is w.usage
    rows = {
        tuple(w.usage.table.item(r, c).text() for c in range(4))
        for r in range(w.usage.table.rowCount())
    }
    assert (SEED, "v1", "sent", "04 Feb 2009") in rows
    assert any(r[0] == SEED and r[2] == "drafting" for r in rows)  # the open draft
    assert "0 open drafts and 0 sent letters carry the old words" in w.usage.summary.text()

    _click(qtbot, w, w.new_version_action)
    w.editor.editor.selectAll()
    qtbot.keyClicks(w.editor.editor, "The death of Baby Peter is a tragedy.")
    _click(qtbot, w, w.submit_action)
    _click(qtbot, w, w.approve_action)
    assert errors == []
    assert "1 open draft(s) and 1 sent letter(s) carry the old words" in (
        w.statusBar().currentMessage()
    )
    w.tabs.setCurrentWidget(w.usage)
    assert "1 open draft and 1 sent letter carry the old words" in w.usage.summary.text()
    qtbot.mouseClick(w.usage.old_only, Qt.MouseButton.LeftButton)
    listed = {
        (w.usage.table.item(r, 0).text(), w.usage.table.item(r, 2).text())
        for r in range(w.usage.table.rowCount())
    }
    assert listed == {(SEED, "sent"), (SEED, "drafting")}
    assert w.usage.count.text() == "2 old-words letters"
    assert draft_id in {u.draft_id for u in w.usage.shown}
    w.grab().save(str(screenshot_dir / "library_window_where_it_went.png"))
