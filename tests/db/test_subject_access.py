"""Subject access: every case, document and draft that mentions a person, in one folder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from correspondence.database import Database
from correspondence.services.actors import actor_for
from correspondence.services.errors import PermissionDenied, ValidationError
from correspondence.services.people.subject_access import SubjectAccess
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY
from tests.report_cases import TODAY, build_cases


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    with db.session_factory.begin() as s:
        actor_for(s, "keeper")  # the first user: an admin
        return build_cases(s)


def _refs(db: Database, ids: dict[str, int], *keys: str) -> set[str]:
    from correspondence.db.models import Case

    with db.session_factory() as s:
        return {s.get(Case, ids[k]).reference for k in keys}


def _index(folder: Path) -> list[dict[str, str]]:
    with (folder / "index.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_a_correspondent_by_name(db: Database, ids: dict, tmp_path: Path) -> None:
    sar = SubjectAccess(acting_as(db.session_factory, "keeper"), clock=lambda: TODAY)
    result = sar.export("harriet lowdon", tmp_path)
    # A and E are hers; A's document text names her too.
    assert result.cases == 2 and result.documents == 1
    rows = _index(result.folder)
    assert {r["reference"] for r in rows} == _refs(db, ids, "A", "E")
    a_ref = _refs(db, ids, "A").pop()
    doc = next(r for r in rows if r["item"] == "document")
    assert doc["reference"] == a_ref
    assert doc["matched_as"] == "correspondent, document text, letter text"
    assert (result.folder / doc["path"]).read_bytes() == b"%PDF-letter"  # byte for byte
    case = json.loads((result.folder / a_ref.replace("/", "_") / "case.json").read_text())
    assert case["correspondent"]["email"] == "mp1@example.org"
    assert case["constituents"][0]["last_name"] == "Umbridge"
    data = json.loads((result.folder / "index.json").read_text())
    assert data["cases"] == 2 and len(data["files"]) == len(rows)
    assert "Lowdon" not in result.folder.name or "harriet" in result.folder.name
    html = (result.folder / "index.html").read_text()
    assert "<table>" in html and doc["path"] in html


def test_a_constituent_and_an_email(db: Database, ids: dict, tmp_path: Path) -> None:
    sar = SubjectAccess(acting_as(db.session_factory, "keeper"), clock=lambda: TODAY)
    piers = sar.export("Mr Piers Umbridge", tmp_path)
    assert {r["reference"] for r in _index(piers.folder)} == _refs(db, ids, "A")
    assert {r["matched_as"] for r in _index(piers.folder)} == {"constituent"}
    olive = sar.export("OLIVE@example.org", tmp_path)
    assert {r["reference"] for r in _index(olive.folder)} == _refs(db, ids, "B", "F")
    again = sar.export("olive@example.org", tmp_path)
    assert again.folder != olive.folder  # a second export never overwrites the first


def test_a_mention_in_letter_text(db: Database, ids: dict, tmp_path: Path) -> None:
    sar = SubjectAccess(acting_as(db.session_factory, "keeper"), clock=lambda: TODAY)
    # "Lord Fenwick of Hale" is the peer's display name and appears in C's letter.
    result = sar.export("Fenwick of Hale", tmp_path)
    rows = _index(result.folder)
    assert {r["reference"] for r in rows} == _refs(db, ids, "C")
    assert {r["matched_as"] for r in rows} == {"letter text"}


def test_nobody_found_still_gives_an_index(db: Database, ids: dict, tmp_path: Path) -> None:
    result = SubjectAccess(acting_as(db.session_factory, "keeper")).export("Nobody Atall", tmp_path)
    assert result.cases == 0 and _index(result.folder) == []


def test_admins_only_and_a_real_query(db: Database, ids: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(PermissionDenied):
        SubjectAccess(acting_as(db.session_factory, "dana.d")).export("Harriet Lowdon", out)
    with pytest.raises(ValidationError):
        SubjectAccess(acting_as(db.session_factory, "keeper")).export(" a ", out)
    assert not out.exists()


def test_the_seed_reply_comes_out_as_a_word_letter(demo_db: Database, tmp_path: Path) -> None:
    from correspondence.documents.word import letter_paragraph_texts

    sar = SubjectAccess(acting_as(demo_db.session_factory, "admin"), clock=lambda: DEMO_TODAY)
    result = sar.export("Tessa Jowell", tmp_path)
    rows = _index(result.folder)
    assert "2009/0007948POSoS" in {r["reference"] for r in rows}
    draft = next(r for r in rows if r["item"] == "draft" and r["reference"] == "2009/0007948POSoS")
    assert draft["path"].endswith(".docx")
    texts = letter_paragraph_texts(result.folder / draft["path"])
    assert "Dear Tessa" in texts
