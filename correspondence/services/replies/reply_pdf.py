"""The reply as a PDF: exported on request, and kept with the case as PDF/A once signed.

The PDF is LibreOffice's rendering of the very .docx the Word export writes, so the two
print alike. A signed reply's PDF/A-2b is stored as a case document (role ``reply-pdf``)
with its SHA-256, like every other document of the case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import Case, Document, Draft
from correspondence.documents import pdf
from correspondence.documents.word import letter_bytes, write_letter
from correspondence.domain.states import DraftStatus
from correspondence.services.actors import Actor
from correspondence.services.cases import cases
from correspondence.services.drafting.reply_letter import letter_spec_for
from correspondence.services.errors import ValidationError
from correspondence.services.unit_of_work import UnitOfWorkFactory

REPLY_PDF_ROLE = "reply-pdf"  # the signed reply as PDF/A, made by the app
SIGNED_SCAN_ROLE = "signed-scan"  # the scan of a wet-signed letter, added by an officer
EXPORT_FORMATS = (".docx", ".pdf")


@dataclass(frozen=True)
class KeptPdf:
    document_id: int
    filename: str
    sha256: str
    size: int
    made_now: bool


def pdf_file_name(reference: str) -> str:
    from correspondence.services.drafting.reply_letter import letter_file_name

    return letter_file_name(reference).removesuffix(".docx") + "-signed.pdf"


def export_format(out: Path) -> str:
    """The format an export path asks for, by its extension; a clear error otherwise."""
    suffix = Path(out).suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise ValidationError(
            "--out",
            f"{out} ends in {suffix or 'no extension'}: name a .docx or a .pdf file "
            "(the format follows the extension)",
        )
    return suffix


def export_letter(
    session: Session, draft_id: int, out: Path, *, final: bool, today: dt.date | None = None
) -> Path:
    """Write the letter as .docx or .pdf, following the extension of ``out``."""
    spec = letter_spec_for(session, draft_id, final=final, today=today)
    if export_format(out) == ".docx":
        return write_letter(spec, Path(out))
    return pdf.write_pdf(letter_bytes(spec), Path(out))


def signed_draft(session: Session, case_id: int) -> Draft | None:
    """The case's newest signed-off draft (its own, not a campaign's)."""
    return session.scalar(
        select(Draft)
        .where(Draft.case_id == case_id, Draft.status == DraftStatus.SIGNED_OFF.value)
        .order_by(Draft.id.desc())
        .limit(1)
    )


def kept_document(session: Session, case_id: int, role: str) -> Document | None:
    """The newest document of ``role`` on the case."""
    return session.scalar(
        select(Document)
        .where(Document.case_id == case_id, Document.role == role)
        .order_by(Document.id.desc())
        .limit(1)
    )


def _kept_for(session: Session, case_id: int, draft: Draft) -> Document | None:
    doc = kept_document(session, case_id, REPLY_PDF_ROLE)
    # A PDF made before the latest sign-off belongs to an earlier reply.
    if doc is None or (draft.signed_off_at is not None and doc.added_at < draft.signed_off_at):
        return None
    return doc


def make_signed_pdf(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    draft_id: int | None = None,
    today: dt.date | None = None,
) -> KeptPdf:
    """The case's signed reply as PDF/A, kept as a case document (made once per sign-off).

    ``draft_id`` names a campaign's signed-off reply when ``case_id`` is a member.
    Raises ``pdf.PdfError`` when LibreOffice is missing or fails; nothing is stored then.
    """
    case = cases.get_case(session, case_id)
    draft = session.get(Draft, draft_id) if draft_id is not None else signed_draft(session, case_id)
    if draft is None or draft.status != DraftStatus.SIGNED_OFF.value:
        raise ValidationError("Signed PDF", f"{case.reference} has no signed-off reply")
    found = _kept_for(session, case_id, draft)
    if found is not None:
        return KeptPdf(found.id, found.filename, found.sha256, found.size, made_now=False)
    spec = letter_spec_for(session, draft.id, case_id, final=True, today=today)
    data = pdf.docx_to_pdf(letter_bytes(spec), pdfa=True)
    return store_signed_pdf(session, actor, case, data)


def store_signed_pdf(session: Session, actor: Actor, case: Case, data: bytes) -> KeptPdf:
    doc = cases.add_document(
        session,
        actor,
        case,
        pdf_file_name(case.reference),
        data,
        media_type="application/pdf",
        role=REPLY_PDF_ROLE,
    )
    return KeptPdf(doc.id, doc.filename, doc.sha256, doc.size, made_now=True)


def keep_signed_pdf(
    uow: UnitOfWorkFactory,
    case_id: int,
    *,
    today: dt.date | None = None,
) -> tuple[KeptPdf | None, str]:
    """After a sign-off has committed: keep its PDF/A; (None, why) when it cannot be made.

    The sign-off itself never depends on this: LibreOffice may be missing or slow.
    """
    try:
        kept = make_signed_pdf_outside(uow, case_id, today=today)
    except pdf.PdfError as exc:
        return None, f"The signed PDF could not be made: {exc}"
    except ReplyChanged as exc:
        return None, f"The signed PDF was not kept: {exc}"
    return kept, f"Kept the signed PDF/A {kept.filename} (SHA-256 {kept.sha256[:12]}…)"


class ReplyChanged(ValidationError):
    def __init__(self, reference: str) -> None:
        super().__init__("Signed PDF", f"{reference}'s reply changed while it was being made")


def _signed(session: Session, case_id: int, draft_id: int | None) -> tuple[Case, Draft | None]:
    case = cases.get_case(session, case_id)
    draft = session.get(Draft, draft_id) if draft_id is not None else signed_draft(session, case_id)
    if draft is not None and draft.status != DraftStatus.SIGNED_OFF.value:
        draft = None
    return case, draft


def make_signed_pdf_outside(
    uow: UnitOfWorkFactory,
    case_id: int,
    *,
    draft_id: int | None = None,
    today: dt.date | None = None,
) -> KeptPdf:
    """`make_signed_pdf` with LibreOffice run between two short units of work, so no write
    lock (on SQLite, the whole file's) is held for the seconds it converts.

    Raises ``pdf.PdfError`` when LibreOffice fails, ``ReplyChanged`` when the reply was
    signed off again meanwhile; nothing is stored then.
    """
    with uow.read() as work:
        s = work.session
        case, draft = _signed(s, case_id, draft_id)
        if draft is None:
            raise ValidationError("Signed PDF", f"{case.reference} has no signed-off reply")
        found = _kept_for(s, case_id, draft)
        if found is not None:
            return _already_kept(found)
        signed = (draft.id, draft.signed_off_at)
        docx = letter_bytes(letter_spec_for(s, draft.id, case_id, final=True, today=today))
    data = pdf.docx_to_pdf(docx, pdfa=True)
    with uow.begin() as work:
        s = work.session
        case, draft = _signed(s, case_id, draft_id)
        if draft is None or (draft.id, draft.signed_off_at) != signed:
            raise ReplyChanged(case.reference)
        found = _kept_for(s, case_id, draft)  # kept by someone else meanwhile
        if found is not None:
            return _already_kept(found)
        return store_signed_pdf(s, work.actor, case, data)


def prepare_email_attachment(
    uow: UnitOfWorkFactory,
    case_id: int,
    *,
    draft_id: int | None = None,
    today: dt.date | None = None,
) -> None:
    """Before an email of the reply is built in a write transaction: make the signed PDF it
    attaches, if it is not kept yet, outside any transaction. Nothing to do for a reply
    signed by hand (its scan goes) or with no signed-off reply (building says so)."""
    with uow.read() as work:
        _case, draft = _signed(work.session, case_id, draft_id)
        if draft is None or draft.signature_method == "wet":
            return
    make_signed_pdf_outside(uow, case_id, draft_id=draft_id, today=today)


def _already_kept(doc: Document) -> KeptPdf:
    return KeptPdf(doc.id, doc.filename, doc.sha256, doc.size, made_now=False)


def add_signed_scan(
    uow: UnitOfWorkFactory,
    reference: str,
    path: Path,
) -> int:
    """Add the scan of a wet-signed letter to its case: what is emailed for it."""
    from correspondence.documents.file_text import MEDIA_TYPES, suffix_of

    path = Path(path)
    suffix = suffix_of(path.name)
    if suffix not in (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"):
        raise ValidationError(
            str(path), "the scan of a signed letter must be a .pdf, .png, .jpg or .tif file"
        )
    data = path.read_bytes()
    with uow.begin() as work:
        s = work.session
        actor = work.actor
        case = cases.case_by_reference(s, reference)
        doc = cases.add_document(
            s,
            actor,
            case,
            path.name,
            data,
            media_type=MEDIA_TYPES.get(suffix, "application/octet-stream"),
            role=SIGNED_SCAN_ROLE,
        )
        return doc.id


__all__ = [
    "EXPORT_FORMATS",
    "KeptPdf",
    "REPLY_PDF_ROLE",
    "SIGNED_SCAN_ROLE",
    "add_signed_scan",
    "export_format",
    "export_letter",
    "keep_signed_pdf",
    "make_signed_pdf_outside",
    "prepare_email_attachment",
    "kept_document",
    "make_signed_pdf",
    "pdf_file_name",
    "signed_draft",
]
