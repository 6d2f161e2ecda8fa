"""The window when the disk fills: typed words are kept and saved once there is room, and a
bulk change says nothing was changed. The disk is a real tmpfs mounted by the test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from correspondence.database import Database, open_database
from correspondence.db.models import Case, Event
from correspondence.domain.states import CaseStatus
from correspondence.services.desk import Desk
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.triage.triage import Triage
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.dialogs.bulk_triage import BulkTriageDialog
from correspondence.ui.intake_actions import IntakeController
from correspondence.ui.main_window import MainWindow
from tests import small_disk
from tests.conftest import DEMO_TODAY, DemoTemplate
from tests.factories import mp, signed_off_campaign_reply, triaged_case
from tests.small_disk import LETTERS, cost_of_one_letter, write_letters
from tests.ui.prompts import ScriptedPrompts, open_editor

pytestmark = pytest.mark.gui


@pytest.fixture
def on_small_disk(sqlite_demo_template: DemoTemplate, tmp_path: Path) -> Iterator[Database]:
    disk = tmp_path / "disk"
    try:
        mount = small_disk.mounted(disk, size_kb=8 * 1024)
        mount.__enter__()
    except PermissionError as exc:
        pytest.skip(f"a full disk needs a tmpfs mounted by the test: {exc}")
    try:
        shutil.copy(sqlite_demo_template.source, disk / "demo.db")
        db = open_database(f"sqlite:///{disk / 'demo.db'}")
        with db.engine.connect() as conn:  # an empty journal: the next save needs new room
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        yield db
        db.close()
    finally:
        mount.__exit__(None, None, None)


def test_a_draft_that_cannot_be_saved_keeps_the_words_says_why_and_retries(
    qtbot: QtBot, on_small_disk: Database, screenshot_dir: Path
) -> None:
    db = on_small_disk
    case_id = triaged_case(
        db,
        "a.okoro",
        today=DEMO_TODAY,
        correspondent=mp("Gwen", "Arkwright"),
        summary="Serious case reviews",
        theme_codes=("SCR", "LAMING"),
        signatory_key="sos",
        team_code="SPU",
    )
    draft = Drafting(acting_as(db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY).create(
        case_id
    )
    prompts = ScriptedPrompts()
    editor = open_editor(qtbot, db, "p.mehta", draft.id, today=DEMO_TODAY, prompts=prompts)
    editor.save_retry.setInterval(300)  # a person waits ten seconds; the test need not
    disk = Path(str(db.engine.url.database)).parent
    filler = small_disk.fill(disk, leave=0)

    editor.paragraphs.add_free_text()
    qtbot.keyClicks(editor.paragraphs.text_edit, "Words typed as the disk filled")
    qtbot.waitUntil(lambda: bool(prompts.warnings), timeout=8000)  # the autosave was refused

    assert "Draft not saved: the disk is full" in prompts.warnings[0]
    assert "Your words are kept" in editor.statusBar().currentMessage()
    assert editor.paragraphs.text_edit.toPlainText() == "Words typed as the disk filled"
    qtbot.wait(50)
    editor.grab().save(str(screenshot_dir / "draft_editor_disk_full.png"))
    qtbot.wait(1000)  # it keeps trying, without a dialog each time
    assert len(prompts.warnings) == 1
    assert Drafting(acting_as(db.session_factory, "p.mehta")).view(draft.id).paragraphs == ()

    filler.unlink()  # room again: the next retry saves the words
    qtbot.waitUntil(lambda: "Saved at" in editor.statusBar().currentMessage(), timeout=5000)
    saved = Drafting(acting_as(db.session_factory, "p.mehta")).view(draft.id)
    assert [p.text for p in saved.paragraphs] == ["Words typed as the disk filled"]
    editor.close()


def test_a_bulk_change_on_a_full_disk_says_nothing_was_changed(
    qtbot: QtBot, on_small_disk: Database
) -> None:
    db = on_small_disk
    with db.session_factory() as s:
        ids = list(
            s.scalars(select(Case.id).where(Case.status == CaseStatus.LOGGED.value).limit(40))
        )
        events_before = s.scalar(select(func.count(Event.id)))
    assert len(ids) >= 10
    dialog = BulkTriageDialog(Triage(acting_as(db.session_factory, "a.okoro")), ids)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    focus = QApplication.focusWidget
    # A click on the round button of "Mark as no reply".
    qtbot.mouseClick(
        dialog.no_reply, Qt.MouseButton.LeftButton, pos=QPoint(8, dialog.no_reply.height() // 2)
    )
    assert dialog.no_reply.isChecked()
    qtbot.mouseClick(dialog.reason, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(focus(), "Round-robin letter; no reply needed")
    small_disk.fill(Path(str(db.engine.url.database)).parent, leave=0)

    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    assert dialog.isVisible() and dialog.result_ is None
    assert dialog.problem.text() == "Nothing was changed: the disk is full."
    with db.session_factory() as s:
        assert s.scalar(select(func.count(Event.id))) == events_before
        statuses = set(s.scalars(select(Case.status).where(Case.id.in_(ids))))
    assert statuses == {CaseStatus.LOGGED.value}
    dialog.close()


def test_an_import_from_the_window_onto_a_full_disk_shows_one_logged_and_eleven_refused(
    qtbot: QtBot, on_small_disk: Database, settings: QSettings, tmp_path: Path,
    screenshot_dir: Path,
) -> None:  # fmt: skip
    db = on_small_disk
    letters = write_letters(tmp_path / "post")
    cost = cost_of_one_letter(tmp_path, letters[0])
    with db.session_factory() as s:
        before = s.scalar(select(func.count(Case.id)))
    window = MainWindow(
        Desk(acting_as(db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY), settings
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    small_disk.fill(Path(str(db.engine.url.database)).parent, leave=cost * 3 // 2)

    controller = window.feature(IntakeController)
    controller.import_paths([str(tmp_path / "post")])
    qtbot.waitUntil(lambda: controller.last_result is not None, timeout=30000)
    dialog = controller.result_dialog
    qtbot.waitUntil(dialog.isVisible)

    rows = dialog.rows()
    assert sum(o == "Imported" for o, _, _ in rows) == 1
    refused = [d for o, _, d in rows if o == "Failed"]
    assert len(refused) == LETTERS - 1 and set(refused) == {"Not logged: the disk is full"}
    assert "1</b> imported" in dialog.summary.text()
    assert f"{LETTERS - 1}</b> failed" in dialog.summary.text()
    with db.session_factory() as s:
        assert s.scalar(select(func.count(Case.id))) == before + 1  # as the dialog says
    dialog.resize(1000, 400)
    dialog.grab().save(str(screenshot_dir / "import_result_disk_full.png"))
    dialog.close()
    window.close()


def test_a_campaign_export_the_disk_refuses_marks_no_one_dispatched_and_resumes(
    on_small_disk: Database, tmp_path: Path
) -> None:
    from correspondence.services.campaigns.campaign_export import export_campaign
    from correspondence.services.errors import ServiceError

    db = on_small_disk
    signed_off_campaign_reply(db, 1)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    dispatched = select(func.count(Case.id)).where(
        Case.campaign_id == 1, Case.status == CaseStatus.DISPATCHED.value
    )
    with db.session_factory() as s:
        before = s.scalar(dispatched)
    filler = small_disk.fill(Path(str(db.engine.url.database)).parent, leave=0)
    out = tmp_path / "letters"  # the letters go to another disk, with room

    with pytest.raises(ServiceError, match="no member could be marked dispatched: the disk is"):
        export_campaign(acting_as(db.session_factory, "a.okoro"), 1, out, today=DEMO_TODAY)
    with db.session_factory() as s:
        assert s.scalar(dispatched) == before

    filler.unlink()
    result = export_campaign(
        acting_as(db.session_factory, "a.okoro"), 1, out, resume=True, today=DEMO_TODAY
    )
    assert result.already_done == result.total == 50 and result.dispatched == 50
    with db.session_factory() as s:
        assert s.scalar(dispatched) == before + 50
