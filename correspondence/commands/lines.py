"""`lines import|export|list|show|usage`: the standard-line library from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from correspondence.commands.shared import Common, add_command, print_json, unit_of_work
from correspondence.services.lines.library import Library
from correspondence.services.lines.line_views import LineFilter


def register(sub: argparse._SubParsersAction, common: Common) -> None:
    parser = sub.add_parser(
        "lines",
        help="the standard-line library",
        description="Import, export, list and show standard lines",
    )
    actions = parser.add_subparsers(dest="lines_command", metavar="ACTION", required=True)
    p = add_command(
        actions, common, "import", "import line files (every file is checked first)", cmd_import
    )
    p.add_argument("directory", type=Path, help="a folder of <key>.txt line files")
    p.add_argument("--check", action="store_true", help="only check the files; import nothing")
    p = add_command(actions, common, "export", "write the library as line files", cmd_export)
    p.add_argument("directory", type=Path)
    p = add_command(actions, common, "list", "list lines by key", cmd_list)
    p.add_argument("--theme", default="", help="a theme code, e.g. SCR")
    p.add_argument("--status", default="", help="lines with a version in this status")
    p.add_argument("--search", default="", help="words in the key, title or text")
    p.add_argument("--overdue", action="store_true", help="only lines past their review-by date")
    p.add_argument("--json", action="store_true")
    p = add_command(actions, common, "show", "show a line and all its versions", cmd_show)
    p.add_argument("key")
    p.add_argument("--json", action="store_true")
    p = add_command(
        actions, common, "usage", "every draft and sent letter that used each version", cmd_usage
    )
    p.add_argument("key")
    p.add_argument(
        "--old", action="store_true", help="only open drafts and sent letters with old words"
    )
    p.add_argument("--json", action="store_true")


def _library(args: argparse.Namespace) -> Library:
    return Library(unit_of_work(args))


def cmd_import(args: argparse.Namespace) -> int:
    library = _library(args)
    files, problems = library.check_dir(args.directory)
    if problems:
        print(f"{len(problems)} problem(s) in {args.directory}; nothing imported:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    if args.check:
        print(f"{len(files)} line files in {args.directory} are fine")
        return 0
    result = library.import_dir(args.directory)
    print(
        f"Imported {args.directory}: {result.added} new lines, {result.new_versions} new "
        f"versions, {result.unchanged} unchanged"
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    written = _library(args).export_dir(args.directory)
    print(f"Wrote {len(written)} line files to {args.directory}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    flt = LineFilter(
        theme=args.theme.upper(),
        text=args.search,
        status=args.status.lower(),
        review_overdue=args.overdue,
    )
    rows = _library(args).lines(flt)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        review = r.review_by.isoformat() if r.review_by else "-"
        flag = " REVIEW" if r.review_overdue else ""
        print(f"{r.key:<44} {r.status_label:<28} review {review}{flag}  {','.join(r.themes)}")
    print(f"{len(rows)} lines")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    detail = _library(args).detail(args.key)
    if args.json:
        print_json(detail)
        return 0
    print(f"{detail.key}: {detail.title}")
    print(f"Themes: {', '.join(detail.themes)}   Owner: {detail.owner_name or '-'}")
    review = detail.review_by.isoformat() if detail.review_by else "-"
    print(f"Review by: {review}" + ("  (past its review-by date)" if detail.review_overdue else ""))
    print(f"Numbered: {'yes' if detail.numbered else 'no'}")
    for v in detail.versions:
        print()
        note = ""
        if v.approved_at:
            note += (
                f", approved by {v.approved_by_name or v.approved_by} on {v.approved_at:%Y-%m-%d}"
            )
        if v.rejected_reason:
            note += f", rejected: {v.rejected_reason}"
        if v.retired_at:
            note += f", retired {v.retired_at:%Y-%m-%d}"
            if v.retired_reason:
                note += f" ({v.retired_reason})"
        print(f"Version {v.number} — {v.status} (by {v.author_name or v.author or '-'}{note})")
        print(v.body)
    return 0


def cmd_usage(args: argparse.Namespace) -> int:
    usage = _library(args).usage(args.key)
    uses = usage.old_words() if args.old else list(usage.uses)
    if args.json:
        print_json(
            {
                "key": usage.key,
                "title": usage.title,
                "approved_version": usage.approved_number,
                "open_drafts_with_old_words": usage.open_drafts_with_old_words,
                "sent_with_old_words": usage.sent_with_old_words,
                "versions": usage.versions,
                "uses": uses,
            }
        )
        return 0
    approved = f"v{usage.approved_number}" if usage.approved_number else "none (retired)"
    print(f"{usage.key}: {usage.title}   approved: {approved}")
    for v in usage.versions:
        print(
            f"  v{v.number} ({v.status}): {v.open_drafts} open draft(s), "
            f"{v.sent_letters} sent letter(s)"
        )
    print(
        f"Old words: {usage.open_drafts_with_old_words} open draft(s) and "
        f"{usage.sent_with_old_words} sent letter(s) carry a version other than the approved one"
    )
    for u in uses:
        day = u.on.isoformat() if u.on else "-"
        dated = f"  letter dated {u.letter_date:%-d %B %Y}" if u.letter_date else ""
        print(f"{u.reference:<28} v{u.version:<3} {u.state:<22} {day}{dated}")
    print(f"{len(uses)} {'letters with old words' if args.old else 'uses'}")
    return 0
