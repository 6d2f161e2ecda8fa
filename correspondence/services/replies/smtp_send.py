"""Sending replies through the office's SMTP server, so that nothing goes twice.

Each case has at most one row in ``email_sends``. A send first *claims* that row
(state ``sending``) in its own committed transaction, then talks to the server, then
records the outcome in another:

- ``sent``: the server accepted the message (250 after DATA). Never sent again.
- ``refused``: the server said no before taking the message (a refused recipient, a
  failed login, no connection). Nothing was handed over, so it may be retried.
- ``unknown``: the connection dropped while the message was being handed over, so the
  server may have taken it. Marked "check before resending": the app never retries it
  by itself; an officer checks with the recipient and says whether it arrived.

A send killed between claim and outcome leaves ``sending`` behind, which is treated as
``unknown`` for the same reason.

The SMTP password never touches the database or a file: it comes from the system
keyring where the desktop has one, or is asked for at the moment of sending.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from correspondence.db.models import Case, Draft, EmailSend, Setting, now_utc
from correspondence.domain.states import CaseStatus
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.errors import ServiceError, ValidationError
from correspondence.services.replies.email_reply import NothingToSend, ReplyEmail, build_reply_email
from correspondence.services.replies.reply_pdf import prepare_email_attachment
from correspondence.services.unit_of_work import UnitOfWorkFactory

SENDING, SENT, REFUSED, UNKNOWN = "sending", "sent", "refused", "unknown"
NOT_SENT = "not sent"  # never handed to the server: the message could not be made
STATE_LABELS = {
    SENDING: "being sent (or interrupted: check before resending)",
    SENT: "sent",
    REFUSED: "refused by the server (may be sent again)",
    UNKNOWN: "check before resending: the connection dropped while the message was handed over",
}
KEYRING_SERVICE = "Correspondence Desk SMTP"
SMTP_TIMEOUT_S = 30
LOOPBACK = ("localhost", "127.0.0.1", "::1")

_SETTING_KEYS = {
    "host": "email.smtp_host",
    "port": "email.smtp_port",
    "username": "email.smtp_username",
    "starttls": "email.smtp_starttls",
    "from_address": "email.from",
}


class SendError(ServiceError):
    """A send that cannot start, or must not be repeated; the message says why."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 587
    username: str = ""
    starttls: bool = True  # required unless the server is on this machine
    from_address: str = ""

    def with_server(self, host_port: str | None) -> SmtpSettings:
        """``--smtp HOST:PORT`` given for one command."""
        if not host_port:
            return self
        host, _, port = host_port.rpartition(":")
        if not host or not port.isdigit():
            raise ValidationError(
                "--smtp", f"give HOST:PORT, e.g. smtp.example.org:587, not {host_port!r}"
            )
        return replace(self, host=host.strip("[]"), port=int(port))

    @property
    def on_this_machine(self) -> bool:
        return self.host in LOOPBACK


def load_settings(session: Session) -> SmtpSettings:
    values = {k: session.get(Setting, key) for k, key in _SETTING_KEYS.items()}
    text = {k: (v.value if v is not None else "") for k, v in values.items()}
    port = text["port"]
    return SmtpSettings(
        host=text["host"],
        port=int(port) if port.isdigit() else 587,
        username=text["username"],
        starttls=text["starttls"] != "off",
        from_address=text["from_address"],
    )


def save_settings(session: Session, actor: Actor, settings: SmtpSettings) -> None:
    """The admin screen's SMTP settings (never the password)."""
    actor.require("change the email settings", Role.ADMIN)
    if not 0 < settings.port < 65536:
        raise ValidationError("Port", f"{settings.port} is not a port number (1-65535)")
    values = {
        "host": settings.host.strip(),
        "port": str(settings.port),
        "username": settings.username.strip(),
        "starttls": "on" if settings.starttls else "off",
        "from_address": settings.from_address.strip(),
    }
    for field, value in values.items():
        key = _SETTING_KEYS[field]
        row = session.get(Setting, key)
        old = row.value if row is not None else ""
        if old == value:
            continue
        if row is None:
            session.add(Setting(key=key, value=value))
        else:
            row.value = value
        events.record(session, actor, "setting", None, "changed", field=key, old=old, new=value)


