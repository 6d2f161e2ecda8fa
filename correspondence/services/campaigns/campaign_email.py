"""A campaign's signed reply emailed to each member, once, resuming after any interruption.

First every member still without one gets the PDF/A of their own letter, made in batches
by one LibreOffice run each and kept with their case (so a second run makes none again).
Then each member's email is sent through ``smtp_send``, whose per-case record makes a
rerun skip whoever has been sent, retry whoever was refused, and leave "check before
resending" to a person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import Campaign, Case, Correspondent, Document
from correspondence.documents import pdf
from correspondence.documents.word import letter_bytes
from correspondence.services.actors import Role
from correspondence.services.campaigns.campaign_letters import (
    MemberLetter,
    member_letters,
    signed_off_reply,
)
from correspondence.services.errors import NotFound, ValidationError
from correspondence.services.replies.reply_pdf import REPLY_PDF_ROLE, store_signed_pdf
from correspondence.services.replies.smtp_send import (
    NOT_SENT,
    REFUSED,
    SENT,
    UNKNOWN,
    Connection,
    SendResult,
    send_many,
)
from correspondence.services.unit_of_work import UnitOfWorkFactory

PDF_BATCH = 100  # letters per LibreOffice run
PDF_PROCESSES = 2


@dataclass
class CampaignEmailReport:
    campaign: str
    members: int
    pdfs_made: int = 0
    sent_now: int = 0
    already_sent: int = 0
    refused: list[str] = field(default_factory=list)
    check_before_resending: list[str] = field(default_factory=list)
    no_address: list[str] = field(default_factory=list)
    cancelled: bool = False

    @property
    def problems(self) -> bool:
        return bool(self.refused or self.check_before_resending or self.cancelled)

    def summary(self) -> str:
        lines = [
            f"{self.campaign}: {self.sent_now} sent now, {self.already_sent} sent before, "
            f"of {self.members} members ({self.pdfs_made} PDFs made)"
        ]
        if self.no_address:
            lines.append(f"  {len(self.no_address)} have no email address: send them letters")
        if self.refused:
            lines.append(f"  refused (may be sent again): {', '.join(self.refused)}")
        if self.check_before_resending:
            lines.append(
                "  check before resending (the connection dropped while handing over): "
                + ", ".join(self.check_before_resending)
            )
        if self.cancelled:
            lines.append("  stopped before the end: run it again to resume")
        return "\n".join(lines)


def _addresses(session: Session, case_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for i in range(0, len(case_ids), 500):
        rows = session.execute(
            select(Case.id, Case.reply_email, Correspondent.email)
            .join(Correspondent, Correspondent.id == Case.correspondent_id, isouter=True)
            .where(Case.id.in_(case_ids[i : i + 500]))
        )
        for cid, reply_email, email in rows:
            found[cid] = (reply_email or email or "").strip()
    return found


def _with_pdf(session: Session, case_ids: list[int], since: dt.datetime | None) -> set[int]:
    have: set[int] = set()
    for i in range(0, len(case_ids), 500):
        query = select(Document.case_id).where(
            Document.case_id.in_(case_ids[i : i + 500]), Document.role == REPLY_PDF_ROLE
        )
        if since is not None:
            query = query.where(Document.added_at >= since)
        have.update(session.scalars(query))
    return have


def send_campaign(
    uow: UnitOfWorkFactory,
    campaign_id: int,
    connection: Connection,
    *,
    today: dt.date | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> CampaignEmailReport:
    today = today or dt.date.today()
    with uow.read() as work:
        s = work.session
        work.actor.require("send replies by email", Role.OFFICER)
        camp = s.get(Campaign, campaign_id)
        if camp is None:
            raise NotFound(f"No campaign #{campaign_id}")
        draft = signed_off_reply(s, campaign_id)
        if draft.signature_method != "digital":
            raise ValidationError(
                "Campaign email",
                f"the reply to “{camp.name}” was signed by hand: a campaign is emailed only "
                "with a digital signature (each member's letter carries the signature image)",
            )
        draft_id, signed_at, name = draft.id, draft.signed_off_at, camp.name
        letters, _closed = member_letters(s, campaign_id, today=today)
        addresses = _addresses(s, [m.case_id for m in letters])
        have_pdf = _with_pdf(s, [m.case_id for m in letters], signed_at)
    report = CampaignEmailReport(name, len(letters))
    to_send = [m for m in letters if addresses.get(m.case_id)]
    report.no_address = [m.reference for m in letters if not addresses.get(m.case_id)]

    # 1. the PDFs, in batches, each batch kept in one transaction. Two LibreOffice runs at
    # once: each is one process on one core, and the batches are independent.
    missing = [m for m in to_send if m.case_id not in have_pdf]
    chunks = [missing[i : i + PDF_BATCH] for i in range(0, len(missing), PDF_BATCH)]

    def convert(chunk: list[MemberLetter]) -> list[bytes]:
        if should_cancel is not None and should_cancel():
            return []
        return pdf.docx_to_pdf_many([letter_bytes(m.spec) for m in chunk], pdfa=True)

    with ThreadPoolExecutor(max_workers=PDF_PROCESSES) as pool:
        for chunk, made in zip(chunks, pool.map(convert, chunks), strict=True):
            if not made:
                report.cancelled = True
                break
            with uow.begin() as work:
                s = work.session
                for member, data in zip(chunk, made, strict=True):
                    case = s.get(Case, member.case_id)
                    assert case is not None
                    store_signed_pdf(s, work.actor, case, data)
            report.pdfs_made += len(chunk)
            if progress is not None:
                progress(report.pdfs_made, len(missing), "PDFs")
    if report.cancelled:
        return report

    # 2. the emails, each claimed and recorded in its own transactions.
    results: list[SendResult] = send_many(
        uow,
        [m.case_id for m in to_send],
        connection,
        draft_id=draft_id,
        today=today,
        progress=progress,
        should_cancel=should_cancel,
    )
    for r in results:
        if r.state == SENT:
            if r.sent_now:
                report.sent_now += 1
            else:
                report.already_sent += 1
        elif r.state in (REFUSED, NOT_SENT):
            report.refused.append(
                f"{r.reference} ({r.detail})" if r.state == NOT_SENT else r.reference
            )
        elif r.state == UNKNOWN:
            report.check_before_resending.append(r.reference)
    report.cancelled = report.cancelled or len(results) < len(to_send)
    return report


__all__ = ["CampaignEmailReport", "send_campaign"]
