"""One rule for who is acting, applied by every subcommand that acts, on a shared PostgreSQL
database: `--user` naming someone else is refused for an ordinary login; an admin's login
acts on that person's behalf and the history names both; a login the office has not added
is told to ask an administrator."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, update

from correspondence import cli
from correspondence.database import Database
from correspondence.db.models import Case, Draft, Event, User
from correspondence.documents.line_files import library_dir
from tests.conftest import DemoTemplate, open_demo_copy
from tests.pg import PgServer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_template", ["postgresql"], indirect=True),
]

SOMEONE = "p.mehta"  # a drafter in the demo office


@dataclass
class Office:
    db: Database
    officer: str  # URL of a.okoro's login
    admin: str  # URL of the demo admin's login
    stranger: str  # URL of a login nobody added
    triaged: str  # a case reference a draft can be made for
    signed: str  # a case with a signed-off reply


@pytest.fixture
def office(
    request: pytest.FixtureRequest,
    demo_template: DemoTemplate,
    tmp_path: Path,
    pg_server: PgServer,
) -> Iterator[Office]:
    for db in open_demo_copy(request, demo_template, tmp_path):
        dbname = db.url.rsplit("/", 1)[1]
        with db.session_factory.begin() as s:
            for username, login in (("a.okoro", "okoro_login"), ("admin", "admin_login")):
                s.execute(update(User).where(User.username == username).values(db_login=login))
            triaged = s.scalar(select(Case.reference).where(Case.status == "triaged").limit(1))
            signed = s.scalar(
                select(Case.reference)
                .join(Draft, Draft.case_id == Case.id)
                .where(Draft.status == "signed_off")
                .limit(1)
            )
        assert triaged and signed
        yield Office(
            db,
            pg_server.create_login("okoro_login", dbname),
            pg_server.create_login("admin_login", dbname),
            pg_server.create_login("stranger_login", dbname),
            triaged,
            signed,
        )


def _commands(office: Office, tmp_path: Path) -> dict[str, list[str]]:
    """One command per subcommand that acts, each with its own inputs."""
    letter = tmp_path / "letter.txt"
    letter.write_text("Dear Minister,\n\nAbout my school.\n\nYours, Ivy Example\n", "utf-8")
    lines = tmp_path / "lines"
    lines.mkdir(exist_ok=True)
    shutil.copy(library_dir() / "holding-reply.txt", lines)
    text = (lines / "holding-reply.txt").read_text(encoding="utf-8")
    (lines / "holding-reply.txt").write_text(text.replace("version: 1", "version: 7"), "utf-8")
    return {
        "cases": ["cases", "list", "--limit", "3"],
        "draft": ["draft", office.triaged, "--lines", "holding-reply"],
        "lines": ["lines", "import", str(lines)],
        "campaigns": ["campaigns", "list"],
        "import": ["import", str(letter)],
        "export": ["export", office.signed, "--out", str(tmp_path)],
        "report": ["report", "--json"],
        "history": ["history", office.signed],
        "themes": ["themes", "suggest", str(letter)],
    }


def _run(argv: list[str], url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main([*argv, "--db", url])
    return code, capsys.readouterr().err


def test_an_ordinary_login_cannot_act_as_someone_else(
    office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with office.db.session_factory() as s:
        before = s.scalar(select(Event.id).order_by(Event.id.desc()).limit(1)) or 0
    for name, argv in _commands(office, tmp_path).items():
        code, err = _run([*argv, "--user", SOMEONE], office.officer, capsys)
        assert code == 1, name
        assert "only an admin may act on behalf of 'p.mehta'" in err, (name, err)
    with office.db.session_factory() as s:
        assert s.scalar(select(Event.id).where(Event.id > before)) is None  # nothing changed


def test_a_login_nobody_added_is_refused_everywhere(
    office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, argv in _commands(office, tmp_path).items():
        code, err = _run(argv, office.stranger, capsys)
        assert code == 1, name
        assert "'stranger_login' is not a user" in err and "ask an administrator" in err, name
    with office.db.session_factory() as s:
        assert s.scalar(select(User.id).where(User.username == "stranger_login")) is None


def test_an_admin_acts_on_someones_behalf_and_the_history_names_both(
    office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with office.db.session_factory() as s:
        before = s.scalar(select(Event.id).order_by(Event.id.desc()).limit(1)) or 0
    for name, argv in _commands(office, tmp_path).items():
        code, err = _run([*argv, "--user", SOMEONE], office.admin, capsys)
        assert code == 0, (name, err)
    with office.db.session_factory() as s:
        written = s.execute(
            select(Event.entity, Event.action, Event.username, Event.on_behalf_of).where(
                Event.id > before
            )
        ).all()
    # The draft, the imported line and the logged letter were all recorded...
    acts = {(entity, action) for entity, action, _, _ in written}
    assert {("draft", "draft created"), ("line", "imported"), ("case", "logged")} <= acts, acts
    # ...each as done by the admin, for the person named.
    assert {(u, b) for _, _, u, b in written} == {("admin", SOMEONE)}


def test_an_ordinary_login_works_as_itself(
    office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commands = _commands(office, tmp_path)
    for name in ("cases", "import", "export", "report", "history", "themes", "campaigns"):
        code, err = _run(commands[name], office.officer, capsys)
        assert code == 0, (name, err)
        # Naming yourself is no request to act for anyone.
        code, err = _run([*commands["cases"], "--user", "a.okoro"], office.officer, capsys)
        assert code == 0, err
    with office.db.session_factory() as s:
        logged = s.execute(
            select(Event.username, Event.on_behalf_of)
            .where(Event.action == "logged")
            .order_by(Event.id.desc())
            .limit(1)
        ).one()
    assert tuple(logged) == ("a.okoro", "")
