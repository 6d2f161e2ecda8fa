"""Replies by email in the window: the reply channel at triage, Send by email…, mail settings."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from correspondence.database import Database
from correspondence.services.desk import Desk
from correspondence.services.replies.email_desk import EmailDesk
from correspondence.services.replies.smtp_send import load_settings, send_state
from correspondence.services.triage.reply_channel import ReplyChannels
from correspondence.services.triage.triage import Triage
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.admin_window import AdminWindow
from correspondence.ui.drafting_actions import _select_in_list
from correspondence.ui.email_actions import EmailReplyDialog
from correspondence.ui.main_window import MainWindow
from correspondence.ui.triage_view import TriageWindow
from tests.conftest import DEMO_TODAY
from tests.smtp import LoopbackSmtp

pytestmark = pytest.mark.gui

SEED = "2009/0007948POSoS"
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def focused(
    qtbot: QtBot, key: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, mod)


def test_the_reply_channel_is_chosen_at_triage_with_the_keyboard(
    qtbot: QtBot, demo_desk: Desk, screenshot_dir: Path
) -> None:
    tw = TriageWindow(Triage(demo_desk.uow, demo_desk.clock))
    qtbot.addWidget(tw)
    tw.show()
    tw.activateWindow()
    qtbot.waitUntil(tw.isActiveWindow)
    case = tw.current
    assert case is not None and tw.reply_channel.channel.currentText() == "Letter"
    assert not tw.reply_channel.address.isVisible()
    if tw.themes.item(0).checkState() != Qt.CheckState.Checked:
        focused(qtbot, Qt.Key.Key_Space)
    focused(qtbot, Qt.Key.Key_E, ALT)  # a team, so the case can be triaged
    qtbot.keyClicks(tw.team, "Saf")
    focused(qtbot, Qt.Key.Key_Y, ALT)  # Reply by
    assert tw.reply_channel.channel.hasFocus()
    focused(qtbot, Qt.Key.Key_Down)
    assert tw.reply_channel.channel.currentText() == "Email"
    assert tw.reply_channel.address.isVisible()
    focused(qtbot, Qt.Key.Key_Tab)
    assert tw.reply_channel.address.hasFocus()
    tw.reply_channel.address.selectAll()
    qtbot.keyClicks(tw.reply_channel.address, "writer@example.org")
    tw.grab().save(str(screenshot_dir / "triage_reply_channel.png"))
    focused(qtbot, Qt.Key.Key_Return, CTRL)
    assert not tw.problem.text(), tw.problem.text()
    saved = ReplyChannels(demo_desk.uow).get(case.id)
    assert (saved.channel, saved.email) == ("email", "writer@example.org")


def test_a_bad_address_at_triage_is_named_and_nothing_moves_on(
    qtbot: QtBot, demo_desk: Desk
) -> None:
    tw = TriageWindow(Triage(demo_desk.uow, demo_desk.clock))
    qtbot.addWidget(tw)
    tw.show()
    tw.activateWindow()
    qtbot.waitUntil(tw.isActiveWindow)
    case = tw.current
    assert case is not None
    focused(qtbot, Qt.Key.Key_Y, ALT)
    focused(qtbot, Qt.Key.Key_Down)
    tw.reply_channel.address.setFocus()
    tw.reply_channel.address.selectAll()
    qtbot.keyClicks(tw.reply_channel.address, "not an address")
    qtbot.mouseClick(tw.confirm_button, Qt.MouseButton.LeftButton)
    assert "is not an email address" in tw.problem.text()
    assert tw.current is not None and tw.current.id == case.id


def _scan(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "signed.png"
    image = Image.new("L", (400, 120), 255)
    out = io.BytesIO()
    image.save(out, "PNG")
    path.write_bytes(out.getvalue())
    EmailDesk(acting_as(db.session_factory, "a.okoro")).add_scan(SEED, path)


def _dialog(qtbot: QtBot, demo_desk: Desk) -> EmailReplyDialog:
    emails = EmailDesk(demo_desk.uow, lambda: DEMO_TODAY)
    dialog = EmailReplyDialog(emails, demo_desk.find_reference(SEED))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20000)
    return dialog


def test_send_by_email_says_there_is_nothing_to_send_until_the_scan_is_added(
    qtbot: QtBot, demo_desk: Desk, demo_db: Database, tmp_path: Path, screenshot_dir: Path
) -> None:
    dialog = _dialog(qtbot, demo_desk)
    assert "Nothing to send" in dialog.problem.text() and "scan" in dialog.problem.text()
    assert not dialog.send_button.isEnabled() and dialog.scan_button.isVisible()
    dialog.grab().save(str(screenshot_dir / "email_nothing_to_send.png"))

    _scan(demo_db, tmp_path)
    with LoopbackSmtp() as server:
        with demo_db.session_factory.begin() as s:
            from correspondence.db.models import Setting

            s.add(Setting(key="email.smtp_host", value="127.0.0.1"))
            s.add(Setting(key="email.smtp_port", value=str(server.port)))
        dialog = _dialog(qtbot, demo_desk)
        assert dialog.to.text() == "jowellt@parliament.example"
        assert dialog.subject.text().endswith("our reference 2009/0007948POSoS")
        assert dialog.attachment.text() == "signed.png"
        assert "Dear Tessa" in dialog.note.toPlainText()
        assert dialog.send_button.isEnabled() and dialog.problem.text() == "Ready to send."
        dialog.grab().save(str(screenshot_dir / "email_preview.png"))
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.state.text() == "sent", timeout=20000)
        assert not dialog.send_button.isEnabled()
        assert "it will not be sent again" in dialog.problem.text()
        assert len(server.mailbox.received) == 1
        dialog.grab().save(str(screenshot_dir / "email_sent.png"))
    with demo_db.session_factory() as s:
        row = send_state(s, demo_desk.find_reference(SEED))
        assert row is not None and row.state == "sent"


def test_send_by_email_is_in_the_case_menu(
    qtbot: QtBot, demo_desk: Desk, settings: QSettings
) -> None:
    window = MainWindow(demo_desk, settings, db_label="demo.db")
    qtbot.addWidget(window)
    assert window.action("sendByEmail") in window.case_menu.actions()
    assert window.action("sendByEmail").text() == "Send by e&mail…"


def test_an_admin_sets_the_mail_server_and_a_signature_image(
    qtbot: QtBot, demo_db: Database, tmp_path: Path, screenshot_dir: Path
) -> None:
    from correspondence.services.people.admin import Administration

    window = AdminWindow(Administration(acting_as(demo_db.session_factory, "admin")))
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentWidget(window.email_settings)
    tab = window.email_settings
    tab.host.setFocus()
    qtbot.keyClicks(tab.host, "smtp.dcsf.example")
    tab.port.selectAll()
    qtbot.keyClicks(tab.port, "587")
    qtbot.keyClicks(tab.sending_address, "private.office@dcsf.example")
    save = tab.findChild(QPushButton, "smtpSave")
    assert save is not None
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert tab.status.text() == "Saved the mail settings."
    with demo_db.session_factory() as s:
        saved = load_settings(s)
    assert (saved.host, saved.port, saved.from_address) == (
        "smtp.dcsf.example",
        587,
        "private.office@dcsf.example",
    )
    picture = tmp_path / "sig.png"
    drawn = Image.new("RGB", (300, 80), "white")
    ImageDraw.Draw(drawn).line([(10, 60), (80, 15), (150, 65), (290, 20)], "navy", 5)
    drawn.save(picture)
    assert tab.set_image(picture)
    assert tab.picture.pixmap() is not None and not tab.picture.pixmap().isNull()
    window.grab().save(str(screenshot_dir / "admin_email_settings.png"))


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_a_campaign_is_emailed_to_its_members_from_the_case_menu(
    qtbot: QtBot, demo_desk: Desk, demo_db: Database, settings: QSettings, screenshot_dir: Path
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox
    from sqlalchemy import select

    from correspondence.db.models import Campaign, Case, Correspondent, Draft, Setting, Signatory
    from correspondence.services.lines.line_views import approved_version

    with demo_db.session_factory.begin() as s:
        camp = s.scalar(select(Campaign).where(Campaign.organisation == "NSPCC"))
        assert camp is not None
        members = s.scalars(
            select(Case).where(Case.campaign_id == camp.id, Case.status == "logged").limit(3)
        ).all()
        for n, case in enumerate(members):
            s.get(Correspondent, case.correspondent_id).email = f"member{n}@example.org"  # type: ignore[union-attr]
        sos = s.scalar(select(Signatory).where(Signatory.key == "sos"))
        draft = Draft(
            campaign_id=camp.id, status="signed_off", signatory_id=sos.id,  # type: ignore[union-attr]
            letter_date=DEMO_TODAY, signature_method="digital",
        )  # fmt: skip
        version = approved_version(s, "closing-thank-you-for-writing")
        from correspondence.db.models import DraftParagraph

        draft.paragraphs.append(
            DraftParagraph(position=0, kind="line", line_version_id=version.id, text=version.body)
        )
        s.add(draft)
        member_id, campaign_id = members[0].id, camp.id
    window = MainWindow(demo_desk, settings, db_label="demo.db")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0)
    window.filters.clear()
    assert _select_in_list(window, member_id)
    with LoopbackSmtp() as server:
        with demo_db.session_factory.begin() as s:
            s.add(Setting(key="email.smtp_host", value="127.0.0.1"))
            s.add(Setting(key="email.smtp_port", value=str(server.port)))

        def press_yes() -> None:
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox):
                QTimer.singleShot(20, press_yes)
                return
            box.button(QMessageBox.StandardButton.Yes).click()

        QTimer.singleShot(0, press_yes)
        window.action("emailCampaign").trigger()

        seen: list[str] = []

        def close_summary() -> None:
            # The summary is a modal box shown from the worker's signal: answer it from
            # inside its own event loop.
            box = QApplication.activeModalWidget()
            if isinstance(box, QMessageBox) and "sent now" in box.text():
                seen.append(box.text())
                box.grab().save(str(screenshot_dir / "campaign_email_done.png"))
                box.accept()
                return
            QTimer.singleShot(50, close_summary)

        QTimer.singleShot(50, close_summary)
        qtbot.waitUntil(lambda: bool(seen), timeout=120000)
        assert "3 sent now" in seen[0]
        assert len(server.mailbox.received) == 3
    with demo_db.session_factory() as s:
        emailed = s.scalars(
            select(Case.dispatch_channel).where(
                Case.campaign_id == campaign_id, Case.status == "dispatched"
            )
        ).all()
    assert emailed.count("email") == 3  # the seed case went by post in 2009
