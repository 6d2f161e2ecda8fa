"""The draft editor's sign-off asks for the database login's password again where the
server checks passwords (the throwaway cluster, one login set to scram-sha-256)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from PySide6.QtCore import Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update

from correspondence.database import Database, open_database
from correspondence.db.models import Case, Draft, User
from correspondence.domain.states import DraftStatus
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.unit_of_work import UnitOfWorkFactory, acting_as
from correspondence.ui.dialogs.password import PasswordDialog
from correspondence.ui.draft_editor.loading import read_draft
from correspondence.ui.draft_editor.prompts import Prompts
from correspondence.ui.draft_editor.window import DraftEditor
from tests.conftest import DemoTemplate, open_demo_copy
from tests.pg import PgServer

pytestmark = pytest.mark.gui
SECRET = "Mark's own 7 words"


class ChooseWet(Prompts):
    """Answers "how was it signed" only; the password is typed into the real dialog."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def ask_choice(self, parent, title, label, items) -> str | None:  # noqa: ANN001
        return "wet"

    def warn(self, parent, title, text) -> None:  # noqa: ANN001
        self.warnings.append(text)


def test_the_password_dialog_is_typed_into_and_forgets(qtbot: QtBot, screenshot_dir: Path) -> None:
    dialog = PasswordDialog("sos_login", "sign off")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.ok.isEnabled()  # nothing typed yet
    qtbot.keyClicks(dialog.field, "s3cret words")
    assert dialog.ok.isEnabled() and dialog.field.displayText() != "s3cret words"
    dialog.grab().save(str(screenshot_dir / "sign_off_password.png"))
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    assert dialog.password() == "s3cret words"
    assert dialog.field.text() == ""  # read once, then gone


@pytest.fixture
def scram_office(
    request: pytest.FixtureRequest,
    demo_template: DemoTemplate,
    tmp_path: Path,
    pg_server: PgServer,
) -> Iterator[tuple[Database, str, int]]:
    for db in open_demo_copy(request, demo_template, tmp_path):
        dbname = db.url.rsplit("/", 1)[1]
        with db.session_factory.begin() as s:
            s.execute(update(User).where(User.username == "ps.sos").values(db_login="sos_ui"))
            case_id = s.scalar(select(Case.id).where(Case.status == "triaged").limit(1))
        assert case_id is not None
        drafter = Drafting(acting_as(db.session_factory, "p.mehta"))
        draft_id = drafter.create(case_id, ["holding-reply"]).id
        drafter.submit(draft_id)
        Drafting(acting_as(db.session_factory, "policy.lead.safeguarding")).approve(draft_id)
        pg_server.create_login("sos_ui", dbname)
        url = pg_server.require_password("sos_ui", dbname, SECRET)
        yield db, url.replace("sos_ui@", f"sos_ui:{quote(SECRET, safe='')}@"), draft_id


@pytest.mark.postgres
@pytest.mark.parametrize("demo_template", ["postgresql"], indirect=True)
def test_signing_off_in_the_editor_asks_for_the_password(
    qtbot: QtBot, scram_office: tuple[Database, str, int], pg_server: PgServer
) -> None:
    db, url, draft_id = scram_office
    desk_db = open_database(url)
    prompts = ChooseWet()
    drafting = Drafting(UnitOfWorkFactory.connect(desk_db.session_factory))
    editor = DraftEditor(drafting, read_draft(drafting, draft_id), prompts=prompts)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)

    def type_password(text: str) -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, PasswordDialog)
        qtbot.keyClicks(dialog.field, text)
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)

    def status() -> str:
        with db.session_factory() as s:
            return s.scalar(select(Draft.status).where(Draft.id == draft_id)) or ""

    try:
        assert (
            editor.approval.signoff_button.isVisible()
            and editor.approval.signoff_button.isEnabled()
        )
        QTimer.singleShot(0, lambda: type_password("not it"))
        assert not editor.approval.sign_off()
        assert "was not accepted" in prompts.warnings[-1]
        assert status() == DraftStatus.WITH_PRIVATE_OFFICE.value
        QTimer.singleShot(0, lambda: type_password(SECRET))
        assert editor.approval.sign_off()
        assert status() == DraftStatus.SIGNED_OFF.value
    finally:
        editor.close()
        QApplication.processEvents()
        desk_db.close()  # as the app does on quitting, the signed PDF perhaps still being made
        QThreadPool.globalInstance().waitForDone(60_000)
    # Once that job has ended, the desk holds no connection on the server.
    assert pg_server.sessions(user="sos_ui") == 0
