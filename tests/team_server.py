"""A team's PostgreSQL server as the README sets one up, for the tests of server roles.

The demo office on a server whose owner ran `server setup`, one login per role, a person
added with `users add`, a draft in QA, one with the private office and a line version
awaiting approval. `team_template` is made once per module; `team` is a test's own copy."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from correspondence.database import Database, open_database
from correspondence.services.demo.demo import load_demo
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.people.admin import Administration
from correspondence.services.unit_of_work import UnitOfWorkFactory, acting_as
from tests import pg
from tests.conftest import DEMO_TODAY
from tests.factories import member_of_public, triaged_case

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"

OWNER = "desk_owner"
# One login per role, each given to a person of the demo office (cluster-wide names).
LOGINS = {
    "officer": ("a.okoro", "t_officer"),
    "drafter": ("p.mehta", "t_drafter"),
    "policy_lead": ("policy.lead.safeguarding", "t_lead"),
    "private_secretary": ("ps.sos", "t_ps"),
    "admin": ("admin", "t_admin"),
}
NEW_OFFICER = ("w.ashby", "t_new_officer")  # added with `users add` in the setup


def run(*argv: str, user: str | None = None) -> tuple[int, str, str]:
    """The command as a person runs it, in its own process (`user`: their own username)."""
    env = {**os.environ, **({"CORRESPONDENCE_USER": user} if user else {})}
    done = subprocess.run([EXE, *argv], capture_output=True, text=True, timeout=300, env=env)
    return done.returncode, done.stdout, done.stderr


def _case(db: Database, officer: str) -> int:
    return triaged_case(
        db,
        officer,
        today=DEMO_TODAY,
        received_on=DEMO_TODAY - dt.timedelta(days=2),
        correspondent=member_of_public("Ivo", "Brand", "Mr"),
        theme_codes=["SCR"],
        signatory_key="sos",
    )


@pytest.fixture(scope="module")
def team_template(pg_server: pg.PgServer) -> str:
    """The demo office on a server set up for a team: a draft in QA, one with the
    private office, a line version awaiting approval; a login per role."""
    pg_server.create_owner(OWNER)
    name = pg_server.create_database(pg_server.new_name("tpl_team"), owner=OWNER)
    url = pg_server.url(name, user=OWNER)
    db = open_database(url)
    load_demo(db.session_factory, today=DEMO_TODAY)
    sf = db.session_factory

    def drafting(user: str) -> Drafting:
        return Drafting(acting_as(sf, user), clock=lambda: DEMO_TODAY)

    keys = ["babyp-tragedy", "scr-quality-and-review-panels"]
    in_qa = drafting("p.mehta").create(_case(db, "a.okoro"), keys).id
    drafting("p.mehta").submit(in_qa)
    with_po = drafting("p.mehta").create(_case(db, "a.okoro"), keys).id
    drafting("p.mehta").submit(with_po)
    drafting("policy.lead.safeguarding").approve(with_po, "")
    with sf.begin() as s:
        s.connection().exec_driver_sql(
            "INSERT INTO line_versions (line_id, number, body, status, created_at, "
            "rejected_reason) SELECT line_id, number + 1, body || ' Updated.', 'submitted', "
            "now(), '' FROM line_versions WHERE status = 'approved' ORDER BY id LIMIT 1"
        )
    db.close()

    code, out, err = run("server", "setup", "--db", url)
    assert code == 0, err
    admin = Administration(UnitOfWorkFactory.connect(open_database(url).session_factory))
    for username, login in LOGINS.values():
        user = next(u for u in admin.users() if u.username == username)
        admin.update_user(user.id, user.version, {"db_login": login})
    admin.uow.engine.dispose()
    code, out, err = run(
        "users", "add", NEW_OFFICER[0], "--login", NEW_OFFICER[1], "--roles", "officer,drafter",
        "--team", "SPU", "--name", "Wren Ashby", "--db", pg_server.url(name, user="t_admin"),
    )  # fmt: skip
    assert code == 0, err
    # The CLI leaves its pooled connections (a process would exit); a template has none.
    pg_server.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )
    return name


@dataclass
class Team_:
    server: pg.PgServer
    name: str

    def url(self, login: str = OWNER) -> str:
        return self.server.url(self.name, user=login)

    def sql(self, login: str) -> psycopg.Connection:
        return self.server.connect_as(login, self.name)

    def one(self, query: str) -> object:
        with self.server.connect(self.name) as conn:
            row = conn.execute(query).fetchone()  # type: ignore[arg-type]
            return row[0] if row else None


@pytest.fixture
def team(pg_server: pg.PgServer, team_template: str) -> Iterator[Team_]:
    name = pg_server.create_database(pg_server.new_name(), template=team_template, owner=OWNER)
    yield Team_(pg_server, name)
    pg_server.release(name)
