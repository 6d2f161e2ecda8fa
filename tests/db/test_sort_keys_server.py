"""The sort keys (migration 0014) on a server that enforces the roles (migration 0008).

Their triggers run as whoever writes: an officer's login assigning a case or renaming a
correspondent, and an admin's login renaming a team, must work and keep the list's order.
"""

from __future__ import annotations

import pytest

from correspondence.database import open_database
from correspondence.services.cases.case_list import CaseFilter, SortKey
from correspondence.services.desk import Desk
from correspondence.services.people.admin import Administration
from correspondence.services.triage.triage import Triage, TriageDecision
from correspondence.services.unit_of_work import UnitOfWorkFactory
from tests import team_server
from tests.conftest import DEMO_TODAY
from tests.team_server import Team_

pytestmark = pytest.mark.postgres
team_template, team = team_server.team_template, team_server.team


def test_an_officer_and_an_admin_keep_the_sort_keys_through_their_own_logins(
    team: Team_,
) -> None:
    case_id = int(team.one("SELECT id FROM cases WHERE status = 'logged' ORDER BY id"))
    other_team = int(
        team.one(
            f"SELECT id FROM teams WHERE id IS DISTINCT FROM "
            f"(SELECT team_id FROM cases WHERE id = {case_id}) ORDER BY id"
        )
    )
    officer = open_database(team.url("t_officer"))
    try:
        uow = UnitOfWorkFactory.connect(officer.session_factory)
        Triage(uow, clock=lambda: DEMO_TODAY).apply(
            case_id, TriageDecision(team_id=other_team), finish=False
        )
        name = team.one(f"SELECT lower(name) FROM teams WHERE id = {other_team}")
        assert team.one(f"SELECT team_sort FROM cases WHERE id = {case_id}") == name
    finally:
        officer.close()
    # Anyone with psql and an officer's login may correct a correspondent's name.
    who = int(team.one(f"SELECT correspondent_id FROM cases WHERE id = {case_id}"))
    with team.sql("t_officer") as conn:
        conn.execute(f"UPDATE correspondents SET display_name = 'Aaron Aardvark' WHERE id = {who}")
    assert team.one(f"SELECT correspondent_sort FROM cases WHERE id = {case_id}") == (
        "aaron aardvark"
    )

    admin = open_database(team.url("t_admin"))
    try:
        uow = UnitOfWorkFactory.connect(admin.session_factory)
        administration = Administration(uow)
        version = next(t.version for t in administration.teams() if t.id == other_team)
        administration.update_team(other_team, version, {"name": "AAA first team"})
        desk = Desk(uow, clock=lambda: DEMO_TODAY)
        first = desk.list_page(CaseFilter(), sort=SortKey.TEAM, descending=False).rows
        teams = [r.team for r in first if r.team]
        assert teams[0] == "AAA first team"
        assert case_id in [r.id for r in first]
    finally:
        admin.close()
    stale = team.one(
        "SELECT count(*) FROM cases c LEFT JOIN teams t ON t.id = c.team_id "
        "WHERE c.team_sort <> coalesce(lower(t.name), '')"
    )
    assert stale == 0
