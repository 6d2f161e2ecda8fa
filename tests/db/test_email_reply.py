"""Replies by email: the message written, and sent once through a real SMTP server on loopback."""

from __future__ import annotations

import email
import io
import shutil
from email.message import Message
from email.policy import default
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select, update

from correspondence.database import Database
from correspondence.db.models import Case
from correspondence.documents import pdf
from correspondence.services.actors import actor_for
from correspondence.services.cases import cases
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.errors import ValidationError
from correspondence.services.replies import signatures
from correspondence.services.replies.email_reply import NothingToSend, build_reply_email
from correspondence.services.replies.reply_pdf import add_signed_scan
from correspondence.services.replies.smtp_send import (
    REFUSED,
    SENT,
    UNKNOWN,
    Connection,
    SendError,
    SendResult,
    SmtpSettings,
    resolve_unknown,
    send_case,
    send_state,
)
from correspondence.services.unit_of_work import acting_as
from tests.colleague_soffice import colleague_then_soffice
from tests.conftest import DEMO_TODAY
from tests.smtp import LoopbackSmtp, outward_address

SEED = "2009/0007948POSoS"
TESSA = "jowellt@parliament.example"


def picture(text: str = "") -> bytes:
    image = Image.new("RGB", (360, 90), "white")
    ImageDraw.Draw(image).line([(10, 70), (90, 15), (160, 75), (250, 20), (340, 60)], "navy", 5)
    if text:
        ImageDraw.Draw(image).text((10, 10), text, fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed_id(db: Database) -> int:
    with db.session_factory() as s:
        return cases.case_by_reference(s, SEED).id


def add_scan(db: Database, tmp_path: Path) -> None:
    scan = tmp_path / "signed-reply-scan.png"
    scan.write_bytes(picture("Ed"))
    add_signed_scan(acting_as(db.session_factory, "a.okoro"), SEED, scan)


def parse(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=default)


def connection(server: LoopbackSmtp) -> Connection:
    settings = SmtpSettings(host="127.0.0.1", port=server.port, from_address="ps@dcsf.example")
    return Connection(settings, lambda: None)


def send(
    db: Database, server: LoopbackSmtp, case_id: int | None = None, **kw: object
) -> SendResult:
    """One send over its own connection, closed after, as the command does."""
    with connection(server) as c:
        return send_case(acting_as(db.session_factory, "a.okoro"), case_id or seed_id(db), c, **kw)  # type: ignore[arg-type]


def test_a_wet_signed_reply_has_nothing_to_send_until_its_scan_is_added(
    demo_db: Database, tmp_path: Path
) -> None:
    with demo_db.session_factory.begin() as s:
        with pytest.raises(NothingToSend, match="nothing to send until the scan"):
            build_reply_email(s, actor_for(s, "a.okoro"), seed_id(demo_db), today=DEMO_TODAY)
    add_scan(demo_db, tmp_path)
    with demo_db.session_factory.begin() as s:
        reply = build_reply_email(s, actor_for(s, "a.okoro"), seed_id(demo_db), today=DEMO_TODAY)
        raw = reply.as_bytes()
    msg = parse(raw)
    assert msg["To"] == f"Rt Hon Tessa Jowell MP <{TESSA}>"
    assert msg["Subject"] == "Your letter of 20 January 2009 — our reference 2009/0007948POSoS"
    assert msg["Message-ID"] == reply.message_id and reply.message_id.startswith("<")
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for text in (plain, html):
        assert "Dear Tessa" in text
        assert "Please find attached a reply from Ed Balls MP, Secretary of State" in text
        assert "(our reference 2009/0007948POSoS)" in text
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "signed-reply-scan.png"
    assert attachment.get_content() == picture("Ed")


def test_an_email_answers_the_email_it_replies_to(demo_db: Database, tmp_path: Path) -> None:
    with demo_db.session_factory.begin() as s:
        case = cases.case_by_reference(s, SEED)
        cases.add_document(
            s,
            actor_for(s, "a.okoro"),
            case,
            "letter.eml",
            b"From: x@example.org\n\nHello",
            message_id="<abc.123@mail.example.org>",
        )
    add_scan(demo_db, tmp_path)
    with demo_db.session_factory.begin() as s:
        msg = parse(build_reply_email(s, actor_for(s, "a.okoro"), seed_id(demo_db)).as_bytes())
    assert msg["In-Reply-To"] == "<abc.123@mail.example.org>"
    assert msg["References"] == "<abc.123@mail.example.org>"


def test_no_address_means_nothing_to_send(demo_db: Database, tmp_path: Path) -> None:
    add_scan(demo_db, tmp_path)
    with demo_db.session_factory.begin() as s:
        case = s.get(Case, seed_id(demo_db))
        case.correspondent.email = ""  # type: ignore[union-attr]
    with demo_db.session_factory.begin() as s:
        with pytest.raises(NothingToSend, match="no email address to reply to"):
            build_reply_email(s, actor_for(s, "a.okoro"), seed_id(demo_db))


def test_a_reply_is_sent_once_and_the_case_records_the_message_id(
    demo_db: Database, tmp_path: Path
) -> None:
    add_scan(demo_db, tmp_path)
    with LoopbackSmtp() as server:
        first = send(demo_db, server)
        again = send(demo_db, server)
        received = server.mailbox.messages()
    assert first.state == SENT and first.sent_now
    assert again.state == SENT and not again.sent_now
    assert len(received) == 1
    assert received[0]["Message-ID"] == first.message_id
    assert received[0]["To"].endswith(f"<{TESSA}>")
    with demo_db.session_factory() as s:
        row = send_state(s, seed_id(demo_db))
        assert row is not None and row.state == SENT and row.message_id == first.message_id
        assert row.attempts == 1


def test_a_refused_recipient_can_be_retried_with_the_same_message_id(
    demo_db: Database, tmp_path: Path
) -> None:
    add_scan(demo_db, tmp_path)
    with LoopbackSmtp() as server:
        server.mailbox.refuse.add(TESSA)
        refused = send(demo_db, server)
        assert refused.state == REFUSED and "550" in refused.detail
        assert server.mailbox.received == []
        server.mailbox.refuse.clear()
        retried = send(demo_db, server)
        assert len(server.mailbox.received) == 1
    assert retried.state == SENT and retried.message_id == refused.message_id
    with demo_db.session_factory() as s:
        assert send_state(s, seed_id(demo_db)).attempts == 2  # type: ignore[union-attr]


def test_a_dropped_connection_after_data_is_never_resent_blindly(
    demo_db: Database, tmp_path: Path
) -> None:
    add_scan(demo_db, tmp_path)
    sf = demo_db.session_factory
    with LoopbackSmtp() as server:
        server.mailbox.drop_after_data = 1
        dropped = send(demo_db, server)
        assert dropped.state == UNKNOWN and "may have arrived" in dropped.detail
        assert len(server.mailbox.received) == 1  # it did arrive: resending would duplicate it
        again = send(demo_db, server)
        assert again.state == UNKNOWN and not again.sent_now
        assert "check before resending" in again.label
        assert len(server.mailbox.received) == 1
        # An officer checks with the recipient: it never arrived, so it may go again.
        resolve_unknown(acting_as(sf, "a.okoro"), seed_id(demo_db), arrived=False)
        resent = send(demo_db, server)
        assert resent.state == SENT and len(server.mailbox.received) == 2


def test_no_server_is_a_refusal_that_may_be_retried(demo_db: Database, tmp_path: Path) -> None:
    add_scan(demo_db, tmp_path)
    with LoopbackSmtp() as server:
        port = server.port
    settings = SmtpSettings(host="127.0.0.1", port=port, from_address="ps@dcsf.example")
    with Connection(settings, lambda: None) as c:
        result = send_case(acting_as(demo_db.session_factory, "a.okoro"), seed_id(demo_db), c)
    assert result.state == REFUSED and "could not reach the server" in result.detail


def test_a_server_across_the_network_without_starttls_is_refused(
    demo_db: Database, tmp_path: Path
) -> None:
    address = outward_address()
    if address is None:
        pytest.skip("this machine has no network address besides loopback")
    add_scan(demo_db, tmp_path)
    with LoopbackSmtp(hostname=address) as server:
        settings = SmtpSettings(host=address, port=server.port)
        with Connection(settings, lambda: None) as remote:
            with pytest.raises(SendError, match="does not offer STARTTLS"):
                send_case(acting_as(demo_db.session_factory, "a.okoro"), seed_id(demo_db), remote)
        assert server.mailbox.received == []
    with demo_db.session_factory() as s:
        assert send_state(s, seed_id(demo_db)).state == REFUSED  # type: ignore[union-attr]


def test_a_signed_off_case_is_dispatched_by_email(demo_db: Database, tmp_path: Path) -> None:
    """A triaged case drafted, signed by hand, scanned and emailed: dispatched, channel email."""
    with demo_db.session_factory() as s:
        case_id = s.scalars(
            select(Case.id).where(Case.status == "triaged", Case.campaign_id.is_(None)).limit(1)
        ).one()
        reference = s.get(Case, case_id).reference  # type: ignore[union-attr]
    with demo_db.session_factory.begin() as s:
        case = s.get(Case, case_id)
        case.reply_channel, case.reply_email = "email", "writer@example.org"  # type: ignore[union-attr]

    def as_(user: str) -> Drafting:
        return Drafting(acting_as(demo_db.session_factory, user), clock=lambda: DEMO_TODAY)

    view = as_("p.mehta").create(case_id, ["babyp-tragedy"])
    as_("p.mehta").submit(view.id)
    as_("policy.lead.safeguarding").approve(view.id)
    as_("ps.sos").sign_off(view.id, "wet")
    scan = tmp_path / "scan.png"
    scan.write_bytes(picture())
    add_signed_scan(acting_as(demo_db.session_factory, "a.okoro"), reference, scan)
    with LoopbackSmtp() as server:
        result = send(demo_db, server, case_id, today=DEMO_TODAY)
        assert [m["To"] for m in server.mailbox.messages()][0].endswith("<writer@example.org>")
    assert result.state == SENT
    with demo_db.session_factory() as s:
        case = s.get(Case, case_id)
        assert case is not None
        assert (case.status, case.dispatch_channel) == ("dispatched", "email")


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_a_digitally_signed_reply_carries_its_pdfa(demo_db: Database) -> None:
    with demo_db.session_factory.begin() as s:
        for key in ("sos", "mos"):
            signatures.set_signature_image(s, actor_for(s, "admin"), key, picture())
        case = s.get(Case, seed_id(demo_db))
        assert case is not None
        s.execute(
            __import__("sqlalchemy")
            .update(__import__("correspondence.db.models", fromlist=["Draft"]).Draft)
            .where(
                __import__("correspondence.db.models", fromlist=["Draft"]).Draft.case_id == case.id
            )
            .values(signature_method="digital")
        )
    with demo_db.session_factory.begin() as s:
        reply = build_reply_email(s, actor_for(s, "a.okoro"), seed_id(demo_db))
    [attachment] = list(parse(reply.as_bytes()).iter_attachments())
    assert attachment.get_filename() == "2009-0007948POSoS-signed.pdf"
    assert pdf.is_pdfa(attachment.get_content())


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
@pytest.mark.parametrize("demo_template", ["sqlite"], indirect=True)
def test_colleagues_can_save_while_the_emailed_pdf_is_made(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The preview of an email makes the signed PDF it attaches when none is kept yet:
    LibreOffice then runs outside any transaction (on SQLite a write one locks the file)."""
    from correspondence.db.models import Draft
    from correspondence.services.replies.email_desk import EmailDesk

    case_id = seed_id(demo_db)
    with demo_db.session_factory.begin() as s:
        for key in ("sos", "mos"):
            signatures.set_signature_image(s, actor_for(s, "admin"), key, picture())
        s.execute(update(Draft).where(Draft.case_id == case_id).values(signature_method="digital"))
    wrapper, marker = colleague_then_soffice(demo_db.url, tmp_path)
    monkeypatch.setenv("CORRESPONDENCE_SOFFICE", str(wrapper))
    shown = EmailDesk(acting_as(demo_db.session_factory, "a.okoro"), lambda: DEMO_TODAY).preview(
        case_id
    )
    assert marker.read_text() == "free"
    assert shown.ready, shown.problem
    assert "2009-0007948POSoS-signed.pdf" in shown.attachment


def test_an_imported_email_proposes_a_reply_by_email_to_its_sender(
    db: Database, tmp_path: Path
) -> None:
    from correspondence.services.intake.intake import Intake
    from correspondence.services.triage.reply_channel import ReplyChannels

    mail = tmp_path / "letter.eml"
    mail.write_bytes(
        b"From: Ann Writer <ann.writer@example.org>\nTo: ministers@dcsf.example\n"
        b"Subject: Social workers\nMessage-ID: <q1@example.org>\n\nPlease reply.\n"
    )
    letter = tmp_path / "letter.txt"
    letter.write_text("Dear Secretary of State\n\nPlease reply.\n\nMrs Ann Writer\n")
    result = Intake(acting_as(db.session_factory, "officer.one")).import_paths([mail, letter])
    by_name = {Path(c.path).name: c for c in result.imported}
    channels = ReplyChannels(acting_as(db.session_factory, "officer.one"))
    emailed = channels.get(by_name["letter.eml"].case_id)
    posted = channels.get(by_name["letter.txt"].case_id)
    assert (emailed.channel, emailed.email) == ("email", "ann.writer@example.org")
    assert (posted.channel, posted.email) == ("letter", "")
    # Changed by hand, with a check of the address.
    with pytest.raises(ValidationError, match="is not an email address"):
        channels.set(posted.case_id, "email", "ann at example")
    changed = channels.set(emailed.case_id, "letter")
    assert (changed.channel, changed.email) == ("letter", "")
