"""`cases list` and `cases show`."""

from __future__ import annotations

import argparse

from correspondence.commands.shared import Common, add_command, desk, print_json


def register(sub: argparse._SubParsersAction, common: Common) -> None:
    cases = sub.add_parser("cases", help="list and show cases", description="List and show cases")
    actions = cases.add_subparsers(dest="cases_command", metavar="ACTION", required=True)
    p = add_command(actions, common, "list", "list cases, newest received first", cmd_list)
    p.add_argument("--status", default="", help="a status, 'open' or 'closed'")
    p.add_argument("--theme", default="", help="a theme code, e.g. SCR")
    p.add_argument("--search", default="", help="words to find")
    p.add_argument("--overdue", action="store_true", help="only open cases past their deadline")
    p.add_argument(
        "--sort",
        type=_sort_key,
        metavar="KEY",
        help=f"sort by one of: {', '.join(_SORT_KEYS)}, lowest first (default: newest received)",
    )
    p.add_argument("--desc", action="store_true", help="sort highest first")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--json", action="store_true")
    p = add_command(actions, common, "show", "show one case and its history", cmd_show)
    p.add_argument("reference")
    p.add_argument("--json", action="store_true")


# The list's sort keys, written out so that building the parser imports no service.
_SORT_KEYS = (
    "reference", "received", "due", "urgency", "correspondent", "status", "team", "campaign",
)  # fmt: skip


def _sort_key(text: str) -> str:
    key = text.strip().lower()
    if key not in _SORT_KEYS:
        raise argparse.ArgumentTypeError(
            f"unknown sort key {text!r}: use one of {', '.join(_SORT_KEYS)}"
        )
    return key


def cmd_list(args: argparse.Namespace) -> int:
    from correspondence.services.cases.case_list import CaseFilter, DueFilter, SortKey

    flt = CaseFilter(
        status=args.status,
        theme=args.theme.upper(),
        search=args.search,
        due=DueFilter.OVERDUE if args.overdue else DueFilter.ANY,
    )
    if args.sort is None:  # as before: newest received first
        sort, descending = SortKey.RECEIVED, True
    else:
        sort, descending = SortKey(args.sort), args.desc
    page = desk(args).list_page(flt, sort=sort, descending=descending, limit=args.limit)
    if args.json:
        print_json(
            [
                {
                    "reference": r.reference,
                    "status": r.status.value,
                    "received_on": r.received_on,
                    "due_on": r.due_on,
                    "days_left": r.days_left,
                    "correspondent": r.correspondent,
                    "on_behalf_of": r.on_behalf_of,
                    "themes": list(r.themes),
                    "team": r.team,
                    "campaign": r.campaign or None,
                }
                for r in page.rows
            ]
        )
        return 0
    for r in page.rows:
        due = r.due_on.isoformat() if r.due_on else "-"
        print(
            f"{r.reference:<20} {r.received_on} due {due:<10} {r.status.label:<20} "
            f"{r.correspondent[:40]:<40} {','.join(r.themes)}"
        )
    if page.has_more:
        print(f"... more cases; raise --limit (showing {len(page.rows)})")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    d = desk(args)
    detail = d.detail(d.find_reference(args.reference))
    if args.json:
        print_json(detail)
        return 0
    print(f"{detail.reference}  {detail.status.label}")
    print(
        f"Received {detail.received_on}  due {detail.due_on or '-'}  reply type {detail.reply_type}"
    )
    if detail.correspondent:
        print(f"From {detail.correspondent.name} ({detail.correspondent.kind})")
    if detail.constituents:
        print("On behalf of: " + "; ".join(detail.constituents))
    print("Themes: " + ", ".join(code for code, _ in detail.themes))
    if detail.summary:
        print(f"Summary: {detail.summary}")
    print("History:")
    for e in detail.history:
        print(f"  {e.at:%Y-%m-%d %H:%M} {e.description}")
    return 0
