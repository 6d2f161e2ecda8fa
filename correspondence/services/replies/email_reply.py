"""A signed reply as an email: covering note from an approved line, the signed PDF attached.

Built with the standard library's ``email`` package. The message goes to the
correspondent (where an MP wrote for constituents, to the MP, as the Cabinet Office
asks), answers the incoming email (In-Reply-To, References) where there was one, and
carries:

- a digitally signed reply: its PDF/A, with the signature image above the name;
- a wet-signed reply: the scan of the signed letter, once an officer has added it.
  Until then there is nothing to send, and the error says so.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import Case, Document, Draft, Setting, Signatory
from correspondence.documents.letter_spec import long_date
from correspondence.documents.rendering import TemplateProblem, render_line
from correspondence.services.actors import Actor
from correspondence.services.cases import cases
from correspondence.services.drafting.reply_letter import computed_salutation
from correspondence.services.errors import ServiceError, ValidationError
from correspondence.services.lines.line_context import context_for_case
from correspondence.services.lines.line_views import approved_version
from correspondence.services.replies.reply_pdf import (
    SIGNED_SCAN_ROLE,
    kept_document,
    make_signed_pdf,
    signed_draft,
)

COVERING_LINE = "email-covering-note"
FROM_SETTING = "email.from"
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class NothingToSend(ServiceError):
    """The reply cannot go by email yet: the message says what is missing."""


@dataclass(frozen=True)
class ReplyEmail:
    case_id: int
    draft_id: int
    reference: str
    to_address: str
    subject: str
    message_id: str
    attachment: str  # the attached file's name
    message: EmailMessage

    def as_bytes(self) -> bytes:
        return self.message.as_bytes(policy=SMTP)


def subject_for(case: Case) -> str:
    """ "Your letter of 12 January 2009 — our reference 2009/0007948POSoS"."""
    what = "email" if case.channel == "email" else "letter"
    return f"Your {what} of {long_date(case.received_on)} — our reference {case.reference}"


def recipient_for(case: Case) -> str:
    """The address the reply goes to: the case's reply address, else the correspondent's."""
    address = (case.reply_email or "").strip()
    if not address and case.correspondent is not None:
        address = case.correspondent.email.strip()
    who = case.correspondent.display_name if case.correspondent else "the correspondent"
    if not address:
        raise NothingToSend(
            f"{case.reference} has no email address to reply to: add {who}'s address "
            "(the reply channel's address, at triage or in the editor)"
        )
    if not EMAIL.fullmatch(address):
        raise ValidationError("Reply email", f"{address!r} is not an email address")
    return address


def from_address(session: Session, signatory: Signatory | None) -> str:
    """The office's sending address (admin screen), else the signatory's published one."""
    setting = session.get(Setting, FROM_SETTING)
    address = (setting.value if setting else "").strip()
    if not address and signatory is not None:
        address = signatory.email.strip()
    if not address:
        raise ValidationError(
            "Sending address", "set the office's sending address in the admin screen"
        )
    return address


def incoming_message_id(session: Session, case_id: int) -> str | None:
    """The Message-ID of the email the case came in as, if it came by email."""
    return session.scalar(
        select(Document.message_id)
        .where(
            Document.case_id == case_id,
            Document.role == "original",
            Document.message_id.is_not(None),
        )
        .order_by(Document.id)
        .limit(1)
    )


def covering_note(
    session: Session, case: Case, signatory: Signatory, letter_date: dt.date | None
) -> list[str]:
    """The note's paragraphs: salutation, the approved covering line, who sends it."""
    version = approved_version(session, COVERING_LINE)
    mapping = context_for_case(
        session, case.id, signatory_id=signatory.id, letter_date=letter_date
    ).as_mapping(today=letter_date)
    try:
        body = render_line(version.body, mapping)
    except TemplateProblem as exc:
        raise ValidationError(f"Line {COVERING_LINE} v{version.number}", str(exc)) from exc
    dear, _close = computed_salutation(case)
    office = f"Private Office of {signatory.name}"
    return [dear, body, office, signatory.department]


def _attachment(
    session: Session, actor: Actor, case: Case, draft: Draft, today: dt.date | None
) -> tuple[str, bytes, str]:
    if draft.signature_method == "wet":
        scan = kept_document(session, case.id, SIGNED_SCAN_ROLE)
        if scan is None:
            raise NothingToSend(
                f"{case.reference} was signed by hand: there is nothing to send until the scan "
                "of the signed letter is added to the case (Add signed scan…)"
            )
        return scan.filename, scan.content, scan.media_type
    kept = make_signed_pdf(session, actor, case.id, draft_id=draft.id, today=today)
    doc = session.get(Document, kept.document_id)
    assert doc is not None
    return doc.filename, doc.content, doc.media_type


def build_reply_email(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    draft_id: int | None = None,
    message_id: str | None = None,
    today: dt.date | None = None,
) -> ReplyEmail:
    """The email for a case's signed reply (``draft_id``: a campaign's, for a member)."""
    case = cases.get_case(session, case_id)
    draft = session.get(Draft, draft_id) if draft_id is not None else signed_draft(session, case_id)
    if draft is None or draft.status != "signed_off":
        raise NothingToSend(
            f"{case.reference} has no signed-off reply: only a signed-off reply is emailed"
        )
    to_address = recipient_for(case)
    signatory_id = draft.signatory_id or case.signatory_id or case.addressed_to_id
    signatory = session.get(Signatory, signatory_id) if signatory_id else None
    if signatory is None:
        raise ValidationError("Signatory", f"{case.reference}'s reply names no signatory")
    sender = from_address(session, signatory)
    letter_date = draft.letter_date or today
    paragraphs = covering_note(session, case, signatory, letter_date)
    name, data, media_type = _attachment(session, actor, case, draft, today)

    msg = EmailMessage()
    msg["From"] = formataddr((f"Private Office of {signatory.name}", sender))
    recipient = case.correspondent.display_name if case.correspondent else ""
    msg["To"] = formataddr((recipient, to_address))
    subject = subject_for(case)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    domain = sender.rsplit("@", 1)[-1]
    # Short enough to stay on one header line (a folded Message-ID trips some servers).
    message_id = message_id or (
        f"<{re.sub(r'[^A-Za-z0-9]+', '.', case.reference)}.{uuid.uuid4().hex[:16]}@{domain}>"
    )
    msg["Message-ID"] = message_id
    incoming = incoming_message_id(session, case.id)
    if incoming:
        msg["In-Reply-To"] = incoming
        msg["References"] = incoming
    msg.set_content("\n\n".join(paragraphs[:2]) + "\n\n" + "\n".join(paragraphs[2:]) + "\n")
    markup = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs[:2])
    markup += "<p>" + "<br>".join(html.escape(p) for p in paragraphs[2:]) + "</p>"
    msg.add_alternative(
        f'<!DOCTYPE html><html><body style="font-family: Arial, sans-serif">{markup}</body></html>',
        subtype="html",
    )
    maintype, _, subtype = media_type.partition("/")
    msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    return ReplyEmail(
        case_id=case.id,
        draft_id=draft.id,
        reference=case.reference,
        to_address=to_address,
        subject=subject,
        message_id=message_id,
        attachment=name,
        message=msg,
    )


__all__ = [
    "COVERING_LINE",
    "FROM_SETTING",
    "NothingToSend",
    "ReplyEmail",
    "build_reply_email",
    "covering_note",
    "recipient_for",
    "subject_for",
]
