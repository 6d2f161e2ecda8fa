"""A team's PostgreSQL server enforces the roles itself (issue 12).

Set up as the README says: a superuser makes the owner (CREATEROLE), the owner runs
`server setup`, an admin adds people with `users add`. Then, for every role, a login
without it tries each act that role is for, through the CLI and through a raw SQL
connection as anyone with psql would: each is refused with a clear message and nothing
changes. Events are insert-only and name the login that wrote them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from alembic import command
from sqlalchemy import select

from correspondence.database import open_database
from correspondence.db import migrate
from correspondence.db.models import User
from correspondence.db.session import make_engine
from correspondence.domain.states import CaseStatus
from correspondence.services import events
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import UnitOfWorkFactory
from tests import pg, team_server
from tests.conftest import DEMO_TODAY
from tests.team_server import LOGINS, NEW_OFFICER, OWNER, Team_, run

pytestmark = pytest.mark.postgres
# The team's server (tests/team_server.py), as this module's fixtures.
team_template, team = team_server.team_template, team_server.team


def _holds(login: str, role: str) -> bool:
    roles = {"t_lead": {"policy_lead", "drafter"}}.get(login, set())
    return role in roles


# --- raw SQL, as anyone with psql --------------------------------------------------------

SNAPSHOT = "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t"


@dataclass(frozen=True)
class Act:
    name: str
    role: str  # the role it needs ("admin": only an admin)
    table: str  # what must not change
    sql: Callable[[Team_], str]


def _draft(team: Team_, status: str) -> int:
    return int(team.one(f"SELECT id FROM drafts WHERE status = '{status}' ORDER BY id DESC"))


def _line(team: Team_, status: str) -> int:
    return int(team.one(f"SELECT id FROM line_versions WHERE status = '{status}' ORDER BY id"))


def _user(team: Team_, username: str) -> int:
    return int(team.one(f"SELECT id FROM users WHERE username = '{username}'"))


ACTS = [
    Act("QA-approve a draft", "policy_lead", "drafts",
        lambda t: f"UPDATE drafts SET status = 'with_private_office' "
        f"WHERE id = {_draft(t, 'in_qa')}"),
    Act("QA-approve a case", "policy_lead", "cases",
        lambda t: "UPDATE cases SET status = 'with_private_office' WHERE status = 'in_qa'"),
    Act("record a QA approval in a lead's name", "policy_lead", "drafts",
        lambda t: f"UPDATE drafts SET qa_by_id = {_user(t, 'policy.lead.safeguarding')} "
        f"WHERE id = {_draft(t, 'in_qa')}"),
    Act("sign off a draft", "private_secretary", "drafts",
        lambda t: f"UPDATE drafts SET status = 'signed_off', signature_method = 'wet', "
        f"signed_off_by_id = {_user(t, 'ps.sos')} WHERE id = {_draft(t, 'with_private_office')}"),
    Act("sign off a case", "private_secretary", "cases",
        lambda t: "UPDATE cases SET status = 'signed_off', signature_method = 'wet' "
        "WHERE status = 'with_private_office'"),
    Act("approve a line version", "policy_lead", "line_versions",
        lambda t: "UPDATE line_versions SET status = 'approved' "
        f"WHERE id = {_line(t, 'submitted')}"),
    Act("retire a line version", "policy_lead", "line_versions",
        lambda t: "UPDATE line_versions SET status = 'retired' "
        f"WHERE id = {_line(t, 'approved')}"),
    Act("insert an approved line version", "policy_lead", "line_versions",
        lambda t: "INSERT INTO line_versions (line_id, number, body, status, created_at, "
        "rejected_reason) SELECT line_id, 99, 'Mine.', 'approved', now(), '' FROM line_versions "
        "ORDER BY id LIMIT 1"),
    Act("give themselves the admin role", "admin", "user_roles",
        lambda t: "INSERT INTO user_roles (user_id, role) SELECT id, 'admin' FROM users "
        "WHERE db_login = current_user"),
    Act("change a user", "admin", "users",
        lambda t: "UPDATE users SET active = false WHERE username = 'admin'"),
    Act("rename a team", "admin", "teams", lambda t: "UPDATE teams SET name = 'Ours'"),
    Act("grant a server role", "admin", "user_roles",
        lambda t: "SELECT desk_set_roles(current_user::text, ARRAY['admin'])"),
    Act("create a login", "admin", "users", lambda t: "SELECT desk_create_login('t_evil', NULL)"),
]  # fmt: skip


@pytest.mark.parametrize("act", ACTS, ids=lambda a: a.name.replace(" ", "-"))
def test_a_login_without_the_role_is_refused_by_the_server(team: Team_, act: Act) -> None:
    before = team.one(SNAPSHOT.format(table=act.table))
    tried = 0
    for role, (_, login) in LOGINS.items():
        if role in (act.role, "admin") or _holds(login, act.role):
            continue
        with team.sql(login) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
            conn.execute(act.sql(team))  # type: ignore[arg-type]
        message = str(err.value)
        assert "refused by the database" in message or "permission denied" in message
        tried += 1
    assert tried >= 3
    assert team.one(SNAPSHOT.format(table=act.table)) == before


def test_the_role_holder_may_do_it(team: Team_) -> None:
    """The checks are not a wall: the right login gets through, in its own name."""
    lead = _user(team, "policy.lead.safeguarding")
    with team.sql("t_lead") as conn:
        conn.execute(
            f"UPDATE drafts SET status = 'with_private_office', qa_by_id = {lead} "  # type: ignore[arg-type]
            f"WHERE id = {_draft(team, 'in_qa')}"
        )
        conn.execute(
            f"UPDATE line_versions SET status = 'approved' WHERE id = {_line(team, 'submitted')}"
        )  # type: ignore[arg-type]
    assert team.one("SELECT count(*) FROM drafts WHERE status = 'in_qa'") == 0


def test_nobody_may_name_another_person_in_their_own_act(team: Team_) -> None:
    ps = _user(team, "ps.sos")
    with team.sql("t_lead") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(
            f"UPDATE drafts SET status = 'with_private_office', qa_by_id = {ps} "  # type: ignore[arg-type]
            f"WHERE id = {_draft(team, 'in_qa')}"
        )


EVENT = (
    "INSERT INTO events (entity, action, field, old_value, new_value, reason{cols}) "
    "VALUES ('case', 'signed off', '', '', '', ''{vals})"
)


@pytest.mark.parametrize(
    ("what", "cols", "vals"),
    [
        ("another person's name", ", username", ", 'w.ashby'"),
        ("another person's id", ", user_id", ", (SELECT id FROM users WHERE username = 'w.ashby')"),
        ("a chosen hash", ", hash", ", repeat('a', 64)"),
        ("a chosen predecessor", ", prev_hash", ", repeat('b', 64)"),
        ("someone they act for", ", on_behalf_of", ", 'w.ashby'"),
    ],
)
def test_an_event_cannot_be_written_in_another_name_or_with_a_chosen_hash(
    team: Team_, what: str, cols: str, vals: str
) -> None:
    count = team.one("SELECT count(*) FROM events")
    for role, (_, login) in LOGINS.items():
        if role == "admin" and what == "someone they act for":
            continue
        with team.sql(login) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
            conn.execute(EVENT.format(cols=cols, vals=vals))  # type: ignore[arg-type]
        assert "refused by the database" in str(err.value)
    assert team.one("SELECT count(*) FROM events") == count


def test_the_server_stamps_who_when_and_the_chain(team: Team_) -> None:
    with team.sql("t_officer") as conn:
        conn.execute(
            EVENT.format(cols=", at, id", vals=", '2001-01-01', 1")  # type: ignore[arg-type]
        )
        row = conn.execute(
            "SELECT id, username, user_id, at FROM events ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert row is not None
    assert row[1] == "a.okoro" and row[2] == _user(team, "a.okoro")
    assert row[0] != 1 and row[3] > dt.datetime(2026, 1, 1)
    code, out, _ = run("audit", "verify", "--db", team.url())
    assert code == 0 and out.startswith("intact")


@pytest.mark.parametrize("statement", ["UPDATE events SET reason = 'x'", "DELETE FROM events",
                                       "TRUNCATE events"])  # fmt: skip
def test_no_login_may_edit_or_delete_events(team: Team_, statement: str) -> None:
    count = team.one("SELECT count(*) FROM events")
    for _, login in LOGINS.values():
        with team.sql(login) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)  # type: ignore[arg-type]
    assert team.one("SELECT count(*) FROM events") == count


# --- the CLI -----------------------------------------------------------------------------


def _ref(team: Team_, status: str) -> str:
    return str(
        team.one(
            "SELECT c.reference FROM drafts d JOIN cases c ON c.id = d.case_id "
            f"WHERE d.status = '{status}' ORDER BY d.id DESC"
        )
    )


@pytest.mark.parametrize(
    ("role", "argv"),
    [
        ("policy_lead", lambda t: ["draft", "approve", _ref(t, "in_qa")]),
        ("private_secretary",
         lambda t: ["draft", "signoff", _ref(t, "with_private_office"), "--method", "wet"]),
        ("admin", lambda t: ["users", "add", "z.evil", "--login", "t_evil", "--roles", "admin"]),
        ("admin", lambda t: ["users", "disable", "admin"]),
        ("admin", lambda t: ["users", "list", "--json"]),
    ],
    ids=["approve", "signoff", "users-add", "users-disable", "users-list"],
)  # fmt: skip
def test_the_cli_refuses_a_login_without_the_role(
    team: Team_, role: str, argv: Callable[[Team_], list[str]]
) -> None:
    before = [team.one(SNAPSHOT.format(table=t)) for t in ("drafts", "cases", "users")]
    events_before = team.one("SELECT count(*) FROM events")
    for r, (_, login) in LOGINS.items():
        if r in (role, "admin") or _holds(login, role):
            continue
        code, _, err = run(*argv(team), "--db", team.url(login))
        assert code == 1
        # Refused by the client or, where it lets the act through, by the server.
        assert "error:" in err and ("may not" in err or "needs the" in err), err
        assert "Traceback" not in err
    assert [team.one(SNAPSHOT.format(table=t)) for t in ("drafts", "cases", "users")] == before
    assert team.one("SELECT count(*) FROM events") == events_before
    assert team.one("SELECT count(*) FROM pg_roles WHERE rolname = 't_evil'") == 0


def test_an_officers_login_does_an_officers_whole_day(team: Team_, tmp_path: Path) -> None:
    url = team.url(NEW_OFFICER[1])
    letter = tmp_path / "letter.eml"
    letter.write_text(
        "From: Tess Ogilvie <tess@example.org>\nTo: ministers@example.gov.uk\n"
        "Subject: Serious case reviews\nDate: Fri, 20 Nov 2026 09:00:00 +0000\n"
        "Message-ID: <sc-1@example.org>\n\nDear Minister,\n\nPlease publish the reviews.\n\n"
        "Tess Ogilvie\n"
    )
    me = NEW_OFFICER[0]
    code, out, err = run("cases", "list", "--limit", "5", "--db", url, user=me)
    assert code == 0, err
    code, out, err = run("import", str(letter), "--json", "--db", url, user=me)
    assert code == 0, (out, err)
    ref = str(team.one("SELECT reference FROM cases ORDER BY id DESC"))
    # The import's batched search refresh ran under the officer's own login.
    assert (
        team.one(
            "SELECT count(*) FROM case_search WHERE case_id = (SELECT max(id) FROM cases) "
            "AND document @@ to_tsquery('english', 'ogilvie')"
        )
        == 1
    )
    database = open_database(url)
    try:
        desk = Desk(UnitOfWorkFactory.connect(database.session_factory), clock=lambda: DEMO_TODAY)
        case_id = desk.find_reference(ref)
        shown = desk.move(case_id, CaseStatus.TRIAGED)
        # The pane the move shows is the one opened after it: the server stamped its event
        # with the transaction's clock, which the move read with the case.
        assert shown == desk.detail(case_id) and shown.history[-1].username == me
    finally:
        database.close()
    code, out, err = run("draft", ref, "--lines", "babyp-tragedy", "--db", url, user=me)
    assert code == 0, err
    who = team.one(
        f"SELECT string_agg(DISTINCT username, ',') FROM events WHERE case_id = "
        f"(SELECT id FROM cases WHERE reference = '{ref}')"
    )
    assert who == NEW_OFFICER[0]


def test_an_officers_login_answers_a_campaign_members_own_words(team: Team_) -> None:
    """The paragraphs of migration 0011 are a working table: an officer's login writes one and
    takes a letter out, on a server set up at this version and on one set up before it."""
    url = team.url(LOGINS["officer"][1])
    member = (
        "SELECT reference FROM cases WHERE campaign_id = "
        "(SELECT id FROM campaigns WHERE organisation = 'NSPCC') "
        "AND reference <> '2009/0007948POSoS' ORDER BY reference LIMIT 1"
    )
    ref = str(team.one(member))
    code, _, err = run("campaigns", "paragraph", ref, "Officials will call you.", "--db", url)
    assert code == 0, err

    # The owner upgrades to this version without running `server setup` again.
    engine = make_engine(team.url())
    try:
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0010")  # before campaign_additions (0011)
        assert team.one("SELECT to_regclass('campaign_additions')") is None
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    code, _, err = run("campaigns", "paragraph", ref, "We will write again.", "--db", url)
    assert code == 0, err
    assert (
        team.one(
            "SELECT u.username || ': ' || a.text FROM campaign_additions a "
            "JOIN users u ON u.id = a.written_by_id"
        )
        == "a.okoro: We will write again."
    )
    code, out, err = run("campaigns", "take-out", ref, "--db", url)
    assert code == 0, err
    assert "answered on its own" in out
    assert team.one("SELECT count(*) FROM campaign_additions") == 0
    assert team.one(f"SELECT campaign_id FROM cases WHERE reference = '{ref}'") is None


def test_users_disable_locks_the_login_out_and_ends_its_connections(team: Team_) -> None:
    open_conn = team.sql("t_drafter")
    code, out, err = run("users", "disable", "p.mehta", "--db", team.url("t_admin"))
    assert code == 0, err
    assert "Ended 1 open connection" in out
    with pytest.raises(psycopg.OperationalError):
        open_conn.execute("SELECT 1")
    open_conn.close()
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        team.sql("t_drafter")
    code, out, _ = run("users", "list", "--json", "--db", team.url("t_admin"))
    assert '"login_enabled": false' in out
    database = open_database(team.url("t_admin"))
    try:
        with database.session_factory() as s:
            user = s.scalar(select(User).where(User.username == "p.mehta"))
            assert user is not None and not user.active
    finally:
        database.close()


def test_server_setup_runs_again_after_an_upgrade(team: Team_) -> None:
    code, out, err = run("server", "setup", "--db", team.url())
    assert code == 0, err
    assert "(current)" in out and "created none" in out
    with team.sql("t_officer") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE teams SET name = 'x'")


def test_server_setup_needs_the_owner(team: Team_) -> None:
    code, _, err = run("server", "setup", "--db", team.url("t_admin"))
    assert code == 1 and "run it as the database owner" in err


# --- checkpoints against an attacker with full rights -------------------------------------


def _as_superuser(team: Team_, *statements: str) -> None:
    with team.server.connect(team.name) as conn:
        conn.execute("ALTER TABLE events DISABLE TRIGGER USER")
        for st in statements:
            conn.execute(st)  # type: ignore[arg-type]
        conn.execute("ALTER TABLE events ENABLE TRIGGER USER")


def test_a_cut_tail_is_caught_against_a_checkpoint(team: Team_, tmp_path: Path) -> None:
    cp = tmp_path / "head.json"
    assert run("audit", "checkpoint", "--out", str(cp), "--db", team.url("t_officer"))[0] == 0
    _as_superuser(team, "DELETE FROM events WHERE id IN "
                        "(SELECT id FROM events ORDER BY id DESC LIMIT 50)")  # fmt: skip
    code, out, _ = run("audit", "verify", "--db", team.url())
    assert code == 0  # the chain alone cannot see it
    code, out, _ = run("audit", "verify", "--against", str(cp), "--db", team.url())
    assert code == 1 and "events deleted from the tail" in out


def test_a_changed_user_id_is_caught_even_with_the_chain_recomputed(
    team: Team_, tmp_path: Path
) -> None:
    cp = tmp_path / "head.json"
    assert run("audit", "checkpoint", "--out", str(cp), "--db", team.url())[0] == 0
    victim = int(team.one("SELECT max(id) - 5 FROM events"))
    _as_superuser(team, f"UPDATE events SET user_id = {_user(team, 'ps.sos')} WHERE id = {victim}")
    code, out, _ = run("audit", "verify", "--db", team.url())
    assert code == 1 and f"#{victim}" in out  # the hash covers the user id
    # Now as an attacker who also recomputes the chain from there on.
    database = open_database(team.url())
    try:
        with database.session_factory() as s:
            rows = [(e.id, e) for e in events.walk(s) if e.id >= victim]
            prev = str(team.one(f"SELECT hash FROM events WHERE id < {victim} ORDER BY id DESC"))
            fixes = []
            for eid, ev in rows:
                h = events.expected_hash(ev, prev, events.v2_after(s))
                fixes.append(
                    f"UPDATE events SET prev_hash = '{prev}', hash = '{h}' WHERE id = {eid}"
                )
                prev = h
    finally:
        database.close()
    _as_superuser(team, *fixes)
    assert run("audit", "verify", "--db", team.url())[0] == 0  # intact in itself
    code, out, _ = run("audit", "verify", "--against", str(cp), "--db", team.url())
    assert code == 1 and "recomputed since the checkpoint" in out


def test_an_older_team_setup_loses_its_whole_table_grants(pg_server: pg.PgServer) -> None:
    """Earlier releases' README gave a `desk_users` group every right on every table;
    `server setup` takes that back so only the group roles' least grants remain."""
    pg_server.create_owner(OWNER)
    name = pg_server.create_database(pg_server.new_name(), owner=OWNER)
    try:
        open_database(pg_server.url(name, user=OWNER)).close()
        with pg_server.connect() as conn:
            for stmt in (
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 't_old_team')"
                " THEN CREATE ROLE t_old_team NOLOGIN; CREATE ROLE t_old_bob LOGIN IN ROLE "
                "t_old_team; END IF; END $$",
            ):
                conn.execute(stmt)  # type: ignore[arg-type]
        with pg_server.connect_as(OWNER, name) as conn:
            conn.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                         "TO t_old_team")  # fmt: skip
            conn.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, "
                         "UPDATE, DELETE ON TABLES TO t_old_team")  # fmt: skip
            conn.execute("INSERT INTO users (username, display_name, email, db_login, active, "
                         "version, updated_at) VALUES ('b.old', 'Bob Old', '', 't_old_bob', true, "
                         "1, now())")  # fmt: skip
            conn.execute("INSERT INTO user_roles SELECT id, 'officer' FROM users "
                         "WHERE username = 'b.old'")  # fmt: skip
        code, out, err = run("server", "setup", "--db", pg_server.url(name, user=OWNER))
        assert code == 0, err
        assert "taken back from t_old_team" in out
        assert "group roles renewed for t_old_bob" in out
        with pg_server.connect_as("t_old_bob", name) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("UPDATE users SET active = false")
            # Still an officer, through desk_officer now.
            conn.execute(EVENT.format(cols="", vals=""))  # type: ignore[arg-type]
            row = conn.execute("SELECT username FROM events ORDER BY id DESC").fetchone()
            assert row is not None and row[0] == "b.old"
    finally:
        pg_server.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        pg_server.release(name)
