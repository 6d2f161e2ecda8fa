"""The admin screen on a team's PostgreSQL server goes through the same services as
`users add`: saving a person with a database login creates the login and grants it the
group roles of their app roles, and the form says what the server holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from correspondence.database import open_database
from correspondence.services.actors import Role
from correspondence.services.people.admin import Administration
from correspondence.services.unit_of_work import UnitOfWorkFactory
from correspondence.ui.admin_window import AdminWindow
from tests import team_server
from tests.team_server import Team_

pytestmark = [pytest.mark.gui, pytest.mark.postgres]
# The team's server (tests/team_server.py), as this module's fixtures.
team_template, team = team_server.team_template, team_server.team


def test_an_admin_adds_a_person_and_their_login_on_the_screen(
    qtbot: QtBot,
    team: Team_,
    screenshot_dir: Path,
) -> None:
    database = open_database(team.url("t_admin"))
    try:
        admin = AdminWindow(Administration(UnitOfWorkFactory.connect(database.session_factory)))
        qtbot.addWidget(admin)
        admin.show()
        qtbot.waitExposed(admin)
        assert admin.server_login.isVisible()
        qtbot.mouseClick(admin.new_user_button, Qt.MouseButton.LeftButton)
        qtbot.keyClicks(admin.username, "m.quill")
        qtbot.keyClicks(admin.display_name, "Mina Quill")
        qtbot.keyClicks(admin.db_login, "t_mquill")
        admin.role_boxes[Role.POLICY_LEAD].setFocus()
        qtbot.keyClick(admin.role_boxes[Role.POLICY_LEAD], Qt.Key.Key_Space)
        qtbot.mouseClick(admin.save_user_button, Qt.MouseButton.LeftButton)
        assert admin.status.text() == "Added m.quill."
        assert admin.server_login.text() == (
            "Login t_mquill: may connect.\nServer roles: officer, policy lead."
        )
        admin.grab().save(str(screenshot_dir / "admin_window_team_server.png"))
        # Unticking "Active" on the screen locks the login out, as `users disable` does.
        admin.user_active.setChecked(False)
        qtbot.mouseClick(admin.save_user_button, Qt.MouseButton.LeftButton)
        assert admin.server_login.text() == "Login t_mquill: disabled."
        admin.close()
    finally:
        database.close()