# --- the password: keyring, else asked -------------------------------------------------------


def keyring_password(settings: SmtpSettings) -> str | None:
    """The password kept in the desktop's keyring, if there is a usable keyring."""
    if not settings.username:
        return None
    try:
        import keyring
        from keyring.errors import KeyringError

        return keyring.get_password(KEYRING_SERVICE, f"{settings.username}@{settings.host}")
    except (ImportError, KeyringError, RuntimeError, OSError):
        return None


def store_keyring_password(settings: SmtpSettings, password: str) -> bool:
    """Keep the password in the keyring; False when the desktop has none (then it is asked)."""
    try:
        import keyring
        from keyring.errors import KeyringError

        keyring.set_password(KEYRING_SERVICE, f"{settings.username}@{settings.host}", password)
    except (ImportError, KeyringError, RuntimeError, OSError):
        return False
    return True


# --- one conversation with the server ---------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    state: str  # sent|refused|unknown
    detail: str


class Connection:
    """One SMTP session, reused for many messages (a campaign), opened on first use."""

    def __init__(self, settings: SmtpSettings, password: Callable[[], str | None]) -> None:
        self.settings = settings
        self._password = password
        self._smtp: smtplib.SMTP | None = None
        self.unreachable = False

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        if not s.host:
            raise SendError(
                "No SMTP server is set: an admin sets it on the Email tab of the admin screen"
            )
        smtp = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT_S)
        try:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            elif s.starttls and not s.on_this_machine:
                raise SendError(
                    f"{s.host} does not offer STARTTLS: the reply would cross the network "
                    "unencrypted, so it was not sent (an admin can turn the requirement off)"
                )
            if s.username:
                password = self._password()
                if password is None:
                    raise SendError("No SMTP password was given; nothing was sent")
                smtp.login(s.username, password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, reply: ReplyEmail, sender: str) -> Outcome:
        """Hand one message over; which side of DATA a failure falls on decides its state."""
        try:
            if self._smtp is None:
                try:
                    self._smtp = self._open()
                except (smtplib.SMTPException, OSError):
                    self.unreachable = True  # a campaign stops rather than wait per member
                    raise
            smtp = self._smtp
            code, answer = smtp.mail(sender)
            if code != 250:
                self._reset()
                return Outcome(REFUSED, f"sender refused: {code} {_text(answer)}")
            code, answer = smtp.rcpt(reply.to_address)
            if code not in (250, 251):
                self._reset()
                return Outcome(REFUSED, f"{reply.to_address} refused: {code} {_text(answer)}")
        except SendError:
            raise
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            return Outcome(REFUSED, f"could not reach the server: {_describe(exc)}")
        try:
            code, answer = smtp.data(reply.as_bytes())
        except smtplib.SMTPDataError as exc:
            self._reset()
            return Outcome(REFUSED, f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}")
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            return Outcome(
                UNKNOWN,
                f"the connection dropped while the message was handed over ({_describe(exc)}); "
                "it may have arrived",
            )
        return Outcome(SENT, f"{code} {_text(answer)}")

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer in time"
    return str(exc) or type(exc).__name__


# --- the idempotent send of one case ---------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    reference: str
    state: str
    message_id: str
    to_address: str
    detail: str
    sent_now: bool  # False when it had already gone: nothing was sent this time

    @property
    def label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


def send_state(session: Session, case_id: int) -> EmailSend | None:
    return session.scalar(select(EmailSend).where(EmailSend.case_id == case_id))


