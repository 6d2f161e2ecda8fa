"""Reports to files: an .xlsx workbook (one sheet per table) and CSV.

CSV of a whole report: one section per table — a title row, the header row, the rows, then a
blank line — so one file holds everything and still opens in a spreadsheet. `write_csv(...,
table=KEY)` writes a single table as a plain CSV (header first) for tools that want one.
Values in CSV are plain: dates ISO (YYYY-MM-DD), percentages as fractions rounded to 4 places
(0.8125), blank for "nothing to divide by".
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from correspondence.services.reports.reports import Cell, ColumnKind, Report, Table


class Tabular(Protocol):
    """What a workbook needs: a title and tables (a Report, the Cabinet Office return)."""

    @property
    def title(self) -> str: ...

    @property
    def tables(self) -> tuple[Table, ...]: ...


_NUMBER_FORMATS = {
    ColumnKind.PERCENT: "0.0%",
    ColumnKind.DAYS: "0.0",
    ColumnKind.INT: "#,##0",
    ColumnKind.DATE: "dd mmm yyyy",
    ColumnKind.WEEK: "dd mmm yyyy",
    ColumnKind.MONTH: "mmm yyyy",
}


def _plain(value: Cell, kind: ColumnKind) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind is ColumnKind.PERCENT and isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _table_rows(table: Table) -> list[list[str]]:
    kinds = [c.kind for c in table.columns]
    return [[_plain(v, k) for v, k in zip(row, kinds, strict=True)] for row in table.rows]


def csv_text(report: Report, table: str | None = None) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if table is not None:
        t = report.table(table)
        w.writerow(t.header)
        w.writerows(_table_rows(t))
        return buf.getvalue()
    w.writerow([report.title])
    w.writerow([])
    for t in report.tables:
        w.writerow([t.title])
        w.writerow(t.header)
        w.writerows(_table_rows(t))
        w.writerow([])
    return buf.getvalue()


def write_csv(report: Report, path: Path, table: str | None = None) -> Path:
    # utf-8-sig so Excel reads "—" and accented names correctly.
    return _atomic(path, csv_text(report, table).encode("utf-8-sig"))


def report_dict(report: Report) -> dict[str, Any]:
    """A JSON-friendly view: tables as header + rows, dates ISO."""
    return {
        "title": report.title,
        "from": report.params.start.isoformat(),
        "to": report.params.end.isoformat(),
        "scope": report.params.scope.value,
        "period": report.params.period.value,
        "today": report.today.isoformat(),
        "summary": dataclasses.asdict(report.summary),
        "tables": [
            {
                "key": t.key,
                "title": t.title,
                "note": t.note,
                "header": list(t.header),
                "kinds": [c.kind.value for c in t.columns],
                "rows": [
                    [v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in t.rows
                ],
            }
            for t in report.tables
        ],
    }


def json_text(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False)


def _sheet_name(title: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    clean = "".join("-" if ch in "[]:*?/\\" else ch for ch in title)[:31]
    name, n = clean, 2
    while name in used:
        suffix = f" ({n})"
        name = clean[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def workbook_bytes(report: Tabular) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    assert wb.active is not None  # a new workbook starts with one empty sheet
    wb.remove(wb.active)
    used: set[str] = set()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE4EE")
    for t in report.tables:
        ws = wb.create_sheet(_sheet_name(t.title, used))
        ws.append(list(t.header))
        for cell in ws[1]:
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.freeze_panes = "A2"
        for row in t.rows:
            ws.append(list(row))
        widths = [len(h) for h in t.header]
        for ci, col in enumerate(t.columns, start=1):
            fmt = _NUMBER_FORMATS.get(col.kind)
            for r in range(2, len(t.rows) + 2):
                cell = ws.cell(row=r, column=ci)
                if fmt and cell.value is not None:
                    cell.number_format = fmt
                # What Excel shows, roughly: a percentage is at most "100.0%".
                shown = "100.0%" if col.kind is ColumnKind.PERCENT else _plain(cell.value, col.kind)
                widths[ci - 1] = max(widths[ci - 1], len(shown))
            ws.column_dimensions[get_column_letter(ci)].width = min(max(widths[ci - 1] + 2, 10), 60)
        if t.note:
            ws.cell(row=len(t.rows) + 3, column=1, value=t.note).font = Font(italic=True)
    about = wb.create_sheet("About", 0)
    about.append(["Report", report.title])
    about.append(["Generated", dt.datetime.now().replace(microsecond=0)])
    about["B2"].number_format = "dd mmm yyyy hh:mm"
    for cell in about["A"]:
        cell.font = bold
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 80
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_xlsx(report: Tabular, path: Path) -> Path:
    return _atomic(path, workbook_bytes(report))


def _atomic(path: Path, data: bytes) -> Path:
    """Write beside the target then rename, so a failed export never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
