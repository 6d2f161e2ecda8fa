"""The draft editor, driven like a person: a drafter, a policy lead and a private secretary
take a case from triage to a signed-off Word letter."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Case, Draft, LineVersion, StandardLine
from correspondence.documents.word import letter_paragraph_texts
from correspondence.domain.states import CaseStatus, DraftStatus
from correspondence.services.cases.cases import NewCase
from correspondence.services.desk import Desk
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.draft_editor.window import DraftEditor
from correspondence.ui.drafting_actions import DraftingFeature
from correspondence.ui.main_window import MainWindow
from correspondence.ui.widgets.paragraph_list import LINE_MIME, PARAGRAPH_MIME
from tests.conftest import DEMO_TODAY
from tests.factories import mp, triaged_case
from tests.ui.prompts import ScriptedPrompts, open_editor

pytestmark = pytest.mark.gui

HOSTILE = "Noted\x00\x07\x1b: {{ '' .__class__ }} & <i>\"fine\"</i>"


def _triaged_case(db: Database, last_name: str = "Arkwright") -> int:
    return triaged_case(
        db,
        "a.okoro",
        today=DEMO_TODAY,
        correspondent=mp("Gwen", last_name),
        summary="Serious case reviews",
        theme_codes=("SCR", "LAMING"),
        signatory_key="sos",
        team_code="SPU",
    )


def _editor(qtbot: QtBot, db: Database, user: str, draft_id: int, **kw: object) -> DraftEditor:
    return open_editor(qtbot, db, user, draft_id, today=DEMO_TODAY, **kw)


def _offer(editor: DraftEditor, key: str) -> QTreeWidgetItem:
    for item in editor.lines.offer_items():
        version = item.data(0, Qt.ItemDataRole.UserRole + 1)
        if editor.lines.offers_by_version[version].key == key:
            return item
    raise AssertionError(f"{key} not offered")


def _double_click(qtbot: QtBot, editor: DraftEditor, key: str) -> None:
    item = _offer(editor, key)
    editor.lines.tree.scrollToItem(item)
    rect = editor.lines.tree.visualItemRect(item)
    # A person's double-click starts with a press on the same row.
    qtbot.mouseClick(editor.lines.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(editor.lines.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _keys(editor: DraftEditor) -> list[str]:
    return [p.line_key or f"free:{p.text[:12]}" for p in editor.model.items]


def test_drafter_lead_and_private_secretary_take_a_case_to_a_signed_off_letter(
    qtbot: QtBot, demo_db: Database, settings: QSettings, tmp_path: Path, screenshot_dir: Path
) -> None:
    case_id = _triaged_case(demo_db)

    # The drafter opens the case from the main window with Case → Draft reply (Ctrl+R).
    desk = Desk(acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY)
    window = MainWindow(desk, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.filters.clear()
    assert window.select_case(case_id)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    editors = window.feature(DraftingFeature).draft_editors
    qtbot.waitUntil(lambda: bool(editors))  # the draft is started and read in the background
    editor: DraftEditor = editors[
        Drafting(acting_as(demo_db.session_factory, "p.mehta")).current_draft_id(case_id)
    ]
    qtbot.addWidget(editor)
    prompts = ScriptedPrompts()
    editor.prompts = prompts
    assert editor.isVisible() and editor.can_edit
    assert editor.details.salutation.text() == "Dear Gwen"

    for key in ("babyp-tragedy", "scr-quality-and-review-panels", "smacking-no-ban"):
        _double_click(qtbot, editor, key)
    assert _keys(editor) == ["babyp-tragedy", "scr-quality-and-review-panels", "smacking-no-ban"]

    # Own words after the first paragraph, typed and then pasted with hostile characters.
    editor.paragraphs.list.setCurrentIndex(editor.model.index(0))
    qtbot.mouseClick(editor.paragraphs.add_text_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(editor.paragraphs.text_edit, "I share your concern. ")
    editor.paragraphs.text_edit.insertPlainText(HOSTILE)
    assert editor.model.items[1].kind == "free"
    assert editor.model.items[1].text == "I share your concern. " + HOSTILE

    # Number it, move the smacking line up with the keyboard, then undo and redo the move.
    editor.model.setData(
        editor.model.index(1), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole
    )
    assert editor.model.items[1].numbered and editor.model.label(1).startswith("1. ")
    editor.paragraphs.list.setCurrentIndex(editor.model.index(3))
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    editor.paragraphs.list.setFocus()
    qtbot.keyClick(editor.paragraphs.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert _keys(editor)[2] == "smacking-no-ban"
    qtbot.keyClick(editor.paragraphs.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _keys(editor)[3] == "smacking-no-ban"
    qtbot.keyClick(
        editor.paragraphs.list,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert _keys(editor)[2] == "smacking-no-ban"

    # Autosave within a few seconds, and a live preview laid out like the letter.
    qtbot.waitUntil(lambda: not editor.dirty, timeout=5000)
    with demo_db.session_factory() as s:
        draft = s.get(Draft, editor.draft_id)
        assert draft is not None and len(draft.paragraphs) == 4
        assert "{{ '' .__class__ }}" in draft.paragraphs[1].text
        assert "\x00" not in draft.paragraphs[1].text
    qtbot.waitUntil(lambda: "__class__" in editor.letter.preview.toPlainText(), timeout=3000)
    shown = editor.letter.preview.toPlainText()
    for words in ("DRAFT", "Rt Hon Ed Balls MP", "Gwen Arkwright MP", "Dear Gwen", "ED BALLS MP"):
        assert words in shown
    assert '<i>"fine"</i>' in shown  # user text shown as typed, not as markup
    editor.grab().save(str(screenshot_dir / "draft_editor.png"))

    qtbot.mouseClick(editor.approval.submit_button, Qt.MouseButton.LeftButton)
    assert prompts.warnings == []
    assert editor.view.status is DraftStatus.IN_QA and not editor.can_edit
    draft_id = editor.draft_id
    editor.close()

    # The policy lead: reads it, cannot edit it, approves it.
    lead = _editor(qtbot, demo_db, "policy.lead.safeguarding", draft_id, prompts=ScriptedPrompts())
    assert not lead.lines.tree.isEnabled() and lead.approval.approve_button.isEnabled()
    assert not lead.approval.signoff_button.isVisible()
    qtbot.mouseClick(lead.approval.approve_button, Qt.MouseButton.LeftButton)
    assert lead.view.status is DraftStatus.WITH_PRIVATE_OFFICE
    lead.close()

    # The private secretary signs it off (wet signature), exports, opens and prints it.
    opened: list[QUrl] = []
    printed: list[Path] = []
    ps_prompts = ScriptedPrompts(choice="wet", path=tmp_path / "letter.docx")
    ps = _editor(
        qtbot,
        demo_db,
        "ps.sos",
        draft_id,
        prompts=ps_prompts,
        open_url=lambda url: opened.append(url) or True,
        printer=printed.append,
    )
    assert not ps.approval.approve_button.isVisible() and ps.approval.signoff_button.isEnabled()
    qtbot.mouseClick(ps.approval.signoff_button, Qt.MouseButton.LeftButton)
    assert ps.view.status is DraftStatus.SIGNED_OFF and ps.view.signature_method == "wet"
    assert "DRAFT" not in ps.letter.preview.toPlainText().split("Rt Hon")[0]
    qtbot.mouseClick(ps.files.export_button, Qt.MouseButton.LeftButton)
    assert ps_prompts.warnings == []
    assert ps_prompts.answers["suggested"].name.endswith("POSoS.docx")
    texts = letter_paragraph_texts(tmp_path / "letter.docx")
    assert "DRAFT" not in texts and "Dear Gwen" in texts and "ED BALLS MP" in texts
    own = next(t for t in texts if "__class__" in t)
    assert own == "1.\tI share your concern. Noted: {{ '' .__class__ }} & <i>\"fine\"</i>"
    assert texts.index(own) == texts.index("Dear Gwen") + 2
    qtbot.mouseClick(ps.files.open_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(ps.files.print_button, Qt.MouseButton.LeftButton)
    assert opened and opened[0].toLocalFile().endswith("POSoS.docx")
    assert printed and printed[0].exists()
    assert (
        Desk(acting_as(demo_db.session_factory, "a.okoro")).detail(case_id).status
        is CaseStatus.SIGNED_OFF
    )


def test_refusals_show_the_service_message(qtbot: QtBot, demo_db: Database) -> None:
    case_id = _triaged_case(demo_db)
    draft = Drafting(
        acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY
    ).create(case_id)
    prompts = ScriptedPrompts()
    editor = _editor(qtbot, demo_db, "p.mehta", draft.id, prompts=prompts)
    assert (
        not editor.approval.approve_button.isVisible()
        and not editor.approval.signoff_button.isVisible()
    )
    qtbot.mouseClick(editor.approval.submit_button, Qt.MouseButton.LeftButton)
    assert prompts.warnings == ["Draft: add at least one paragraph before submitting"]

    officer = _editor(qtbot, demo_db, "a.okoro", draft.id, prompts=ScriptedPrompts())
    assert not officer.can_edit and not officer.approval.submit_button.isVisible()
    officer.paragraphs.add_free_text()
    assert officer.model.items == [] and "may not edit" in officer.statusBar().currentMessage()


def test_lines_and_paragraphs_can_be_dragged(qtbot: QtBot, demo_db: Database) -> None:
    case_id = _triaged_case(demo_db)
    draft = Drafting(
        acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY
    ).create(case_id, ["babyp-tragedy", "reforms-more-to-do"])
    editor = _editor(qtbot, demo_db, "p.mehta", draft.id, prompts=ScriptedPrompts())
    version = _offer(editor, "smacking-no-ban").data(0, Qt.ItemDataRole.UserRole + 1)

    def drop(mime_type: str, payload: str, y: int) -> None:
        mime = QMimeData()
        mime.setData(mime_type, QByteArray(payload.encode()))
        event = QDropEvent(
            QPointF(5, y),
            Qt.DropAction.CopyAction | Qt.DropAction.MoveAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        editor.paragraphs.list.dropEvent(event)

    top = editor.paragraphs.list.visualRect(editor.model.index(0)).top() + 2
    drop(LINE_MIME, str(version), top)  # onto the top half of the first row: goes first
    assert _keys(editor) == ["smacking-no-ban", "babyp-tragedy", "reforms-more-to-do"]
    below = editor.paragraphs.list.viewport().height() - 2
    drop(PARAGRAPH_MIME, "0", below)  # the first paragraph dragged to the end
    assert _keys(editor) == ["babyp-tragedy", "reforms-more-to-do", "smacking-no-ban"]
    editor.undo_stack.undo()
    editor.undo_stack.undo()
    assert _keys(editor) == ["babyp-tragedy", "reforms-more-to-do"]


def test_closing_saves_and_a_stale_editor_is_told(qtbot: QtBot, demo_db: Database) -> None:
    case_id = _triaged_case(demo_db)
    draft = Drafting(
        acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY
    ).create(case_id)
    first = _editor(qtbot, demo_db, "p.mehta", draft.id, prompts=ScriptedPrompts())
    second_prompts = ScriptedPrompts(confirm=False)
    second = _editor(qtbot, demo_db, "policy.lead.safeguarding", draft.id, prompts=second_prompts)

    first.paragraphs.add_free_text()
    qtbot.keyClicks(first.paragraphs.text_edit, "Typed just before closing")
    first.close()  # well inside the autosave delay: the close saves it
    saved = Drafting(acting_as(demo_db.session_factory, "p.mehta")).view(draft.id)
    assert [p.text for p in saved.paragraphs] == ["Typed just before closing"]

    second.paragraphs.add_free_text()
    qtbot.keyClicks(second.paragraphs.text_edit, "Mine")
    assert not second.save_now()
    assert "saved by someone else" in second_prompts.warnings[0]
    assert second.returned_banner.isVisible()
    second.close()
    assert second.isVisible(), "unsaved words are not thrown away without asking"
    second.activateWindow()
    qtbot.waitUntil(second.isActiveWindow)
    qtbot.keyClick(second, Qt.Key.Key_F5)
    # Read again on a worker: the window says so and takes no edits meanwhile.
    assert second.statusBar().currentMessage() == "Reading the draft again…"
    assert not second.paragraphs.isEnabled()
    qtbot.waitUntil(lambda: not second.loading)
    assert second.paragraphs.isEnabled() and not second.returned_banner.isVisible()
    assert [p.text for p in second.model.items] == ["Typed just before closing"]


def test_a_returned_draft_shows_why(qtbot: QtBot, demo_db: Database) -> None:
    case_id = _triaged_case(demo_db)
    drafting = Drafting(acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY)
    draft = drafting.create(case_id, ["babyp-tragedy"])
    drafting.submit(draft.id)
    lead = _editor(
        qtbot,
        demo_db,
        "policy.lead.safeguarding",
        draft.id,
        prompts=ScriptedPrompts(text="Add the SCR panel dates"),
    )
    qtbot.mouseClick(lead.approval.return_button, Qt.MouseButton.LeftButton)
    assert lead.view.status is DraftStatus.RETURNED
    editor = _editor(qtbot, demo_db, "p.mehta", draft.id, prompts=ScriptedPrompts())
    assert editor.returned_banner.isVisible()
    assert editor.returned_banner.text() == "Returned: Add the SCR panel dates"
    assert editor.can_edit and "Add the SCR panel dates" in editor.letter.comments.toPlainText()


def test_a_revised_line_is_flagged_and_can_be_updated(qtbot: QtBot, demo_db: Database) -> None:
    case_id = _triaged_case(demo_db)
    draft = Drafting(
        acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY
    ).create(case_id, ["babyp-tragedy"])
    with demo_db.session_factory.begin() as s:
        line = s.scalar(select(StandardLine).where(StandardLine.key == "babyp-tragedy"))
        assert line is not None
        line.versions.append(
            LineVersion(number=7, body="The revised Baby P line.", status="approved")
        )
    editor = _editor(qtbot, demo_db, "p.mehta", draft.id, prompts=ScriptedPrompts())
    assert "newer version" in editor.model.label(0)
    assert "The death of Baby P is a tragedy" in editor.model.label(0)
    editor.paragraphs.list.setCurrentIndex(editor.model.index(0))
    assert editor.paragraphs.latest_button.isEnabled()
    qtbot.mouseClick(editor.paragraphs.latest_button, Qt.MouseButton.LeftButton)
    assert editor.model.items[0].text == "The revised Baby P line."
    assert "newer version" not in editor.model.label(0)
    assert "The revised Baby P line." in editor.model.label(0)
    editor.undo_stack.undo()
    assert "newer version" in editor.model.label(0)


def test_search_narrows_the_lines_and_used_lines_are_starred(
    qtbot: QtBot, demo_db: Database
) -> None:
    with demo_db.session_factory() as s:
        jowell = s.scalar(
            select(Case.correspondent_id).where(Case.reference == "2009/0007948POSoS")
        )
    desk = Desk(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    ref = desk.log_case(
        NewCase(received_on=DEMO_TODAY, correspondent_id=jowell, theme_codes=["SMACK"])
    )
    case_id = desk.find_reference(ref)
    desk.move(case_id, CaseStatus.TRIAGED)
    draft = Drafting(
        acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY
    ).create(case_id)
    editor = _editor(qtbot, demo_db, "p.mehta", draft.id, prompts=ScriptedPrompts())
    first_group = editor.lines.tree.topLevelItem(0)
    assert first_group.text(0).startswith("For this case's themes")
    assert first_group.child(0).text(0).startswith("★ ")
    qtbot.keyClicks(editor.lines.search, "reasonable punishment")
    shown = editor.lines.offer_items()
    assert shown and len(shown) < len(editor.lines.offers)


def test_ctrl_z_in_own_words_undoes_through_the_drafts_undo_stack(
    qtbot: QtBot, demo_db: Database
) -> None:
    case_id = _triaged_case(demo_db)
    draft = Drafting(
        acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY
    ).create(case_id)
    editor = _editor(qtbot, demo_db, "p.mehta", draft.id, prompts=ScriptedPrompts())
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    editor.paragraphs.add_free_text()
    qtbot.keyClicks(editor.paragraphs.text_edit, "Second thoughts")
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(editor.paragraphs.text_edit, Qt.Key.Key_Z, ctrl)
    assert [p.text for p in editor.model.items] == [
        ""
    ] and editor.paragraphs.text_edit.toPlainText() == ""
    qtbot.keyClick(
        editor.paragraphs.text_edit, Qt.Key.Key_Z, ctrl | Qt.KeyboardModifier.ShiftModifier
    )
    assert editor.paragraphs.text_edit.toPlainText() == "Second thoughts"
    qtbot.keyClick(editor.paragraphs.text_edit, Qt.Key.Key_Z, ctrl)
    qtbot.keyClick(editor.paragraphs.text_edit, Qt.Key.Key_Z, ctrl)
    assert editor.model.items == []


def test_lines_read_as_they_will_print_and_lines_that_cannot_work_are_greyed_with_a_reason(
    qtbot: QtBot, demo_db: Database, screenshot_dir: Path
) -> None:
    case_id = _triaged_case(demo_db)  # an MP's own letter, in no campaign
    draft = Drafting(
        acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY
    ).create(case_id)
    prompts = ScriptedPrompts()
    editor = _editor(qtbot, demo_db, "p.mehta", draft.id, prompts=prompts)
    groups = [
        editor.lines.tree.topLevelItem(i).text(0)
        for i in range(editor.lines.tree.topLevelItemCount())
    ]
    assert groups[1].startswith("Any letter: openings, closings, holding replies, transfers")
    # Greyed under the plain reason they cannot be used.
    assert groups[-1].startswith("Needs a campaign: this letter is not part of one (")
    greyed = editor.lines.tree.topLevelItem(len(groups) - 1)
    texts = [greyed.child(i).text(0) for i in range(greyed.childCount())]
    assert "Much agreement with the campaign, but not on smacking" in texts
    campaign_item = greyed.child(
        texts.index("Much agreement with the campaign, but not on smacking")
    )
    assert not campaign_item.flags() & Qt.ItemFlag.ItemIsEnabled

    # A double-click on an offered line adds it: its title is the caption, its words are
    # those of the letter, not the template's.
    _double_click(qtbot, editor, "babyp-tragedy")
    label = editor.model.label(0)
    assert label.startswith("The death of Baby P: a tragedy that has shocked the nation\n")
    assert "{" not in label and "babyp-tragedy" not in label
    editor.paragraphs.list.setCurrentIndex(editor.model.index(0))
    assert editor.paragraphs.text_edit.toPlainText().startswith("The death of Baby P is a tragedy")
    assert "babyp-tragedy" not in editor.paragraphs.text_label.text()
    _double_click(qtbot, editor, "opening-thank-you-for-letter")
    assert "{" not in editor.paragraphs.text_edit.toPlainText()
    assert all("{" not in item.toolTip(0) for item in editor.lines.offer_items())
    editor.grab().save(str(screenshot_dir / "draft_editor_wording.png"))