def _claim(uow: UnitOfWorkFactory, reply: ReplyEmail) -> tuple[EmailSend | None, SendResult | None]:
    """Take the case's send row for this attempt, or say why not (already sent, unknown)."""
    try:
        with uow.begin() as work:
            s = work.session
            row = send_state(s, reply.case_id)
            if row is None:
                row = EmailSend(
                    case_id=reply.case_id,
                    draft_id=reply.draft_id,
                    to_address=reply.to_address,
                    subject=reply.subject,
                    message_id=reply.message_id,
                    state=SENDING,
                    detail="",
                    attempts=1,
                    username=uow.username,
                )
                s.add(row)
                s.flush()
                s.expunge(row)
                return row, None
            if row.state != REFUSED:
                return None, _already(reply.reference, row)
            # Only the one who turns "refused" into "sending" may go on.
            claimed = s.execute(
                update(EmailSend)
                .where(EmailSend.id == row.id, EmailSend.state == REFUSED)
                .values(
                    state=SENDING,
                    attempts=EmailSend.attempts + 1,
                    to_address=reply.to_address,
                    username=uow.username,
                    updated_at=now_utc(),
                )
            )
            taken = cast(CursorResult[Any], claimed).rowcount  # an UPDATE's result has one
            s.refresh(row)
            s.expunge(row)
            if taken != 1:
                return None, _already(reply.reference, row)
            return row, None
    except IntegrityError:  # another sender inserted the row first
        with uow.read() as work:
            s = work.session
            row = send_state(s, reply.case_id)
            assert row is not None
            return None, _already(reply.reference, row)


def _already(reference: str, row: EmailSend) -> SendResult:
    state = UNKNOWN if row.state == SENDING else row.state
    return SendResult(reference, state, row.message_id, row.to_address, row.detail, False)


def _record(uow: UnitOfWorkFactory, row: EmailSend, outcome: Outcome, today: dt.date) -> None:
    with uow.begin() as work:
        s = work.session
        actor = work.actor
        s.execute(
            update(EmailSend)
            .where(EmailSend.id == row.id)
            .values(
                state=outcome.state,
                detail=outcome.detail[:2000],
                updated_at=now_utc(),
                sent_at=now_utc() if outcome.state == SENT else None,
            )
        )
        action = {SENT: "emailed", REFUSED: "email refused", UNKNOWN: "email outcome unknown"}
        events.record(
            s,
            actor,
            "case",
            row.case_id,
            action[outcome.state],
            case_id=row.case_id,
            field="message_id",
            new=row.message_id,
            reason=outcome.detail[:500],
        )
        if outcome.state == SENT:
            _dispatched_by_email(s, actor, row.case_id, today, row.draft_id)


def _dispatched_by_email(
    s: Session, actor: Actor, case_id: int, today: dt.date, draft_id: int | None
) -> None:
    from correspondence.domain.states import CLOSED_STATUSES
    from correspondence.services.replies.dispatch import dispatch

    case = s.get(Case, case_id)
    draft = s.get(Draft, draft_id) if draft_id is not None else None
    if case is None or case.status in {c.value for c in CLOSED_STATUSES}:
        return  # already dispatched (this is a copy by email) or closed: the email is noted
    if draft is not None and draft.campaign_id is not None and draft.case_id != case.id:
        # A campaign member is answered by the campaign's reply, as the campaign export does.
        old = case.status
        case.status = CaseStatus.DISPATCHED
        case.signed_off_on = case.signed_off_on or (
            draft.signed_off_at.date() if draft.signed_off_at else today
        )
        case.signature_method = case.signature_method or draft.signature_method
        case.dispatched_on, case.dispatch_channel = today, "email"
        events.record(
            s,
            actor,
            "case",
            case.id,
            "status",
            case_id=case.id,
            field="status",
            old=old,
            new=case.status,
            reason=f"answered by the campaign reply (draft #{draft.id}) by email",
        )
        return
    if case.status != CaseStatus.SIGNED_OFF.value:
        return
    on = max(today, case.signed_off_on) if case.signed_off_on else today
    dispatch(s, actor, case_id, on=on, channel="email", today=on)


