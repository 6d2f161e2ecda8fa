"""`campaigns list`, `campaigns detect` and `campaigns export`."""

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
    from correspondence.services.campaigns import Campaigns

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
    from correspondence.services.campaign_export import CampaignExport

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
