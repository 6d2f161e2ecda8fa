"""What the "Send by email…" window asks of the services, one transaction per call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from correspondence.services.campaigns.campaign_email import CampaignEmailReport
from correspondence.services.replies.email_reply import NothingToSend, build_reply_email
from correspondence.services.replies.reply_pdf import add_signed_scan
from correspondence.services.replies.smtp_send import (
    STATE_LABELS,
    Connection,
    SendResult,
    SmtpSettings,
    keyring_password,
    load_settings,
    resolve_unknown,
    save_settings,
    send_case,
    send_state,
)
from correspondence.services.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class EmailPreview:
    reference: str
    ready: bool  # False: nothing to send yet (``problem`` says why)
    problem: str = ""
    to_address: str = ""
    subject: str = ""
    note: str = ""  # the covering note as plain text
    attachment: str = ""
    message: bytes = b""  # the whole message, for "Save as .eml"
    state: str = ""  # the send record's state, "" when never sent
    state_label: str = ""
    message_id: str = ""

    @property
    def can_send(self) -> bool:
        return self.ready and self.state in ("", "refused")

    @property
    def needs_checking(self) -> bool:
        return self.state in ("unknown", "sending")


class _SendState(TypedDict):
    """The send record's part of a preview, whether or not the reply is ready."""

    state: str
    state_label: str
    message_id: str


class EmailDesk:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    def preview(self, case_id: int) -> EmailPreview:
        """The message as it would go; may make the signed PDF (LibreOffice, seconds)."""
        from correspondence.services.replies.reply_pdf import prepare_email_attachment

        prepare_email_attachment(self.uow, case_id, today=self.clock())
        with self.uow.begin() as work:
            s = work.session
            from correspondence.services.cases import cases

            reference = cases.get_case(s, case_id).reference
            row = send_state(s, case_id)
            state = "" if row is None else row.state
            known: _SendState = {
                "state": state,
                "state_label": STATE_LABELS.get(state, ""),
                "message_id": row.message_id if row is not None else "",
            }
            try:
                reply = build_reply_email(
                    s,
                    work.actor,
                    case_id,
                    message_id=row.message_id if row is not None else None,
                    today=self.clock(),
                )
            except NothingToSend as exc:
                return EmailPreview(reference, False, problem=str(exc), **known)
            body = reply.message.get_body(("plain",))
            note = body.get_content() if body is not None else ""
            return EmailPreview(
                reference,
                True,
                to_address=reply.to_address,
                subject=reply.subject,
                note=note,
                attachment=reply.attachment,
                message=reply.as_bytes(),
                **known,
            )

    def settings(self) -> SmtpSettings:
        with self.uow.read() as work:
            s = work.session
            return load_settings(s)

    def stored_password(self, settings: SmtpSettings) -> str | None:
        return keyring_password(settings)

    def send(self, case_id: int, settings: SmtpSettings, password: str | None) -> SendResult:
        with Connection(settings, lambda: password) as connection:
            return send_case(self.uow, case_id, connection, today=self.clock())

    def settle(self, case_id: int, arrived: bool) -> SendResult:
        return resolve_unknown(self.uow, case_id, arrived=arrived)

    def campaign_of(self, case_id: int) -> tuple[int, str, int] | None:
        """(campaign id, name, members) of the case's campaign, if it belongs to one."""
        from sqlalchemy import func, select

        from correspondence.db.models import Campaign, Case

        with self.uow.read() as work:
            s = work.session
            case = s.get(Case, case_id)
            if case is None or case.campaign_id is None:
                return None
            camp = s.get(Campaign, case.campaign_id)
            assert camp is not None
            members = s.scalar(
                select(func.count()).select_from(Case).where(Case.campaign_id == camp.id)
            )
            return camp.id, camp.name, int(members or 0)

    def send_campaign(
        self,
        campaign_id: int,
        settings: SmtpSettings,
        password: str | None,
        progress: Callable[[int, int, str], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> CampaignEmailReport:
        from correspondence.services.campaigns.campaign_email import send_campaign

        return send_campaign(
            self.uow,
            campaign_id,
            Connection(settings, lambda: password),
            today=self.clock(),
            progress=progress,
            should_cancel=should_cancel,
        )

    def add_scan(self, reference: str, path: Path) -> int:
        return add_signed_scan(self.uow, reference, path)


class MailSettings:
    """The admin screen's mail settings and signature images: one transaction per call."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    def load(self) -> tuple[SmtpSettings, list[tuple[str, str]]]:
        """The SMTP settings, and every signatory as (key, name)."""
        from sqlalchemy import select

        from correspondence.db.models import Signatory

        with self.uow.read() as work:
            rows = work.session.execute(
                select(Signatory.key, Signatory.name).order_by(Signatory.name)
            ).all()
            return load_settings(work.session), [(key, name) for key, name in rows]

    def save(self, settings: SmtpSettings) -> None:
        with self.uow.begin() as work:
            save_settings(work.session, work.actor, settings)

    def signature_image(self, key: str) -> bytes | None:
        from sqlalchemy import select

        from correspondence.db.models import Signatory

        with self.uow.read() as work:
            return work.session.scalar(
                select(Signatory.signature_image).where(Signatory.key == key)
            )

    def set_signature_image(self, key: str, data: bytes | None) -> str:
        """Set (or with None remove) a signatory's signature image; their name."""
        from correspondence.services.replies.signatures import set_signature_image

        with self.uow.begin() as work:
            return set_signature_image(work.session, work.actor, key, data).name


__all__ = ["EmailDesk", "EmailPreview", "MailSettings"]
