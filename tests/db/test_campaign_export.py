"""Exporting a signed-off campaign reply: one letter per member, a print file, dispatch.

Includes the proof that the fast Word writer gives the same document as python-docx.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Case
from correspondence.documents import fast_word
from correspondence.documents.word import (
    combined_by_python_docx,
    letter_bytes,
    letter_paragraph_texts,
)
from correspondence.services.campaigns import campaign_export as ce
from correspondence.services.campaigns import export_workers
from correspondence.services.campaigns.campaign_letters import member_letters
from correspondence.services.campaigns.export_journal import ExportRefused, Journal
from correspondence.services.drafting.reply_letter import letter_spec_for
from correspondence.services.errors import ValidationError
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY
from tests.factories import CAMPAIGN_FREE_TEXT as FREE_TEXT
from tests.factories import campaign_id, signed_off_campaign_reply

OFFICER = "a.okoro"


@pytest.fixture
def ready(demo_db: Database) -> tuple[Database, int, int]:
    cid = campaign_id(demo_db, "NSPCC")
    return demo_db, cid, signed_off_campaign_reply(demo_db, cid)


def _export(db: Database, cid: int, out: Path, **kw: object) -> ce.ExportResult:
    kw.setdefault("workers", 1)
    uow = acting_as(db.session_factory, OFFICER)
    return ce.export_campaign(uow, cid, out, today=DEMO_TODAY, **kw)  # type: ignore[arg-type]


def _statuses(db: Database, cid: int) -> dict[str, str]:
    with db.session_factory() as s:
        return dict(
            s.execute(select(Case.reference, Case.status).where(Case.campaign_id == cid)).all()
        )


def _xml(data: bytes, part: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(part).decode("utf-8")


_STAMPS = re.compile(r"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def test_bulk_letters_equal_the_one_by_one_letters(ready: tuple[Database, int, int]) -> None:
    db, cid, draft_id = ready
    with db.session_factory() as s:
        letters, left_out = member_letters(s, cid, today=DEMO_TODAY)
        assert len(letters) == 50 and len(left_out) == 1  # the seed case was dispatched
        for m in letters:
            assert m.spec == letter_spec_for(s, draft_id, m.case_id, final=True, today=DEMO_TODAY)
    salutations = {m.spec.salutation for m in letters}
    assert any("O'Brien & <Sons>" in d for d in salutations)


def test_the_fast_writer_gives_the_same_document_as_python_docx(
    ready: tuple[Database, int, int],
) -> None:
    db, cid, _ = ready
    with db.session_factory() as s:
        letters, _ = member_letters(s, cid, today=DEMO_TODAY)
    odd = [m for m in letters if "O'Brien" in str(m.spec) or "Siân" in str(m.spec)]
    sample = odd + letters[:3]
    assert len(odd) >= 2
    fast_word.clear_frames()
    for m in sample:
        fast, slow = fast_word.letter_docx(m.spec), letter_bytes(m.spec)
        assert fast_word.frame_for(m.spec).ok
        assert _xml(fast, "word/document.xml") == _xml(slow, "word/document.xml")
        assert _STAMPS.sub("", _xml(fast, "docProps/core.xml")) == _STAMPS.sub(
            "", _xml(slow, "docProps/core.xml")
        )
        with zipfile.ZipFile(io.BytesIO(fast)) as zf, zipfile.ZipFile(io.BytesIO(slow)) as zs:
            assert zf.namelist() == zs.namelist()
            for name in zs.namelist():
                if name not in ("word/document.xml", "docProps/core.xml"):
                    assert zf.read(name) == zs.read(name), name
        assert letter_paragraph_texts(fast) == letter_paragraph_texts(slow)
    # The print file: the same paragraphs python-docx gives; its section breaks differ only
    # in which header parts they name (tests/documents/test_fast_word.py compares those).
    specs = [m.spec for m in sample]
    sections = re.compile(r"<w:sectPr[ >].*?</w:sectPr>")
    fast_combined, slow_combined = fast_word.combined_docx(specs), combined_by_python_docx(specs)
    assert sections.sub("", _xml(fast_combined, "word/document.xml")) == sections.sub(
        "", _xml(slow_combined, "word/document.xml")
    )
    assert letter_paragraph_texts(fast_combined) == letter_paragraph_texts(slow_combined)


def test_an_export_crashed_mid_way_resumes_to_exactly_one_letter_per_member(
    ready: tuple[Database, int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, cid, _ = ready
    out = tmp_path / "letters"
    monkeypatch.setattr(ce, "CHUNK", 8)
    real = export_workers._write_one
    calls = {"n": 0}

    def crash_on_the_21st(temp: Path, spec, fast: bool) -> None:  # noqa: ANN001
        calls["n"] += 1
        if calls["n"] == 21:
            temp.write_bytes(b"half a letter")  # what a crash leaves in a temporary file
            raise OSError("disk pulled out")
        real(temp, spec, fast)

    monkeypatch.setattr(export_workers, "_write_one", crash_on_the_21st)
    with pytest.raises(OSError, match="disk pulled out"):
        _export(db, cid, out)
    files = sorted(p.name for p in out.iterdir() if p.suffix == ".docx")
    assert len(files) == 16  # two whole chunks; the third never reached its real names
    assert not list(out.glob(".*.tmp"))
    journal = Journal.read(out)
    assert journal is not None and sorted(journal.done.values()) == files
    assert list(_statuses(db, cid).values()).count("dispatched") == 1  # only the seed case

    with pytest.raises(ExportRefused, match="unfinished export"):
        _export(db, cid, out)
    monkeypatch.setattr(export_workers, "_write_one", real)
    result = _export(db, cid, out, resume=True)
    assert (result.already_done, result.written, result.total) == (16, 34, 50)
    letters = sorted(p for p in out.iterdir() if p.suffix == ".docx" and "combined" not in p.name)
    assert len(letters) == 50
    assert not list(out.glob(".*.tmp"))
    statuses = _statuses(db, cid)
    assert list(statuses.values()).count("dispatched") == 51
    with db.session_factory() as s:
        for path in letters[:5]:
            reference = path.stem.replace("-", "/", 1)
            case = s.scalar(select(Case).where(Case.reference == reference))
            texts = letter_paragraph_texts(path)
            assert reference in texts
            assert case.dispatched_on == DEMO_TODAY and case.dispatch_channel == "post"
            assert any(t.startswith("Dear ") for t in texts)
            assert FREE_TEXT in texts
    assert result.combined and Path(result.combined).exists()
    with pytest.raises(ExportRefused, match="finished"):
        _export(db, cid, out, resume=True)


def test_cancel_stops_cleanly_and_dispatches_nobody_until_resumed(
    ready: tuple[Database, int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, cid, _ = ready
    monkeypatch.setattr(ce, "CHUNK", 10)
    seen: list[int] = []
    result = _export(
        db,
        cid,
        tmp_path,
        progress=lambda done, total, ref: seen.append(done),
        should_cancel=lambda: bool(seen) and seen[-1] >= 20,
    )
    assert result.cancelled and result.written == 20 and result.combined is None
    assert result.dispatched == 0
    assert list(_statuses(db, cid).values()).count("dispatched") == 1
    done = _export(db, cid, tmp_path, resume=True)
    assert not done.cancelled and done.written == 30 and done.dispatched == 50


def test_an_unsigned_reply_is_not_exported(demo_db: Database, tmp_path: Path) -> None:
    cid = campaign_id(demo_db, "NSPCC")
    signed_off_campaign_reply(demo_db, cid, status="in_qa")
    with pytest.raises(ValidationError, match="not signed off"):
        _export(demo_db, cid, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_two_worker_processes_write_the_same_letters(
    ready: tuple[Database, int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, cid, _ = ready
    monkeypatch.setattr(ce, "IN_PROCESS_BELOW", 0)
    monkeypatch.setattr(ce, "CHUNK", 7)
    result = _export(db, cid, tmp_path, workers=2)
    assert result.written == 50 and result.dispatched == 50
    assert len([p for p in tmp_path.glob("*.docx") if "combined" not in p.name]) == 50


@pytest.mark.libreoffice
def test_the_combined_print_file_opens_in_python_docx_and_libreoffice(
    ready: tuple[Database, int, int], tmp_path: Path
) -> None:
    db, cid, _ = ready
    result = _export(db, cid, tmp_path / "out")
    assert result.combined
    combined = Path(result.combined)
    texts = letter_paragraph_texts(combined)
    assert sum(1 for t in texts if t == "ED BALLS MP") == 50
    # Each letter is a section of its own: a new page, its own first-page furniture, and
    # its own reference over its later pages.
    document = docx.Document(str(combined))
    assert len(document.element.body.xpath("./w:p/w:pPr/w:sectPr")) == 49
    references = [s.header.paragraphs[-1].text.split("\t")[0] for s in document.sections]
    assert len(set(references)) == 50
    assert all(s.different_first_page_header_footer for s in document.sections)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    pdf_dir = tmp_path / "pdf"
    subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(pdf_dir), str(combined)],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    pdf = pdf_dir / (combined.stem + ".pdf")
    assert pdf.exists() and pdf.stat().st_size > 10_000
