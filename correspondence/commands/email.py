"""`email` (a signed reply as an email: write it, send it, settle it), `smtp` (settings)
and `signature` (a signatory's signature image)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from correspondence.commands.shared import Common, add_command, print_json, unit_of_work
from correspondence.services.errors import ValidationError

if TYPE_CHECKING:
    from correspondence.services.replies.smtp_send import Connection
    from correspondence.services.unit_of_work import UnitOfWorkFactory


def register(sub: argparse._SubParsersAction, common: Common) -> None:
    p = add_command(
        sub,
        common,
        "email",
        "a signed reply by email: `email REF --out reply.eml` writes the message, "
        "`email REF --send [--smtp HOST:PORT]` sends it once, `email --campaign ID --send` "
        "sends one to each member, `email REF --scan FILE` adds the scan of a wet-signed "
        "letter, `email REF --checked arrived|missing` settles a send whose outcome is unknown",
        cmd_email,
    )
    p.add_argument("reference", nargs="?", help="the case reference")
    p.add_argument("--out", type=Path, help="write the message to this .eml file")
    p.add_argument("--send", action="store_true", help="send it through the SMTP server")
    p.add_argument("--smtp", metavar="HOST:PORT", help="the SMTP server for this command")
    p.add_argument("--campaign", type=int, metavar="ID", help="every member of a campaign")
    p.add_argument("--scan", type=Path, metavar="FILE", help="add the scan of the signed letter")
    p.add_argument(
        "--checked",
        choices=("arrived", "missing"),
        help="after checking with the recipient: the email arrived, or it did not (may resend)",
    )
    p.add_argument("--json", action="store_true")

    p = add_command(
        sub,
        common,
        "smtp",
        "show or set the office's SMTP settings (admin); the password is kept in the "
        "system keyring when there is one, otherwise asked for when sending",
        cmd_smtp,
    )
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--username", help="login name on the server (empty: no login)")
    p.add_argument("--from", dest="from_address", help="the office's sending address")
    p.add_argument(
        "--starttls", choices=("on", "off"), help="require STARTTLS (on unless on this machine)"
    )
    p.add_argument(
        "--keep-password",
        action="store_true",
        help="ask for the password and keep it in the keyring",
    )

    p = add_command(
        sub,
        common,
        "signature",
        "set a signatory's signature image (PNG or JPEG; admin): `signature KEY --image FILE`",
        cmd_signature,
    )
    p.add_argument("key", help="the signatory's key, e.g. sos")
    p.add_argument("--image", type=Path, help="the picture of the signature")
    p.add_argument("--remove", action="store_true", help="remove the signature image")


def _ask_password(settings: object) -> str | None:
    from correspondence.services.replies.smtp_send import SmtpSettings, keyring_password

    assert isinstance(settings, SmtpSettings)
    found = keyring_password(settings)
    if found is not None:
        return found
    if not sys.stdin.isatty():
        return None
    return getpass.getpass(f"SMTP password for {settings.username} at {settings.host}: ")


def cmd_email(args: argparse.Namespace) -> int:
    from correspondence.services.cases import cases
    from correspondence.services.replies.email_reply import build_reply_email
    from correspondence.services.replies.reply_pdf import add_signed_scan

    uow = unit_of_work(args)
    if args.campaign is not None:
        if not args.send:
            raise ValidationError("--campaign", "give --send to email every member")
        return _send_campaign(args, uow)
    if not args.reference:
        raise ValidationError("Arguments", "give a case reference, e.g. 2009/0007948POSoS")
    if args.scan is not None:
        add_signed_scan(uow, args.reference, args.scan)
        print(f"Added the signed scan {args.scan.name} to {args.reference}")
    if args.checked:
        from correspondence.services.replies.smtp_send import resolve_unknown

        with uow.read() as work:
            s = work.session
            case_id = cases.case_by_reference(s, args.reference).id
        result = resolve_unknown(uow, case_id, arrived=args.checked == "arrived")
        print(f"{result.reference}: {result.label}")
    if args.out is not None:
        from correspondence.services.replies.reply_pdf import prepare_email_attachment

        with uow.read() as work:
            case_id = cases.case_by_reference(work.session, args.reference).id
        prepare_email_attachment(uow, case_id)
        with uow.begin() as work:
            s = work.session
            case_id = cases.case_by_reference(s, args.reference).id
            reply = build_reply_email(s, work.actor, case_id)
            data = reply.as_bytes()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(data)
        print(
            f"Wrote {args.out}: to {reply.to_address}, “{reply.subject}”, with {reply.attachment}"
        )
    if args.send:
        return _send_one(args, uow)
    if args.out is None and args.scan is None and not args.checked:
        return _show(args, uow)
    return 0


def _connection(args: argparse.Namespace, uow: UnitOfWorkFactory) -> Connection:
    from correspondence.services.replies.smtp_send import Connection, load_settings

    with uow.read() as work:
        s = work.session
        settings = load_settings(s).with_server(args.smtp)
    return Connection(settings, lambda: _ask_password(settings))


def _send_one(args: argparse.Namespace, uow: UnitOfWorkFactory) -> int:
    from correspondence.services.cases import cases
    from correspondence.services.replies.smtp_send import SENT, send_case

    with uow.read() as work:
        s = work.session
        case_id = cases.case_by_reference(s, args.reference).id
    connection = _connection(args, uow)
    try:
        result = send_case(uow, case_id, connection)
    finally:
        connection.close()
    if args.json:
        print_json(result)
    elif result.sent_now:
        print(f"{result.reference}: sent to {result.to_address} ({result.message_id})")
    else:
        print(f"{result.reference}: {result.label} — {result.detail or result.message_id}")
    return 0 if result.state == SENT else 1


def _send_campaign(args: argparse.Namespace, uow: UnitOfWorkFactory) -> int:
    from correspondence.services.campaigns.campaign_email import send_campaign

    connection = _connection(args, uow)

    def progress(done: int, total: int, ref: str) -> None:
        if done % 50 == 0 or done == total:
            print(f"  {done}/{total} {ref}", flush=True)

    report = send_campaign(uow, args.campaign, connection, progress=progress)
    if args.json:
        print_json(report)
    else:
        print(report.summary())
    return 0 if not report.problems else 1


def _show(args: argparse.Namespace, uow: UnitOfWorkFactory) -> int:
    from correspondence.services.cases import cases
    from correspondence.services.replies.smtp_send import send_state

    with uow.read() as work:
        s = work.session
        case = cases.case_by_reference(s, args.reference)
        row = send_state(s, case.id)
        state = {
            "reference": case.reference,
            "reply_channel": case.reply_channel,
            "reply_email": case.reply_email,
            "email": None
            if row is None
            else {
                "state": row.state,
                "message_id": row.message_id,
                "to": row.to_address,
                "attempts": row.attempts,
                "detail": row.detail,
            },
        }
    print_json(state)
    return 0


def cmd_smtp(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from correspondence.services.replies.smtp_send import (
        load_settings,
        save_settings,
        store_keyring_password,
    )

    uow = unit_of_work(args)
    with uow.begin() as work:
        s = work.session
        settings = load_settings(s)
        changes = {
            k: v
            for k, v in (
                ("host", args.host),
                ("port", args.port),
                ("username", args.username),
                ("from_address", args.from_address),
            )
            if v is not None
        }
        if args.starttls is not None:
            changes["starttls"] = args.starttls == "on"
        if changes:
            settings = replace(settings, **changes)
            save_settings(s, work.actor, settings)
    if args.keep_password:
        password = getpass.getpass(f"SMTP password for {settings.username} at {settings.host}: ")
        if not store_keyring_password(settings, password):
            print("This desktop has no keyring: the password will be asked for when sending.")
    print_json(settings)
    return 0


def cmd_signature(args: argparse.Namespace) -> int:
    from correspondence.services.replies.signatures import set_signature_image

    if (args.image is None) == (not args.remove):
        raise ValidationError("Arguments", "give --image FILE or --remove")
    data = None if args.remove else args.image.read_bytes()
    uow = unit_of_work(args)
    with uow.begin() as work:
        s = work.session
        signatory = set_signature_image(s, work.actor, args.key, data)
        name = signatory.name
    print(f"{name}: signature image {'removed' if data is None else 'set'}")
    return 0
