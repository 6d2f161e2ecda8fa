"""The proof: the seed reply of 3 February 2009, drafted from the shipped library in the app,
approved, signed off and exported, reads back as the seed letter (and prints like it)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from correspondence.database import Database
from correspondence.db.models import Campaign, Case, Signatory, User, user_roles
from correspondence.documents.line_files import library_dir, read_library
from correspondence.documents.seed_reply import SEED_REPLY_LINES, seed_body_paragraphs
from correspondence.documents.word import letter_paragraph_texts
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus
from correspondence.services.actors import Role, actor_for
from correspondence.services.cases.cases import NewCase, NewConstituent, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.lines.library_files import import_library
from correspondence.services.unit_of_work import acting_as

SEED_REFERENCE = "2009/0007948POSoS"
SIGNED = dt.date(2009, 2, 3)
PEOPLE = {
    "officer.k": (Role.OFFICER,),
    "drafter.k": (Role.DRAFTER,),
    "lead.k": (Role.POLICY_LEAD, Role.DRAFTER),
    "ps.k": (Role.PRIVATE_SECRETARY,),
}


def _normalise(text: str) -> str:
    # The Word letter puts a tab after "1."; the seed's text has a space.
    return " ".join(text.replace("\t", " ").split())


def _office(db: Database) -> None:
    with db.session_factory.begin() as s:
        for name, roles in PEOPLE.items():
            user = User(username=name, display_name=name.replace(".", " ").title())
            s.add(user)
            s.flush()
            s.execute(user_roles.insert(), [{"user_id": user.id, "role": r.value} for r in roles])
        s.add(
            Signatory(
                key="sos",
                honorific="Rt Hon",
                name="Ed Balls MP",
                title="Secretary of State",
                department="department for children, schools and families",
                address="Sanctuary Buildings Great Smith Street Westminster London SW1P 3BT",
                telephone="0870 0012345",
                email="dcsf.ministers@dcsf.gsi.gov.uk",
                office_code="POSoS",
            )
        )
        import_library(s, actor_for(s, "lead.k"), read_library(library_dir()))


def build_seed_letter(db: Database, out: Path) -> Path:
    """Log Tessa Jowell's letter, draft it from SEED_REPLY_LINES, approve, sign off, export."""
    _office(db)
    clock = lambda: SIGNED  # noqa: E731
    desk = Desk(acting_as(db.session_factory, "officer.k"), clock=lambda: dt.date(2009, 2, 4))
    with db.session_factory() as s:
        sos = s.query(Signatory.id).filter_by(key="sos").scalar()
    ref = desk.log_case(
        NewCase(
            reference=SEED_REFERENCE,
            received_on=dt.date(2009, 2, 4),
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.MP,
                first_name="Tessa",
                last_name="Jowell",
                honorific="Rt Hon",
                post_nominals="MP",
                constituency="Dulwich and West Norwood",
            ),
            constituents=[
                NewConstituent("Mrs", "Nadia", "Feld", "3 Example Row\nLondon", "SE21 7ZZ"),
                NewConstituent("Mr", "Owen", "Tarrant", "9 Sample Hill\nLondon", "SE22 8ZZ"),
            ],
            summary="Forwards constituents' NSPCC campaign letters after the death of Baby P",
            theme_codes=["BABYP", "LAMING", "SCR", "SWTF", "CDR", "CARE", "LSCB", "SMACK"],
            signatory_id=sos,
            addressed_to_id=sos,
        )
    )
    case_id = desk.find_reference(ref)
    with db.session_factory.begin() as s:
        # The constituents' letters are the NSPCC's campaign; the opening line names it.
        case = s.get(Case, case_id)
        assert case is not None
        case.campaign = Campaign(name="NSPCC after Baby P", organisation="NSPCC")
    desk.move(case_id, CaseStatus.TRIAGED)

    drafter = Drafting(acting_as(db.session_factory, "drafter.k"), clock)
    view = drafter.create(case_id, SEED_REPLY_LINES)
    drafter.save(view.id, view.version, None, letter_date=SIGNED)
    drafter.submit(view.id)
    Drafting(acting_as(db.session_factory, "lead.k"), clock).approve(view.id)
    Drafting(acting_as(db.session_factory, "ps.k"), clock).sign_off(view.id, "wet")
    return Drafting(acting_as(db.session_factory, "officer.k"), clock).export(
        view.id, out, final=True
    )


def test_the_seed_reply_is_reproduced_from_the_shipped_library(
    db: Database, tmp_path: Path
) -> None:
    out = build_seed_letter(db, tmp_path / "2009-0007948POSoS.docx")
    texts = [_normalise(t) for t in letter_paragraph_texts(out)]
    expected = seed_body_paragraphs()
    assert len(expected) == 16

    # Every body paragraph of the seed, in order, with nothing between them.
    start = texts.index("Dear Tessa") + 1
    assert texts[start : start + len(expected)] == expected
    assert texts[start + len(expected) :] == ["Yours sincerely", "ED BALLS MP"]
    assert texts[:start] == [
        "Rt Hon Ed Balls MP",
        "Secretary of State",
        "Sanctuary Buildings Great Smith Street Westminster London SW1P 3BT",
        "tel: 0870 0012345 dcsf.ministers@dcsf.gsi.gov.uk",
        SEED_REFERENCE,
        "Rt Hon Tessa Jowell MP",
        "House of Commons",
        "London",
        "SW1A 0AA",
        "3 February 2009",
        "Dear Tessa",
    ]


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_seed_letter_prints_like_the_seed(
    db: Database, tmp_path: Path, screenshot_dir: Path
) -> None:
    out = build_seed_letter(db, tmp_path / "2009-0007948POSoS.docx")
    profile = (tmp_path / "profile").as_uri()
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = tmp_path / "2009-0007948POSoS.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    for paragraph in seed_body_paragraphs():
        assert paragraph[:60] in flat
    assert "DRAFT" not in text
    for words in ("Dear Tessa", "Yours sincerely", "ED BALLS MP", "3 February 2009"):
        assert words in flat
    pages = len(re.findall("\f", text)) + (0 if text.endswith("\f") else 1)
    assert 2 <= pages <= 4, "the seed letter runs to three pages"
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(screenshot_dir / "seed_letter_page"),
            ],
            check=True,
            timeout=60,
        )
