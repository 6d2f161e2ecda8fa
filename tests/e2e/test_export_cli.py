"""`correspondence draft` and `correspondence export`, run as a person would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from correspondence.documents.seed_reply import seed_body_paragraphs
from correspondence.documents.word import letter_paragraph_texts

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"
SEED = "2009/0007948POSoS"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, timeout=300, env={**os.environ}
    )


def _normalise(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('export') / 'demo.db'}"
    done = run("init", "--demo", "--db", url)
    assert done.returncode == 0, done.stderr
    return url


def test_export_of_the_seed_case_gives_the_seed_letter(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "reply.docx"
    done = run("export", SEED, "--out", str(out), "--db", demo_url)
    assert done.returncode == 0, done.stderr
    texts = [_normalise(t) for t in letter_paragraph_texts(out)]
    assert "DRAFT" not in texts
    body = [t for t in texts if t in set(seed_body_paragraphs())]
    assert body == seed_body_paragraphs()
    assert ["Dear Tessa", "Yours sincerely", "ED BALLS MP"] == [
        t for t in texts if t in ("Dear Tessa", "Yours sincerely", "ED BALLS MP")
    ]
    assert texts.index("3 February 2009") < texts.index("Dear Tessa")


def test_export_into_a_folder_names_the_file_by_reference(demo_url: str, tmp_path: Path) -> None:
    done = run("export", SEED, "--out", str(tmp_path), "--draft", "--db", demo_url)
    assert done.returncode == 0, done.stderr
    written = tmp_path / "2009-0007948POSoS-DRAFT.docx"
    assert written.exists() and "DRAFT" in letter_paragraph_texts(written)


def test_draft_then_approve_then_export(demo_url: str, tmp_path: Path) -> None:
    listed = run("cases", "list", "--status", "triaged", "--json", "--limit", "1", "--db", demo_url)
    assert listed.returncode == 0, listed.stderr
    ref = json.loads(listed.stdout)[0]["reference"]

    refused = run("draft", ref, "--lines", "babyp-tragedy", "--user", "a.okoro", "--db", demo_url)
    assert refused.returncode == 1 and "may not draft replies" in refused.stderr

    made = run(
        "draft",
        ref,
        "--lines",
        "babyp-tragedy,workforce-child-centred-strategy,smacking-no-ban",
        "--numbered",
        "smacking-no-ban",
        "--json",
        "--user",
        "p.mehta",
        "--db",
        demo_url,
    )
    assert made.returncode == 0, made.stderr
    data = json.loads(made.stdout)
    assert data["status"] == "drafting" and data["case_status"] == "drafting"
    assert [(p["line"], p["numbered"]) for p in data["paragraphs"]] == [
        ("babyp-tragedy", False),
        ("workforce-child-centred-strategy", False),
        ("smacking-no-ban", True),
    ]
    final = run("export", ref, "--out", str(tmp_path / "x.docx"), "--db", demo_url)
    assert final.returncode == 1 and "no signed-off draft" in final.stderr
    assert not (tmp_path / "x.docx").exists()

    for args in (
        ("submit", "--user", "p.mehta"),
        ("approve", "--user", "policy.lead.safeguarding"),
        ("signoff", "--method", "wet", "--user", "ps.sos"),
    ):
        step = run("draft", args[0], ref, *args[1:], "--db", demo_url)
        assert step.returncode == 0, step.stderr
    assert "signed off" in step.stdout
    final = run("export", ref, "--out", str(tmp_path / "x.docx"), "--db", demo_url)
    assert final.returncode == 0, final.stderr
    texts = letter_paragraph_texts(tmp_path / "x.docx")
    assert "DRAFT" not in texts and any(t.startswith("1.\t") for t in texts)


def test_signoff_by_a_drafter_is_refused(demo_url: str) -> None:
    done = run("draft", "signoff", SEED, "--method", "wet", "--user", "p.mehta", "--db", demo_url)
    assert done.returncode == 1 and "error:" in done.stderr


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_export_to_pdf_prints_the_seed_letter(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "reply.pdf"
    done = run("export", SEED, "--out", str(out), "--db", demo_url)
    assert done.returncode == 0, done.stderr
    from pypdf import PdfReader

    text = _normalise(" ".join(p.extract_text() for p in PdfReader(out).pages))
    # Line breaks in the PDF fall anywhere in a sentence, and a paragraph running over a
    # page has the footer in its middle: compare without spaces or footers.
    joined = "".join(text.split()).replace("departmentforchildren,schoolsandfamilies", "")
    for paragraph in seed_body_paragraphs():
        assert "".join(paragraph.split()) in joined
    assert "Dear Tessa" in text and "ED BALLS MP" in text and "DRAFT" not in text


def test_export_refuses_a_format_it_does_not_make(demo_url: str, tmp_path: Path) -> None:
    done = run("export", SEED, "--out", str(tmp_path / "reply.odt"), "--db", demo_url)
    assert done.returncode == 1
    assert "name a .docx or a .pdf file" in done.stderr and "reply.odt" in done.stderr
