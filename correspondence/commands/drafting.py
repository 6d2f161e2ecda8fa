"""`draft` (create, submit, approve, return, signoff) and `export` (the Word letter)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from correspondence.commands.shared import Common, add_command, print_json, unit_of_work
from correspondence.services.drafting.draft_view import DraftView
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.drafting.reply_letter import letter_file_name
from correspondence.services.errors import NotFound, ValidationError

ACTIONS = ("submit", "approve", "return", "signoff")


def register(sub: argparse._SubParsersAction, common: Common) -> None:
    p = add_command(
        sub,
        common,
        "draft",
        "create a draft reply from standard lines, or move one through approval: "
        "`draft REF --lines KEY,KEY`, `draft submit REF`, `draft approve REF`, "
        "`draft return REF --reason WHY`, `draft signoff REF --method wet|digital`",
        cmd_draft,
    )
    p.add_argument("words", nargs="+", metavar="[ACTION] REF", help="the case reference")
    p.add_argument("--lines", default="", help="line keys in order, comma-separated")
    p.add_argument(
        "--numbered",
        default=None,
        help="keys of the lines to number (default: each line's own numbered flag)",
    )
    p.add_argument("--comment", default="", help="a comment with approve/signoff")
    p.add_argument("--reason", default="", help="why the draft is returned")
    p.add_argument("--method", choices=("wet", "digital"), help="how the reply was signed")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="with signoff: read your database password from standard input (where the "
        "server checks passwords, signing off asks for it again; at a terminal it is asked)",
    )
    p.add_argument("--json", action="store_true")

    p = add_command(
        sub,
        common,
        "export",
        "write a case's reply as a Word letter or a PDF (the format follows the extension of "
        "--out): the signed-off letter, or with --draft the latest draft (DRAFT marking)",
        cmd_export,
    )
    p.add_argument("reference")
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        help="the .docx or .pdf to write (a PDF needs LibreOffice), or a folder (a .docx "
        "named by reference, e.g. 2009-0007948POSoS.docx)",
    )
    p.add_argument("--draft", action="store_true", help="export the latest draft instead")


def _drafting(args: argparse.Namespace) -> Drafting:
    return Drafting(unit_of_work(args))


def _keys(text: str | None) -> list[str]:
    return [k.strip() for k in (text or "").split(",") if k.strip()]


def _summary(view: DraftView) -> dict[str, object]:
    return {
        "draft_id": view.id,
        "case": view.case_reference,
        "status": view.status.value,
        "case_status": view.case_status,
        "version": view.version,
        "salutation": view.salutation,
        "complimentary_close": view.complimentary_close,
        "returned_reason": view.returned_reason,
        "paragraphs": [
            {
                "kind": p.kind,
                "line": p.line_key or None,
                "line_version": p.line_version,
                "numbered": p.numbered,
                "drifted": p.drifted,
            }
            for p in view.paragraphs
        ],
    }


def cmd_draft(args: argparse.Namespace) -> int:
    words = list(args.words)
    action = words.pop(0) if words[0] in ACTIONS else "create"
    if len(words) != 1:
        raise ValidationError("Arguments", "give one case reference, e.g. 2009/0007948POSoS")
    drafting = _drafting(args)
    case_id = _case_id(drafting, words[0])
    if action == "create":
        view = drafting.create(
            case_id,
            _keys(args.lines),
            None if args.numbered is None else _keys(args.numbered),
        )
    else:
        draft_id = drafting.current_draft_id(case_id)
        if draft_id is None:
            raise NotFound(f"{words[0]} has no draft reply; create one with `draft REF --lines`")
        if action == "submit":
            view = drafting.submit(draft_id)
        elif action == "approve":
            view = drafting.approve(draft_id, args.comment)
        elif action == "return":
            view = drafting.return_draft(draft_id, args.reason)
        else:
            if not args.method:
                raise ValidationError("--method", "say how it was signed: wet or digital")
            password = _password(args, drafting) if drafting.sign_off_needs_password() else None
            view = drafting.sign_off(draft_id, args.method, args.comment, password=password)
            _keep_signed_pdf(args, drafting, view)
    if args.json:
        print_json(_summary(view))
    else:
        print(
            f"{view.case_reference}: draft #{view.id} is {view.status.label.lower()} "
            f"({len(view.paragraphs)} paragraphs)"
        )
    return 0


def _password(args: argparse.Namespace, drafting: Drafting) -> str:
    """The login's password, typed again for signing off; held only for this call."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if sys.stdin.isatty():
        login = drafting.uow.identity.login
        return getpass.getpass(f"Password for database login {login} (to sign off): ")
    raise ValidationError(
        "Password",
        "signing off asks for your database password again: run the command at a "
        "terminal, or pipe the password in with --password-stdin",
    )


def _case_id(drafting: Drafting, reference: str) -> int:
    return drafting.case_id(reference)


def _keep_signed_pdf(args: argparse.Namespace, drafting: Drafting, view: DraftView) -> None:
    """After the sign-off has committed: keep its PDF/A with the case, or say why not."""
    from correspondence.services.replies.reply_pdf import keep_signed_pdf

    if view.case_id is None:
        return  # a campaign's members each get theirs when their letters are made
    _kept, message = keep_signed_pdf(drafting.uow, view.case_id, today=drafting.clock())
    print(message, file=sys.stderr if _kept is None else sys.stdout)


def cmd_export(args: argparse.Namespace) -> int:
    from correspondence.services.cases import cases
    from correspondence.services.drafting.draft_letter import draft_for_export
    from correspondence.services.replies.reply_pdf import export_format, export_letter

    out: Path = args.out
    if out.is_dir():
        out = out / letter_file_name(args.reference, draft=args.draft)
    export_format(out)
    drafting = _drafting(args)
    with drafting.uow.read() as work:
        s = work.session
        case = cases.case_by_reference(s, args.reference)
        draft_id = draft_for_export(s, case.id, final=not args.draft)
        written = export_letter(s, draft_id, out, final=not args.draft, today=drafting.clock())
    print(f"Wrote {written}")
    return 0
