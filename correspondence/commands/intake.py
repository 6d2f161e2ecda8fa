"""`import PATH...`: log files and folders of letters and emails."""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from correspondence.commands.shared import Common, add_command, print_json, unit_of_work


def register(sub: argparse._SubParsersAction, common: Common) -> None:
    p = add_command(
        sub,
        common,
        "import",
        "import letters and emails (.eml .msg .txt .docx .pdf) and scans (.png .jpg .tif, read by "
        "OCR); folders are searched recursively",
        cmd_import,
    )
    from correspondence.documents import limits

    p.epilog = (
        f"Limits per file: {limits.MAX_MAIL_BYTES // 1_048_576} MB for an email, --max-mb for "
        f"others; a Word document may unpack to {limits.MAX_UNPACKED_BYTES // 1_048_576} MB; "
        f"a PDF may have {limits.MAX_PDF_PAGES:,} pages; "
        f"{limits.MAX_SECONDS_PER_FILE:g} s to read; text beyond "
        f"{limits.MAX_LETTER_CHARS:,} characters is cut (the whole file is kept). Links are "
        "followed only inside the folder. A file over a limit is listed with the reason."
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to import")
    p.add_argument("--json", action="store_true", help="print one JSON object with the outcome")
    p.add_argument(
        "--max-mb",
        type=float,
        default=None,
        help="refuse files larger than this many MB (default $CORRESPONDENCE_IMPORT_MAX_MB or 50)",
    )


def cmd_import(args: argparse.Namespace) -> int:
    from correspondence.services.intake.intake import Intake

    intake = Intake(
        unit_of_work(args),
        max_file_bytes=int(args.max_mb * 1024 * 1024) if args.max_mb is not None else None,
    )
    stop = {"asked": False}

    def interrupt(_sig: int, _frame: FrameType | None) -> None:
        # Ctrl+C finishes the file in hand, then stops: no half-stored case.
        stop["asked"] = True

    previous = signal.signal(signal.SIGINT, interrupt)
    show = not args.json and sys.stderr.isatty()

    def progress(done: int, total: int, path: str) -> None:
        if show and (done % 50 == 0 or done == total):
            print(f"\r{done:,}/{total:,} files", end="", file=sys.stderr, flush=True)

    try:
        result = intake.import_paths(
            args.paths, progress=progress, should_cancel=lambda: stop["asked"]
        )
    finally:
        signal.signal(signal.SIGINT, previous)
        if show:
            print(file=sys.stderr)
    if args.json:
        print_json(result.as_json())
    else:
        for c in result.imported:
            flag = "  (needs text)" if c.needs_text else ""
            print(f"logged    {c.reference:<20} {c.path}{flag}")
        for d in result.duplicates:
            print(f"duplicate {d.path}: {d.reason}")
        for f in result.failed:
            print(f"FAILED    {f.path}: {f.error}")
        print(
            f"{len(result.imported)} imported, {len(result.duplicates)} duplicates, "
            f"{len(result.failed)} failed" + (" — cancelled" if result.cancelled else "")
        )
    return 1 if result.failed or result.cancelled else 0
