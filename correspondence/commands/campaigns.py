"""`campaigns list|show|detect|export`, and answering a member's own words."""

from __future__ import annotations

import argparse
import sys

from correspondence.commands.shared import Common, add_command, print_json, unit_of_work


def register(sub: argparse._SubParsersAction, common: Common) -> None:
    camps = sub.add_parser(
        "campaigns",
        help="near-identical letters grouped into campaigns",
        description="List, detect and answer campaigns",
    )
    actions = camps.add_subparsers(dest="campaigns_command", metavar="ACTION", required=True)
    p = add_command(actions, common, "list", "list campaigns, largest first", cmd_list)
    p.add_argument("--json", action="store_true")
    p = add_command(
        actions,
        common,
        "show",
        "a campaign: members, canonical text, themes, and the members who wrote casework of "
        "their own (own_words)",
        cmd_show,
    )
    p.add_argument("id", type=int, help="the campaign's id (see `campaigns list`)")
    p.add_argument("--json", action="store_true")
    p = add_command(
        actions,
        common,
        "paragraph",
        "add a paragraph to the campaign reply for one member (empty text removes it)",
        cmd_paragraph,
    )
    p.add_argument("reference", help="the member's case reference")
    p.add_argument("text", help="the paragraph, plain text")
    p = add_command(
        actions, common, "take-out", "take a member's letter out for its own reply", cmd_take_out
    )
    p.add_argument("reference", help="the member's case reference")
    p = add_command(
        actions, common, "detect", "group open letters not yet in a campaign", cmd_detect
    )
    p.add_argument("--json", action="store_true")
    p = add_command(
        actions,
        common,
        "export",
        "write the signed-off campaign reply as one Word letter per member, plus a "
        "combined print file, and mark the members dispatched",
        cmd_export,
    )
    p.add_argument("id", type=int, help="the campaign's id (see `campaigns list`)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the letters")
    p.add_argument("--resume", action="store_true", help="carry on an interrupted export")
    p.add_argument("--channel", default="post", choices=("post", "email", "hand"))
    p.add_argument("--workers", type=int, default=None, help="processes (default: 2)")
    p.add_argument("--json", action="store_true")


def _campaigns(args: argparse.Namespace):  # noqa: ANN202 - the facade, imported lazily
    from correspondence.services.campaigns.campaigns import Campaigns

    return Campaigns(unit_of_work(args))


def cmd_list(args: argparse.Namespace) -> int:
    svc = _campaigns(args)
    rows = svc.list()
    if args.json:
        print_json(
            [
                {
                    "id": c.id,
                    "name": c.name,
                    "organisation": c.organisation,
                    "status": c.status,
                    "size": c.size,
                    "first_received": c.first_received,
                    "last_received": c.last_received,
                    "cases": svc.member_references(c.id),
                }
                for c in rows
            ]
        )
        return 0
    if not rows:
        print("No campaigns.")
    for c in rows:
        span = f"{c.first_received} – {c.last_received}" if c.first_received else "-"
        print(f"#{c.id:<4} {c.size:>6} letters  {c.status:<9} {span:<25} {c.name}")
    return 0


def _own_words(args: argparse.Namespace):  # noqa: ANN202 - the facade, imported lazily
    from correspondence.services.campaigns.campaign_own_words import CampaignOwnWords

    return CampaignOwnWords(unit_of_work(args))


def cmd_show(args: argparse.Namespace) -> int:
    shown = _own_words(args).show(args.id)
    if args.json:
        print_json(
            {
                "id": shown.id,
                "name": shown.name,
                "organisation": shown.organisation,
                "status": shown.status,
                "canonical_reference": shown.canonical_reference,
                "canonical_text": shown.canonical_text,
                "themes": [{"code": code, "members": n} for code, n in shown.themes],
                "members": shown.members,
                "own_words": shown.own_words,
            }
        )
        return 0
    print(f"#{shown.id} {shown.name} ({shown.status}), {len(shown.members)} letters")
    print(f"Organisation: {shown.organisation or '-'}   Canonical: {shown.canonical_reference}")
    print("Themes: " + (", ".join(f"{c} ({n})" for c, n in shown.themes) or "-"))
    print(f"{len(shown.own_words)} member(s) wrote words of their own:")
    for item in shown.own_words:
        print()
        added = "  [paragraph added to the reply]" if item["addition"] else ""
        print(f"{item['reference']}{added}")
        for line in item["excerpt"].splitlines():
            print(f"    {line}")
    return 0


def cmd_paragraph(args: argparse.Namespace) -> int:
    _own_words(args).set_addition(args.reference, args.text)
    done = "removed" if not args.text.strip() else "added to the campaign reply"
    print(f"{args.reference}: paragraph {done}")
    return 0


def cmd_take_out(args: argparse.Namespace) -> int:
    reference = _own_words(args).take_out(args.reference)
    print(f"{reference} taken out of its campaign; it will be answered on its own")
    return 0


def cmd_detect(args: argparse.Namespace) -> int:
    report = _campaigns(args).detect()
    if args.json:
        print_json(report)
        return 0
    print(
        f"Examined {report.examined} letters; {report.joined} joined existing campaigns; "
        f"{len(report.created)} new campaign(s)."
    )
    for c in report.created:
        print(f"  #{c.id} {c.name}: {c.size} letters (proposed)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from correspondence.services.campaigns.campaign_export import CampaignExport

    export = CampaignExport(unit_of_work(args))
    last = [-1]

    def progress(done: int, total: int, reference: str) -> None:
        if args.json:
            return
        step = max(1, total // 20)
        if done == total or done - last[0] >= step:
            last[0] = done
            print(f"\r{done}/{total} letters", end="", file=sys.stderr, flush=True)

    result = export.run(
        args.id,
        args.out,
        resume=args.resume,
        channel=args.channel,
        progress=progress,
        workers=args.workers,
    )
    if not args.json:
        print(file=sys.stderr)
    if args.json:
        print_json(result)
        return 0
    print(
        f"{result.total} letters in {result.out_dir} "
        f"({result.written} written now, {result.already_done} already there)"
    )
    if result.combined:
        print(f"Print file: {result.combined}")
    print(f"{result.dispatched} members marked dispatched")
    if result.left_out:
        print(f"Left out (already closed): {', '.join(result.left_out)}")
    return 0
