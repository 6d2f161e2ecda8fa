"""Tools → Administration… (admins only): add a user with roles through the window; and
File → Switch user… at a shared SQLite desk, refused on PostgreSQL for non-admins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update

from correspondence.database import Database
from correspondence.db.models import Event, User
from correspondence.services.actors import Role
from correspondence.services.desk import Desk
from correspondence.services.people.admin import Administration
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.admin_window import AdminWindow
from correspondence.ui.application import acting_unit_of_work
from correspondence.ui.collab_actions import CollabFeature
from correspondence.ui.main_window import MainWindow
from tests.conftest import DEMO_TODAY, DemoTemplate, open_demo_copy

pytestmark = pytest.mark.gui


def _window(qtbot: QtBot, desk: Desk, settings: QSettings) -> MainWindow:
    w = MainWindow(desk, settings, db_label="demo.db")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _menu_action(menu, name: str):  # noqa: ANN001, ANN202
    return next(a for a in menu.actions() if a.objectName() == name)


def test_an_admin_adds_a_user_with_roles_through_the_window(
    qtbot: QtBot, demo_db: Database, settings: QSettings, screenshot_dir: Path
) -> None:
    w = _window(
        qtbot, Desk(acting_as(demo_db.session_factory, "admin"), lambda: DEMO_TODAY), settings
    )
    action = _menu_action(w.tools_menu, "openAdministration")
    assert action.isEnabled()
    action.trigger()
    admin: AdminWindow = w.feature(CollabFeature).admin_window
    qtbot.waitExposed(admin)
    assert admin.user_table.rowCount() >= 12

    qtbot.mouseClick(admin.new_user_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(admin.username, "k.adeyemi")
    qtbot.keyClicks(admin.display_name, "Kemi Adeyemi")
    qtbot.keyClicks(admin.email, "k.adeyemi@dcsf.example")
    admin.user_team.setCurrentIndex(admin.user_team.findText("Safeguarding Policy Unit"))
    qtbot.keyClicks(admin.db_login, "kadeyemi")
    admin.role_boxes[Role.OFFICER].setChecked(False)
    for role in (Role.DRAFTER, Role.POLICY_LEAD):
        admin.role_boxes[role].setFocus()
        qtbot.keyClick(admin.role_boxes[role], Qt.Key.Key_Space)
    qtbot.mouseClick(admin.save_user_button, Qt.MouseButton.LeftButton)
    assert admin.status.text() == "Added k.adeyemi."
    admin.grab().save(str(screenshot_dir / "admin_window.png"))

    kemi = next(u for u in Administration(acting_as(demo_db.session_factory)).users() if u.db_login)
    assert (kemi.username, kemi.team, kemi.roles) == (
        "k.adeyemi",
        "Safeguarding Policy Unit",
        {Role.DRAFTER, Role.POLICY_LEAD},
    )
    shown = [admin.user_table.item(r, 0).text() for r in range(admin.user_table.rowCount())]
    assert "k.adeyemi" in shown

    # Deactivating her is a checkbox and a save; the table says so.
    admin.user_active.setChecked(False)
    qtbot.mouseClick(admin.save_user_button, Qt.MouseButton.LeftButton)
    row = shown.index("k.adeyemi")
    assert admin.user_table.item(row, 5).text() == "no"


def test_teams_and_office_codes_through_the_window(
    qtbot: QtBot, demo_db: Database, settings: QSettings, screenshot_dir: Path
) -> None:
    w = _window(
        qtbot, Desk(acting_as(demo_db.session_factory, "admin"), lambda: DEMO_TODAY), settings
    )
    w.action("openAdministration").trigger()
    admin: AdminWindow = w.feature(CollabFeature).admin_window
    admin.tabs.setCurrentIndex(1)
    qtbot.keyClicks(admin.team_code, "CCU")
    qtbot.keyClicks(admin.team_name, "Children's Commissioner Unit")
    qtbot.mouseClick(admin.save_team_button, Qt.MouseButton.LeftButton)
    assert "Added the team" in admin.status.text()
    admin.tabs.setCurrentIndex(2)
    qtbot.keyClicks(admin.office_code, "PO-X")
    qtbot.keyClicks(admin.office_name, "Bad code")
    qtbot.mouseClick(admin.add_office_button, Qt.MouseButton.LeftButton)
    assert "2 to 12 letters" in admin.status.text()
    admin.office_code.setText("POPUSS")
    admin.office_name.setText("Private Office of the Parliamentary Under-Secretary")
    qtbot.mouseClick(admin.add_office_button, Qt.MouseButton.LeftButton)
    codes = [admin.office_table.item(r, 0).text() for r in range(admin.office_table.rowCount())]
    admin.office_table.selectRow(codes.index("POPUSS"))
    qtbot.mouseClick(admin.default_office_button, Qt.MouseButton.LeftButton)
    assert admin.office_table.item(codes.index("POPUSS"), 2).text() == "default"
    admin.grab().save(str(screenshot_dir / "admin_window_offices.png"))


def test_a_conflicting_admin_edit_is_shown_not_saved(
    qtbot: QtBot, demo_db: Database, settings: QSettings
) -> None:
    w = _window(
        qtbot, Desk(acting_as(demo_db.session_factory, "admin"), lambda: DEMO_TODAY), settings
    )
    w.action("openAdministration").trigger()
    admin: AdminWindow = w.feature(CollabFeature).admin_window
    row = [admin.user_table.item(r, 0).text() for r in range(admin.user_table.rowCount())].index(
        "p.mehta"
    )
    admin.user_table.selectRow(row)
    assert admin.display_name.text()
    other = Administration(acting_as(demo_db.session_factory, "admin"))
    me = next(u for u in other.users() if u.username == "p.mehta")
    other.update_user(me.id, me.version, {"display_name": "Priya Mehta (elsewhere)"})
    admin.display_name.setText("Priya Mehta (here)")
    qtbot.mouseClick(admin.save_user_button, Qt.MouseButton.LeftButton)
    assert "changed by someone else" in admin.status.text()
    assert admin.display_name.text() == "Priya Mehta (elsewhere)"  # their version, to redo


def test_non_admins_cannot_open_administration(
    qtbot: QtBot, demo_db: Database, settings: QSettings
) -> None:
    w = _window(
        qtbot, Desk(acting_as(demo_db.session_factory, "a.okoro"), lambda: DEMO_TODAY), settings
    )
    assert not w.action("openAdministration").isEnabled()
    from correspondence.ui.collab_actions import open_admin

    assert open_admin(w) is None and w.feature(CollabFeature).admin_window is None


def test_switching_user_at_a_shared_sqlite_desk(
    qtbot: QtBot, demo_db: Database, settings: QSettings
) -> None:
    w = _window(
        qtbot, Desk(acting_as(demo_db.session_factory, "admin"), lambda: DEMO_TODAY), settings
    )
    assert "(admin)" in w.windowTitle() and w.windowTitle().endswith("demo.db")
    _menu_action(w.file_menu, "switchUser").trigger()
    dialog = w.feature(CollabFeature).switch_user_dialog
    qtbot.waitExposed(dialog)
    assert dialog.chosen() == "admin"
    assert dialog.choose("j.whitfield")
    qtbot.keyClick(dialog.users, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.desk.username == "j.whitfield")
    assert "(j.whitfield)" in w.windowTitle() and w.windowTitle().endswith("demo.db")
    assert not w.action("openAdministration").isEnabled()
    with demo_db.session_factory() as s:
        ev = s.scalars(select(Event).order_by(Event.id.desc()).limit(1)).one()
    assert (ev.action, ev.username, ev.new_value) == ("desk switched", "admin", "j.whitfield")
    # Windows opened from now on act as the new user.
    from correspondence.ui.drafting_actions import drafting_for

    assert drafting_for(w).username == "j.whitfield"


@pytest.fixture
def pg_demo(
    request: pytest.FixtureRequest, demo_template: DemoTemplate, tmp_path: Path
) -> Iterator[Database]:
    yield from open_demo_copy(request, demo_template, tmp_path)


def _map_login(db: Database, username: str, login: str = "postgres") -> None:
    """Give the demo person `username` this database login (as an admin would)."""
    with db.session_factory.begin() as s:
        s.execute(update(User).where(User.username == username).values(db_login=login))


@pytest.mark.postgres
@pytest.mark.parametrize("demo_template", ["postgresql"], indirect=True)
def test_on_postgresql_a_non_admin_cannot_switch(
    qtbot: QtBot, pg_demo: Database, settings: QSettings
) -> None:
    _map_login(pg_demo, "a.okoro")  # the test's login is an officer's
    desk = Desk(acting_unit_of_work(pg_demo, None), lambda: DEMO_TODAY)
    assert desk.username == "a.okoro"
    w = _window(qtbot, desk, settings)
    try:
        assert "(a.okoro)" in w.windowTitle()
        _menu_action(w.file_menu, "switchUser").trigger()
        box = w.feature(CollabFeature).switch_user_message
        assert box.isVisible() and "logged in as" in box.text()
        assert w.feature(CollabFeature).switch_user_dialog is None
        assert w.desk.username == "a.okoro"
        box.close()
    finally:
        w.close()
        QApplication.processEvents()


@pytest.mark.postgres
@pytest.mark.parametrize("demo_template", ["postgresql"], indirect=True)
def test_on_postgresql_an_admin_switches_to_act_on_someones_behalf(
    qtbot: QtBot, pg_demo: Database, settings: QSettings, screenshot_dir: Path
) -> None:
    _map_login(pg_demo, "admin")
    w = _window(qtbot, Desk(acting_unit_of_work(pg_demo, None), lambda: DEMO_TODAY), settings)
    try:
        _menu_action(w.file_menu, "switchUser").trigger()
        dialog = w.feature(CollabFeature).switch_user_dialog
        qtbot.waitExposed(dialog)
        dialog.grab().save(str(screenshot_dir / "switch_user_postgresql_admin.png"))
        assert dialog.choose("j.whitfield")
        qtbot.keyClick(dialog.users, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: w.desk.uow.on_behalf_of == "j.whitfield")
        # Still the admin at the keyboard, working for Jo: the title says both.
        assert w.desk.username == "admin"
        assert "(admin) for j.whitfield" in w.windowTitle()
        with pg_demo.session_factory() as s:
            ev = s.scalars(select(Event).order_by(Event.id.desc()).limit(1)).one()
        assert (ev.action, ev.username, ev.new_value) == ("desk switched", "admin", "j.whitfield")
        # And back to working for themself.
        _menu_action(w.file_menu, "switchUser").trigger()
        dialog = w.feature(CollabFeature).switch_user_dialog
        qtbot.waitExposed(dialog)
        assert dialog.chosen() == "j.whitfield" and dialog.choose("admin")
        qtbot.keyClick(dialog.users, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: w.desk.uow.on_behalf_of == "")
        assert "(admin) —" in w.windowTitle() and " for " not in w.windowTitle()
        with pg_demo.session_factory() as s:
            ev = s.scalars(select(Event).order_by(Event.id.desc()).limit(1)).one()
        assert (ev.old_value, ev.new_value, ev.on_behalf_of) == (
            "j.whitfield",
            "admin",
            "j.whitfield",
        )
    finally:
        w.close()
        QApplication.processEvents()
