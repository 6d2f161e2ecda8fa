"""`report`, `history`, `audit verify/checkpoint`, `retention apply` and `person export`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from correspondence.commands.shared import Common, add_command, open_db, print_json, unit_of_work

if TYPE_CHECKING:
    from correspondence.services.unit_of_work import UnitOfWorkFactory


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def register(sub: argparse._SubParsersAction, common: Common) -> None:
    p = add_command(
        sub,
        common,
        "report",
        "performance against target for letters received in a date range "
        "(default: this year to date); a text summary unless --json/--xlsx/--csv",
        cmd_report,
    )
    p.add_argument("--from", dest="start", type=_date, metavar="DATE", help="received on or after")
    p.add_argument("--to", dest="end", type=_date, metavar="DATE", help="received on or before")
    p.add_argument(
        "--scope",
        choices=("all", "mps_and_peers"),
        default="all",
        help="whose letters: all, or MPs and peers only (the published figure)",
    )
    p.add_argument("--period", choices=("week", "month"), default="week")
    p.add_argument("--today", type=_date, metavar="DATE", help="as at this date (default today)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="every table as JSON on stdout")
    out.add_argument("--xlsx", type=Path, metavar="FILE", help="write a workbook, a sheet a table")
    out.add_argument(
        "--csv",
        type=Path,
        metavar="FILE",
        help="write CSV: every table as a section (a title row, the header, the rows, a blank "
        "line), or one plain table with --table",
    )
    p.add_argument("--table", metavar="KEY", help="with --csv: only this table (e.g. team)")
    p.add_argument(
        "--forecast",
        action="store_true",
        help="the breach forecast: open cases likely to miss their due date, and why "
        "(text, --json or --xlsx)",
    )
    p.add_argument(
        "--return",
        dest="co_return",
        metavar="QUARTER",
        help="the Cabinet Office return for a quarter, e.g. 2026-Q3 (items from MPs and peers; "
        "text, --json or --xlsx)",
    )

    p = add_command(sub, common, "history", "a case's full timeline, oldest first", cmd_history)
    p.add_argument("reference")
    p.add_argument("--json", action="store_true")

    audit = sub.add_parser("audit", help="check the event log", description="Check the event log")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    p = add_command(
        actions,
        common,
        "verify",
        "walk the hash chain of the event log: 'intact: N events' (exit 0) or the first "
        "broken link (exit 1); with --against, also events cut from the tail or a chain "
        "recomputed since that checkpoint (a restore from backup is named as one)",
        cmd_audit_verify,
    )
    p.add_argument("--against", type=Path, metavar="FILE", help="a file from audit checkpoint")
    p = add_command(
        actions,
        common,
        "checkpoint",
        "write the log's head (count, newest id and hash, time) to a file kept outside the "
        "database, for audit verify --against",
        cmd_audit_checkpoint,
    )
    p.add_argument("--out", type=Path, required=True, metavar="FILE")

    ret = sub.add_parser(
        "retention", help="anonymise expired personal data", description="Retention policy"
    )
    actions = ret.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    p = add_command(
        actions,
        common,
        "apply",
        "list the closed cases past the retention period (setting retention_years, default 2) "
        "and anonymise their personal data (admins only)",
        cmd_retention_apply,
    )
    p.add_argument("--dry-run", action="store_true", help="only list what would change")
    p.add_argument("--today", type=_date, metavar="DATE", help="as at this date (default today)")

    person = sub.add_parser("person", help="a person's data", description="A person's data")
    actions = person.add_subparsers(dest="person_command", metavar="ACTION", required=True)
    p = add_command(
        actions,
        common,
        "export",
        "subject access: gather every case, document and draft that mentions a person into one "
        "folder with an index (admins only)",
        cmd_person_export,
    )
    p.add_argument("person", metavar="NAME-OR-EMAIL")
    p.add_argument("--out", type=Path, required=True, metavar="DIR")


def cmd_report(args: argparse.Namespace) -> int:
    from correspondence.services.reports import report_export
    from correspondence.services.reports.reports import Period, ReportParams, Reports, Scope

    today = args.today or dt.date.today()
    if args.co_return:
        return _cabinet_office_return(args, today)
    if args.forecast:
        return _forecast(args, today)
    params = ReportParams(
        start=args.start or today.replace(month=1, day=1),
        end=args.end or today,
        scope=Scope(args.scope),
        period=Period(args.period),
    )
    uow = unit_of_work(args)
    report = Reports(uow, clock=lambda: today).report(params)
    if args.table and not args.csv:
        print("error: --table goes with --csv", file=sys.stderr)
        return 2
    if args.table:
        keys = [t.key for t in report.tables]
        if args.table not in keys:
            print(f"error: no table {args.table!r}; choose from {', '.join(keys)}", file=sys.stderr)
            return 2
    if args.json:
        sys.stdout.write(report_export.json_text(report) + "\n")
    elif args.xlsx:
        path = report_export.write_xlsx(report, args.xlsx)
        print(f"Wrote {path} ({len(report.tables)} sheets)")
    elif args.csv:
        path = report_export.write_csv(report, args.csv, args.table)
        print(f"Wrote {path}")
    else:
        _print_text(report)
    _seen(uow, err=bool(args.json))
    return 0


def _cabinet_office_return(args: argparse.Namespace, today: dt.date) -> int:
    import json

    from correspondence.services.errors import ValidationError
    from correspondence.services.reports import report_export
    from correspondence.services.reports.cabinet_office_return import (
        CabinetOfficeReturns,
        Quarter,
        return_dict,
    )

    if args.csv or args.start or args.end or args.table:
        print("error: --return takes a quarter, and --json or --xlsx only", file=sys.stderr)
        return 2
    try:
        quarter = Quarter.parse(args.co_return)
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    uow = unit_of_work(args)
    result = CabinetOfficeReturns(uow, clock=lambda: today).build(quarter)
    if args.json:
        sys.stdout.write(json.dumps(return_dict(result), indent=2, ensure_ascii=False) + "\n")
    elif args.xlsx:
        path = report_export.write_xlsx(result, args.xlsx)
        print(f"Wrote {path} ({len(result.tables)} sheets)")
    else:
        print(result.title)
        _print_table(result.table("return"))
        print()
        print("How each figure is counted:")
        for figure, how in result.table("how_counted").rows:
            print(f"  {figure}: {how}")
    _seen(uow, err=bool(args.json))
    return 0


def _forecast(args: argparse.Namespace, today: dt.date) -> int:
    from correspondence.services.drafting.forecast import BreachForecast
    from correspondence.services.reports import report_export

    if args.csv or args.table:
        print("error: --forecast takes --json or --xlsx only", file=sys.stderr)
        return 2
    uow = unit_of_work(args)
    result = BreachForecast(uow, clock=lambda: today).everything()
    if args.json:
        print_json(
            {
                "today": result.today,
                "model": "history" if result.model.from_history else "brief",
                "how": result.model.describe(),
                "typical_working_days": result.model.typical,
                "examined": result.examined,
                "at_risk": result.at_risk,
            }
        )
    elif args.xlsx:
        path = report_export.write_xlsx(result, args.xlsx)
        print(f"Wrote {path}")
    else:
        print(f"Breach forecast as at {today:%d %b %Y}: {len(result.at_risk)} of "
              f"{result.examined} open cases likely to miss their due date")  # fmt: skip
        print(result.model.describe())
        for r in result.at_risk:
            print(f"\n{r.reference}  {r.correspondent}  due {r.due_on:%d %b %Y}")
            print(f"    {r.explanation}")
    _seen(uow, err=bool(args.json))
    return 0


def _cell(value: object, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "percent":
        return f"{value:.1%}"
    if kind == "month" and isinstance(value, dt.date):
        return f"{value:%b %Y}"
    if isinstance(value, dt.date):
        return f"{value:%d %b %Y}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _print_text(report: object) -> None:
    from correspondence.services.reports.reports import Report

    assert isinstance(report, Report)
    print(report.title)
    for t in report.tables:
        if t.key == "overdue":
            continue  # the full list is for --json/--xlsx/--csv; holders are summarised
        _print_table(t)


def _print_table(t: object) -> None:
    from correspondence.services.reports.reports import Table

    assert isinstance(t, Table)
    print()
    print(t.title)
    kinds = [c.kind.value for c in t.columns]
    cells = [list(t.header)] + [
        [_cell(v, k) for v, k in zip(r, kinds, strict=True)] for r in t.rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(t.header))]
    for n, row in enumerate(cells):
        print(
            "  ".join(
                c.ljust(w) if kinds[i] == "text" else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))
    if t.note:
        print(f"({t.note})")


def cmd_history(args: argparse.Namespace) -> int:
    from correspondence.services.desk import Desk
    from correspondence.services.reports.reports import Reports

    uow = unit_of_work(args)
    entries = Reports(uow).timeline(Desk(uow).find_reference(args.reference))
    if args.json:
        print_json(entries)
        return 0
    print(f"{args.reference.strip()}: {len(entries)} events")
    for e in entries:
        print(f"{e.at:%d %b %Y %H:%M}  {e.description}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from correspondence.services.cases.history import verify_audit
    from correspondence.services.reports import audit

    checkpoint = audit.read(args.against) if args.against else None
    with open_db(args).session_factory() as s:
        if checkpoint is None:
            result = verify_audit(s)
            print(result.message)
            return 0 if result.intact else 1
        found = audit.verify_against(s, checkpoint)
    print(found.message)
    return 0 if found.intact else 1


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    from correspondence.services.reports import audit

    db = open_db(args)
    with db.session_factory() as s:
        cp = audit.take(s, db.engine.url.render_as_string(hide_password=True))
    path = audit.write(cp, args.out)
    print(f"Wrote {path}: {cp.events} events, newest #{cp.newest_id} {cp.hash[:16]}")
    print("Keep it where the database's users cannot change it.")
    return 0


def _seen(uow: UnitOfWorkFactory, *, err: bool = False) -> None:
    """Every report and export says which head of the event log it saw."""
    from correspondence.services.reports import audit

    with uow.read() as work:
        print(audit.head_line(work.session), file=sys.stderr if err else sys.stdout)


def cmd_retention_apply(args: argparse.Namespace) -> int:
    from correspondence.services.people.retention import Retention

    today = args.today or dt.date.today()
    retention = Retention(unit_of_work(args), clock=lambda: today)
    plan = retention.plan()
    print(
        f"Retention: {plan.years} years after closing; cases closed on or before "
        f"{plan.cutoff:%d %b %Y} expire. {len(plan.items)} case(s) to anonymise."
    )
    for item in plan.items:
        who = item.correspondent if item.correspondent_anonymised else "correspondent kept"
        print(
            f"  {item.reference:<20} {item.status:<16} closed {item.closed_on:%d %b %Y}  "
            f"{who}: {item.changes}"
        )
    if plan.kept_correspondents:
        print(
            f"{plan.kept_correspondents} correspondent(s) kept: they have cases still within "
            "retention."
        )
    if plan.backups:
        print(f"{len(plan.backups)} backup(s) made by then hold personal data: to be deleted.")
    if args.dry_run or not (plan.items or plan.backups):
        print("Dry run: nothing changed." if args.dry_run else "Nothing to do.")
        return 0
    result = retention.apply()
    print(
        f"Anonymised {result.cases} case(s), {result.correspondents} correspondent(s), "
        f"{result.constituents} constituent(s), {result.documents} document(s); "
        f"deleted {result.backups_deleted} backup(s)."
    )
    return 0


def cmd_person_export(args: argparse.Namespace) -> int:
    from correspondence.services.people.subject_access import SubjectAccess

    uow = unit_of_work(args)
    result = SubjectAccess(uow).export(args.person, args.out)
    print(
        f"{result.cases} case(s), {result.documents} document(s), {result.drafts} draft(s) "
        f"→ {result.folder}"
    )
    print(f"Index: {result.folder / 'index.html'}")
    _seen(uow)
    return 0