def send_case(
    uow: UnitOfWorkFactory,
    case_id: int,
    connection: Connection,
    *,
    draft_id: int | None = None,
    today: dt.date | None = None,
) -> SendResult:
    """Send one case's reply once; a repeat call reports the first outcome instead."""
    today = today or dt.date.today()
    with uow.read() as work:
        work.actor.require("send replies by email", Role.OFFICER)
        row = send_state(work.session, case_id)
        sent = row is not None and row.state != REFUSED
    if not sent:
        prepare_email_attachment(uow, case_id, draft_id=draft_id, today=today)
    with uow.begin() as work:
        s = work.session
        work.actor.require("send replies by email", Role.OFFICER)
        row = send_state(s, case_id)
        if row is not None and row.state != REFUSED:
            case = s.get(Case, case_id)
            assert case is not None  # its send record refers to it
            return _already(case.reference, row)
        message_id = row.message_id if row is not None else None
        # Building makes the signed PDF if it was not made above (kept with the case).
        reply = build_reply_email(
            s, work.actor, case_id, draft_id=draft_id, message_id=message_id, today=today
        )
        sender = connection.settings.from_address or _header_address(reply)
    claimed, already = _claim(uow, reply)
    if already is not None:
        return already
    assert claimed is not None
    try:
        outcome = connection.send(reply, sender)
    except SendError as exc:
        outcome = Outcome(REFUSED, str(exc))
        _record(uow, claimed, outcome, today)
        raise
    _record(uow, claimed, outcome, today)
    return SendResult(
        reply.reference,
        outcome.state,
        reply.message_id,
        reply.to_address,
        outcome.detail,
        outcome.state == SENT,
    )


def _header_address(reply: ReplyEmail) -> str:
    from email.utils import parseaddr

    return parseaddr(str(reply.message["From"]))[1]


def resolve_unknown(uow: UnitOfWorkFactory, case_id: int, *, arrived: bool) -> SendResult:
    """An officer has checked with the recipient: it arrived (sent) or not (may resend)."""
    with uow.begin() as work:
        s = work.session
        actor = work.actor
        actor.require("settle an email's outcome", Role.OFFICER)
        row = send_state(s, case_id)
        case = s.get(Case, case_id)
        assert case is not None
        if row is None or row.state not in (UNKNOWN, SENDING):
            raise ValidationError("Email", f"{case.reference}'s email is not waiting to be checked")
        row.state = SENT if arrived else REFUSED
        row.detail = "checked with the recipient: " + (
            "it arrived" if arrived else "it did not arrive"
        )
        if arrived:
            row.sent_at = now_utc()
        events.record(
            s,
            actor,
            "case",
            case_id,
            "email checked",
            case_id=case_id,
            field="message_id",
            new=row.message_id,
            reason=row.detail,
        )
        if arrived:
            _dispatched_by_email(s, actor, case_id, dt.date.today(), row.draft_id)
        return SendResult(
            case.reference, row.state, row.message_id, row.to_address, row.detail, False
        )


def send_many(
    uow: UnitOfWorkFactory,
    case_ids: Iterable[int],
    connection: Connection,
    *,
    draft_id: int | None = None,
    today: dt.date | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> list[SendResult]:
    """Each case once, over one connection; an interrupted run resumes where it stopped."""
    ids = list(case_ids)
    results: list[SendResult] = []
    try:
        for done, case_id in enumerate(ids):
            if should_cancel is not None and should_cancel():
                break
            try:
                result = send_case(uow, case_id, connection, draft_id=draft_id, today=today)
            except (NothingToSend, ValidationError) as exc:
                # This member's message cannot be made (a bad address, say): the rest go on.
                result = _not_sent(uow, case_id, str(exc))
            results.append(result)
            if progress is not None:
                progress(done + 1, len(ids), result.reference)
            if connection.unreachable:
                break  # the server cannot be reached: no use trying every member
    finally:
        connection.close()
    return results


def _not_sent(uow: UnitOfWorkFactory, case_id: int, why: str) -> SendResult:
    with uow.read() as work:
        s = work.session
        case = s.get(Case, case_id)
        reference = case.reference if case is not None else f"case #{case_id}"
    return SendResult(reference, NOT_SENT, "", "", why, False)


__all__ = [
    "Connection",
    "KEYRING_SERVICE",
    "REFUSED",
    "SENDING",
    "SENT",
    "STATE_LABELS",
    "SendError",
    "SendResult",
    "SmtpSettings",
    "UNKNOWN",
    "keyring_password",
    "load_settings",
    "resolve_unknown",
    "save_settings",
    "send_case",
    "send_many",
    "send_state",
    "store_keyring_password",
]
