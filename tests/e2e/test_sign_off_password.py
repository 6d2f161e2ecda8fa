"""Signing off asks for the password again where the server checks passwords, so an
unlocked desk cannot sign for the minister; where it does not (trust, certificates,
Kerberos) it goes on. Run against the throwaway cluster with one login set to
scram-sha-256 on loopback TCP."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select, update

from correspondence.database import Database, open_database
from correspondence.db.models import Case, Draft, User
from correspondence.domain.states import DraftStatus
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.errors import PasswordRefused
from correspondence.services.unit_of_work import UnitOfWorkFactory, acting_as
from tests.conftest import DemoTemplate, open_demo_copy
from tests.pg import PgServer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_template", ["postgresql"], indirect=True),
]

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"
SECRET = "Mark's own 7 words"


@dataclass
class Office:
    db: Database
    with_password: str  # ps.sos's login URL, password included (the desk is logged in)
    without: str  # ps.mos's login URL on a trusting connection
    reference: str  # a case whose reply is with the private office
    draft_id: int


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
            for username, login in (("ps.sos", "sos_login"), ("ps.mos", "mos_login")):
                s.execute(update(User).where(User.username == username).values(db_login=login))
            case_id, reference = s.execute(
                select(Case.id, Case.reference).where(Case.status == "triaged").limit(1)
            ).one()
        # A reply taken through drafting and QA, now waiting for the private office.
        drafter = Drafting(acting_as(db.session_factory, "p.mehta"))
        draft_id = drafter.create(case_id, ["holding-reply"]).id
        drafter.submit(draft_id)
        Drafting(acting_as(db.session_factory, "policy.lead.safeguarding")).approve(draft_id)
        without = pg_server.create_login("mos_login", dbname)
        url = pg_server.create_login("sos_login", dbname)
        assert pg_server.require_password("sos_login", dbname, SECRET) == url
        logged_in = url.replace("sos_login@", f"sos_login:{quote(SECRET, safe='')}@")
        yield Office(db, logged_in, without, reference, draft_id)


def _status(office: Office) -> str:
    with office.db.session_factory() as s:
        return s.scalar(select(Draft.status).where(Draft.id == office.draft_id)) or ""


def test_signing_off_needs_the_password_typed_again(office: Office) -> None:
    db = open_database(office.with_password)
    try:
        drafting = Drafting(UnitOfWorkFactory.connect(db.session_factory))
        assert drafting.username == "ps.sos" and drafting.sign_off_needs_password()
        with pytest.raises(PasswordRefused, match="asks for the password"):
            drafting.sign_off(office.draft_id, "wet")
        with pytest.raises(PasswordRefused, match="was not accepted"):
            drafting.sign_off(office.draft_id, "wet", password="a guess")
        assert _status(office) == DraftStatus.WITH_PRIVATE_OFFICE.value
        view = drafting.sign_off(office.draft_id, "wet", password=SECRET)
        assert view.status is DraftStatus.SIGNED_OFF
    finally:
        db.close()


def test_where_the_server_uses_no_passwords_signing_off_goes_on(office: Office) -> None:
    db = open_database(office.without)
    try:
        drafting = Drafting(UnitOfWorkFactory.connect(db.session_factory))
        assert drafting.username == "ps.mos" and not drafting.sign_off_needs_password()
        assert drafting.sign_off(office.draft_id, "digital").status is DraftStatus.SIGNED_OFF
    finally:
        db.close()


def _signoff(office: Office, *extra: str, stdin: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, "draft", "signoff", office.reference, "--method", "wet", *extra],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CORRESPONDENCE_DB": office.with_password},
    )


def test_the_command_line_reads_the_password_from_stdin(office: Office) -> None:
    # Not at a terminal and no --password-stdin: told how, nothing signed.
    done = _signoff(office, stdin="")
    assert done.returncode == 1 and "--password-stdin" in done.stderr
    done = _signoff(office, "--password-stdin", stdin="wrong\n")
    assert done.returncode == 1 and "was not accepted" in done.stderr
    assert _status(office) == DraftStatus.WITH_PRIVATE_OFFICE.value
    done = _signoff(office, "--password-stdin", stdin=SECRET + "\n")
    assert done.returncode == 0, done.stderr
    assert "signed off" in done.stdout and _status(office) == DraftStatus.SIGNED_OFF.value
