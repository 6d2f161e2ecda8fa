"""Importing files and logging letters by hand, on a real migrated database."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from correspondence.database import Database
from correspondence.db.models import Case, Correspondent, Document, Theme, case_themes
from correspondence.domain.salutations import CorrespondentKind
from correspondence.services.cases.cases import NewConstituent, NewCorrespondent
from correspondence.services.errors import ValidationError
from correspondence.services.events import verify_chain
from correspondence.services.intake import intake_hooks
from correspondence.services.intake.intake import Intake
from correspondence.services.intake.log_letter import LetterForm
from correspondence.services.triage import theme_suggest
from correspondence.services.unit_of_work import acting_as

MAIL = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
TODAY = dt.date(2026, 11, 23)
BAD = {"malformed.eml", "corrupt.docx", "corrupt.pdf", "picture.png", "make_fixtures.py"}


@pytest.fixture
def intake(db: Database) -> Intake:
    return Intake(acting_as(db.session_factory, "officer.one"), clock=lambda: TODAY)


@pytest.fixture
def mailbag(tmp_path: Path) -> Path:
    """A folder of every fixture, with the good ones in a subfolder to prove recursion."""
    folder = tmp_path / "mailbag"
    (folder / "nested").mkdir(parents=True)
    for f in MAIL.iterdir():
        target = folder / ("nested" if f.suffix in (".docx", ".pdf") else "") / f.name
        shutil.copy(f, target)
    return folder


def _case(db: Database, reference: str) -> Case:
    with db.session_factory() as s:
        case = s.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        _ = case.documents, case.correspondent, case.themes, case.constituents
        return case


def test_a_folder_with_bad_files_logs_the_good_and_lists_the_bad(
    intake: Intake, mailbag: Path, db: Database
) -> None:
    seen: list[tuple[int, int]] = []
    result = intake.import_paths([mailbag], progress=lambda d, t, _p: seen.append((d, t)))
    good = {p.name for p in MAIL.iterdir()} - BAD
    assert {Path(c.path).name for c in result.imported} == good
    reasons = {Path(f.path).name: f.error for f in result.failed}
    assert set(reasons) == BAD
    assert "not a valid email" in reasons["malformed.eml"]
    assert "Word document" in reasons["corrupt.docx"]
    assert "corrupt PDF" in reasons["corrupt.pdf"]
    assert "picture.png: page 1 could not be read" in reasons["picture.png"]  # a broken scan
    assert seen[-1] == (len(good) + len(BAD), len(good) + len(BAD))
    with db.session_factory() as s:
        assert s.scalar(select(func.count(Case.id))) == len(good)
        assert verify_chain(s) is None  # batch-written events keep the hash chain intact


def test_each_format_becomes_a_case_with_its_original_bytes(intake: Intake, db: Database) -> None:
    result = intake.import_paths(sorted(MAIL.glob("*")))
    by_name = {Path(c.path).name: c for c in result.imported}

    mail = _case(db, by_name["base64_attachments.eml"].reference)
    assert mail.channel == "email" and mail.received_on == dt.date(2009, 1, 21)
    assert mail.correspondent.kind == "mp"
    assert mail.correspondent.display_name == "Rt Hon Tessa Jowell MP"
    original = next(d for d in mail.documents if d.role == "original")
    raw = (MAIL / "base64_attachments.eml").read_bytes()
    assert original.sha256 == hashlib.sha256(raw).hexdigest() and original.size == len(raw)
    attachments = [d for d in mail.documents if d.role == "attachment"]
    assert [d.filename for d in attachments] == [
        "constituent letter.docx",
        "nspcc briefing.pdf",
        "constituents.txt",
    ]
    assert all(d.parent_id == original.id for d in attachments)
    assert "[Attachment: constituent letter.docx]" in mail.letter_text

    letter = _case(db, by_name["letter.docx"].reference)
    assert letter.channel == "post"
    assert letter.received_on == dt.date(2009, 2, 3)  # "3 February 2009" in the letter
    assert letter.correspondent.display_name == "Margaret Pellow"
    assert letter.correspondent.postcode == "BN7 2QT"

    latin = _case(db, by_name["latin1_qp.eml"].reference)
    assert latin.summary == "Smacking – a parent’s view"
    assert latin.correspondent.email == "jose.ferreira@example.net"

    scanned = _case(db, by_name["scanned.pdf"].reference)
    assert "needs text" in scanned.summary
    assert scanned.documents[0].needs_text and by_name["scanned.pdf"].needs_text
    assert scanned.received_on <= TODAY

    template = _case(db, by_name["template_and_controls.txt"].reference)
    assert "{{ correspondent.salutation_name }}" in template.letter_text  # never rendered
    assert "\x00" not in template.letter_text


def test_suggested_themes_are_stored_with_their_scores(intake: Intake, db: Database) -> None:
    result = intake.import_paths([MAIL / "base64_attachments.eml"])
    (case,) = result.imported
    assert case.themes
    with db.session_factory() as s:
        rows = s.execute(
            select(Theme.code, case_themes.c.source, case_themes.c.score)
            .join(Theme, Theme.id == case_themes.c.theme_id)
            .where(case_themes.c.case_id == case.case_id)
        ).all()
    assert {code for code, _, _ in rows} == set(case.themes)
    assert all(src == "suggested" and sc >= theme_suggest.THRESHOLD for _, src, sc in rows)


def test_the_same_file_twice_is_a_duplicate(intake: Intake, tmp_path: Path) -> None:
    first = intake.import_paths([MAIL / "utf8.eml"])
    copy = tmp_path / "renamed copy.eml"
    shutil.copy(MAIL / "utf8.eml", copy)
    again = intake.import_paths([MAIL / "utf8.eml", copy])
    assert again.imported == () and len(again.duplicates) == 2
    ref = first.imported[0].reference
    assert all(d.reference == ref and "same file" in d.reason for d in again.duplicates)


def test_the_same_message_id_in_different_bytes_is_a_duplicate(
    intake: Intake, tmp_path: Path
) -> None:
    raw = (MAIL / "latin1_qp.eml").read_bytes()
    (tmp_path / "a.eml").write_bytes(raw)
    (tmp_path / "b.eml").write_bytes(raw.replace(b"To: dcsf", b"X-Forwarded: yes\nTo: dcsf"))
    result = intake.import_paths([tmp_path])  # both in one batch
    assert len(result.imported) == 1 and len(result.duplicates) == 1
    assert "Message-ID <latin1-0002@example.net>" in result.duplicates[0].reason


def test_known_correspondents_are_matched_by_email_then_name_and_postcode(
    intake: Intake, db: Database
) -> None:
    with db.session_factory.begin() as s:
        s.add_all(
            [
                Correspondent(
                    kind="public",
                    first_name="Hélène",
                    last_name="Dubois",
                    email="helene.dubois@example.org",
                    display_name="Mme Hélène Dubois",
                ),
                Correspondent(
                    kind="public",
                    title="Mrs",
                    first_name="Margaret",
                    last_name="Pellow",
                    postcode="BN7 2QT",
                    display_name="Mrs Margaret Pellow",
                ),
            ]
        )
    result = intake.import_paths([MAIL / "utf8.eml", MAIL / "letter.docx"])
    assert [c.correspondent for c in result.imported] == [
        "Mme Hélène Dubois",
        "Mrs Margaret Pellow",
    ]
    with db.session_factory() as s:
        assert s.scalar(select(func.count(Correspondent.id))) == 2


def test_cancel_between_files_leaves_only_whole_cases(
    intake: Intake, mailbag: Path, db: Database
) -> None:
    calls = {"n": 0}

    def should_cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 4

    result = intake.import_paths([mailbag], should_cancel=should_cancel)
    assert result.cancelled
    with db.session_factory() as s:
        n_cases = s.scalar(select(func.count(Case.id)))
        assert n_cases == len(result.imported) and 0 < n_cases < 10
        without_original = s.scalar(
            select(func.count(Case.id)).where(~Case.documents.any(Document.role == "original"))
        )
        assert without_original == 0


def test_a_file_that_fails_to_store_rolls_back_alone(
    intake: Intake, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def hook(session, case):  # noqa: ANN001, ANN202
        if "Hélène" in case.letter_text:
            raise RuntimeError("campaign grouping broke")
        return None

    monkeypatch.setattr(intake_hooks, "on_case_logged", hook)
    result = intake.import_paths([MAIL / "latin1_qp.eml", MAIL / "utf8.eml", MAIL / "cp1252.txt"])
    assert [Path(c.path).name for c in result.imported] == ["latin1_qp.eml", "cp1252.txt"]
    (failure,) = result.failed
    assert failure.path.endswith("utf8.eml") and "campaign grouping broke" in failure.error
    with db.session_factory() as s:
        assert s.scalar(select(func.count(Case.id))) == 2
        assert s.scalar(select(func.count(Document.id)).where(Document.filename == "utf8.eml")) == 0
        assert verify_chain(s) is None


def test_enormous_files_are_refused_by_name(db: Database, tmp_path: Path) -> None:
    small = Intake(
        acting_as(db.session_factory, "officer.one"), lambda: TODAY, max_file_bytes=10_000
    )
    result = small.import_paths([MAIL / "base64_attachments.eml", MAIL / "utf8.eml"])
    assert [Path(c.path).name for c in result.imported] == ["utf8.eml"]
    (failure,) = result.failed
    assert "base64_attachments.eml" in failure.path and "MB limit" in failure.error


def test_missing_paths_are_listed(intake: Intake, tmp_path: Path) -> None:
    result = intake.import_paths([tmp_path / "nowhere"])
    assert result.failed[0].error == "no such file or folder"
    assert result.as_json() == {
        "imported": 0,
        "duplicates": 0,
        "duplicate_files": [],
        "failed": [{"path": str(tmp_path / "nowhere"), "error": "no such file or folder"}],
        "cases": [],
    }


# --- logging by hand ------------------------------------------------------------------


def _mp(**kw: str) -> NewCorrespondent:
    base = dict(first_name="Tessa", last_name="Jowell", honorific="Rt Hon", post_nominals="MP")
    base.update(kw)
    return NewCorrespondent(kind=CorrespondentKind.MP, **base)


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (LetterForm(received_on=TODAY + dt.timedelta(days=1), summary="x"), "Received date"),
        (LetterForm(received_on=TODAY, summary="x"), "Correspondent"),
        (LetterForm(received_on=TODAY, summary="x", new_correspondent=_mp()), "Constituency"),
        (
            LetterForm(
                received_on=TODAY,
                summary="x",
                new_correspondent=_mp(constituency="Dulwich and West Norwood"),
            ),
            "Party",
        ),
        (
            LetterForm(
                received_on=TODAY,
                summary="x",
                new_correspondent=NewCorrespondent(
                    kind=CorrespondentKind.PUBLIC, last_name="Lee", email="not-an-email"
                ),
            ),
            "Email",
        ),
        (
            LetterForm(
                received_on=TODAY,
                summary="x",
                new_correspondent=NewCorrespondent(kind=CorrespondentKind.PUBLIC, last_name="Lee"),
                constituents=[NewConstituent(postcode="SE21 7AA")],
            ),
            "Constituents",
        ),
        (
            LetterForm(
                received_on=TODAY,
                new_correspondent=NewCorrespondent(kind=CorrespondentKind.PUBLIC, last_name="Lee"),
            ),
            "Summary",
        ),
    ],
)
def test_logging_by_hand_names_the_field_at_fault(
    intake: Intake, form: LetterForm, field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        intake.log_letter(form)
    assert err.value.field == field


def test_logging_an_mp_letter_with_constituents_and_ticked_themes(
    intake: Intake, db: Database
) -> None:
    logged = intake.log_letter(
        LetterForm(
            received_on=dt.date(2009, 2, 4),
            channel="post",
            new_correspondent=_mp(constituency="Dulwich and West Norwood", party="Labour"),
            constituents=[
                NewConstituent(title="Mrs", first_name="Joan", last_name="Abbott"),
                NewConstituent(title="Mr", first_name="Ken", last_name="Lowe"),
            ],
            summary="Constituents support the NSPCC proposals after Baby P",
            letter_text="Dear Ed, I enclose letters on the NSPCC's proposals {{ not.rendered }}",
            theme_codes=["BABYP", "SCR"],
            theme_scores={"BABYP": 0.8},
        )
    )
    case = _case(db, logged.reference)
    assert logged.reference.startswith("2009/") and not logged.on_stop_list
    assert case.correspondent.constituency == "Dulwich and West Norwood"
    assert [c.last_name for c in case.constituents] == ["Abbott", "Lowe"]
    assert "{{ not.rendered }}" in case.letter_text
    with db.session_factory() as s:
        rows = dict(
            (code, (src, score))
            for code, src, score in s.execute(
                select(Theme.code, case_themes.c.source, case_themes.c.score)
                .join(Theme, Theme.id == case_themes.c.theme_id)
                .where(case_themes.c.case_id == logged.id)
            )
        )
    assert rows == {"BABYP": ("officer", 0.8), "SCR": ("officer", None)}


def test_correspondent_search_and_the_stop_list(demo_db: Database) -> None:
    intake = Intake(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: TODAY)
    found = intake.search_correspondents("jowell")
    assert found and found[0].kind == "mp" and "Jowell" in found[0].name
    with demo_db.session_factory() as s:
        stop_id = s.scalar(select(Correspondent.id).where(Correspondent.on_stop_list.is_(True)))
    assert stop_id is not None
    stopped = intake.correspondent(stop_id)
    assert stopped.on_stop_list and "stop list" in stopped.label
    logged = intake.log_letter(
        LetterForm(received_on=TODAY, correspondent_id=stop_id, summary="Weekly letter again")
    )
    assert logged.on_stop_list
