"""The reply as PDF: exported by extension, and kept as PDF/A with the case once signed."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Case, Document
from correspondence.documents import pdf
from correspondence.documents.word import letter_bytes
from correspondence.services.actors import actor_for
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.errors import PermissionDenied, ValidationError
from correspondence.services.replies import signatures
from correspondence.services.replies.reply_pdf import REPLY_PDF_ROLE, keep_signed_pdf
from correspondence.services.unit_of_work import UnitOfWorkFactory, acting_as
from tests.colleague_soffice import colleague_then_soffice
from tests.conftest import DEMO_TODAY

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed"
)


def signature_png() -> bytes:
    image = Image.new("RGB", (360, 90), "white")
    ImageDraw.Draw(image).line([(10, 70), (90, 15), (160, 75), (250, 20), (340, 60)], "navy", 5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def give_signatures(db: Database) -> None:
    with db.session_factory.begin() as s:
        for key in ("sos", "mos"):
            signatures.set_signature_image(s, actor_for(s, "admin"), key, signature_png())


def signatory_caps(db: Database, case_id: int) -> str:
    from correspondence.db.models import Draft, Signatory

    with db.session_factory() as s:
        sid = s.scalars(select(Draft.signatory_id).where(Draft.case_id == case_id)).first()
        return s.get(Signatory, sid).name.upper()  # type: ignore[union-attr]


def sign_off_a_triaged_case(db: Database, method: str) -> int:
    """A triaged demo case drafted, approved and signed off by the people whose job it is."""
    with db.session_factory() as s:
        case_id = s.scalars(
            select(Case.id).where(Case.status == "triaged", Case.campaign_id.is_(None)).limit(1)
        ).one()

    def as_(user: str) -> Drafting:
        return Drafting(acting_as(db.session_factory, user), clock=lambda: DEMO_TODAY)

    view = as_("p.mehta").create(case_id, ["babyp-tragedy", "smacking-no-ban"])
    as_("p.mehta").submit(view.id)
    as_("policy.lead.safeguarding").approve(view.id)
    as_("ps.sos").sign_off(view.id, method)
    return case_id


def test_only_an_admin_sets_a_signature_image_and_only_a_picture(demo_db: Database) -> None:
    with demo_db.session_factory.begin() as s:
        with pytest.raises(PermissionDenied, match="may not set a signature image"):
            signatures.set_signature_image(s, actor_for(s, "ps.sos"), "sos", signature_png())
        with pytest.raises(ValidationError, match="PNG or JPEG"):
            signatures.set_signature_image(s, actor_for(s, "admin"), "sos", b"%PDF-1.4 not a pic")
        with pytest.raises(Exception, match="No signatory 'nobody'"):
            signatures.set_signature_image(s, actor_for(s, "admin"), "nobody", signature_png())
        signatures.set_signature_image(s, actor_for(s, "admin"), "sos", signature_png())


@needs_soffice
@pytest.mark.libreoffice
@pytest.mark.slow
def test_a_digitally_signed_reply_is_kept_as_pdfa_with_the_signature(demo_db: Database) -> None:
    give_signatures(demo_db)
    case_id = sign_off_a_triaged_case(demo_db, "digital")

    kept, message = keep_signed_pdf(
        acting_as(demo_db.session_factory, "ps.sos"), case_id, today=DEMO_TODAY
    )
    assert kept is not None and kept.made_now, message
    assert "Kept the signed PDF/A" in message
    again, _ = keep_signed_pdf(
        acting_as(demo_db.session_factory, "ps.sos"), case_id, today=DEMO_TODAY
    )
    assert again is not None and again.document_id == kept.document_id and not again.made_now

    with demo_db.session_factory() as s:
        doc = s.get(Document, kept.document_id)
        assert doc is not None and doc.role == REPLY_PDF_ROLE
        assert doc.media_type == "application/pdf"
        data = doc.content
    assert hashlib.sha256(data).hexdigest() == kept.sha256
    assert pdf.is_pdfa(data)
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert f"Yours sincerely\n{signatory_caps(demo_db, case_id)}" in text
    # The signature sits on the page as a picture, before the printed name.
    assert sum(len(page.images) for page in reader.pages) == 1


@needs_soffice
@pytest.mark.libreoffice
@pytest.mark.slow
def test_a_wet_signed_reply_prints_no_signature_image(demo_db: Database) -> None:
    give_signatures(demo_db)
    case_id = sign_off_a_triaged_case(demo_db, "wet")
    kept, message = keep_signed_pdf(
        acting_as(demo_db.session_factory, "ps.sos"), case_id, today=DEMO_TODAY
    )
    assert kept is not None, message
    with demo_db.session_factory() as s:
        data = s.get(Document, kept.document_id).content  # type: ignore[union-attr]
    assert sum(len(p.images) for p in PdfReader(io.BytesIO(data)).pages) == 0


def test_without_libreoffice_the_sign_off_stands_and_says_no_pdf(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CORRESPONDENCE_SOFFICE", str(tmp_path / "no-such-soffice"))
    case_id = sign_off_a_triaged_case(demo_db, "wet")
    kept, message = keep_signed_pdf(
        acting_as(demo_db.session_factory, "ps.sos"), case_id, today=DEMO_TODAY
    )
    assert kept is None
    assert message.startswith("The signed PDF could not be made")
    with demo_db.session_factory() as s:
        assert s.get(Case, case_id).status == "signed_off"  # type: ignore[union-attr]
        roles = s.scalars(select(Document.role).where(Document.case_id == case_id)).all()
    assert REPLY_PDF_ROLE not in roles


def test_libreoffice_missing_everywhere_gives_a_clear_message() -> None:
    with pytest.raises(pdf.LibreOfficeMissing, match="apt-get install libreoffice-writer-nogui"):
        pdf.find_soffice(which=lambda _name: None, places=())


def test_a_word_letter_with_a_signature_keeps_the_picture(demo_db: Database) -> None:
    from correspondence.documents.word import letter_paragraph_texts
    from correspondence.services.drafting.reply_letter import letter_spec_for

    give_signatures(demo_db)
    case_id = sign_off_a_triaged_case(demo_db, "digital")
    with demo_db.session_factory() as s:
        draft_id = Drafting(acting_as(demo_db.session_factory, "ps.sos")).current_draft_id(case_id)
        spec = letter_spec_for(s, draft_id, final=True, today=DEMO_TODAY)  # type: ignore[arg-type]
    data = letter_bytes(spec)
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(n.startswith("word/media/") for n in names)
    texts = letter_paragraph_texts(data)
    assert texts.index("Yours sincerely") < texts.index(signatory_caps(demo_db, case_id))


def private_secretary(db: Database) -> UnitOfWorkFactory:
    return acting_as(db.session_factory, "ps.sos")


@needs_soffice
@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.parametrize("demo_template", ["sqlite"], indirect=True)
def test_colleagues_can_save_while_the_signed_pdf_is_made(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """LibreOffice takes seconds; on SQLite a write transaction held meanwhile would lock
    the whole file against every other officer."""
    case_id = sign_off_a_triaged_case(demo_db, "wet")
    wrapper, marker = colleague_then_soffice(demo_db.url, tmp_path)
    monkeypatch.setenv("CORRESPONDENCE_SOFFICE", str(wrapper))
    kept, message = keep_signed_pdf(
        acting_as(demo_db.session_factory, "ps.sos"), case_id, today=DEMO_TODAY
    )
    assert marker.read_text() == "free"
    assert kept is not None and kept.made_now, message
