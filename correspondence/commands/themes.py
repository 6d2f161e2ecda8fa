"""`themes suggest FILE`: ranked theme suggestions for a letter, with the words behind them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from correspondence.commands.shared import Common, add_command, open_db, print_json, unit_of_work


def register(sub: argparse._SubParsersAction, common: Common) -> None:
    themes = sub.add_parser(
        "themes", help="theme suggestions", description="Theme suggestions for letters"
    )
    actions = themes.add_subparsers(dest="themes_command", metavar="ACTION", required=True)
    p = add_command(
        actions,
        common,
        "suggest",
        "suggest themes for a letter (.txt, .eml, .msg, .docx or .pdf)",
        cmd_suggest,
    )
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--limit", type=int, default=5, help="how many themes (default 5)")
    p.add_argument("--json", action="store_true")


def _letter_text(path: Path) -> str:
    from correspondence.documents import limits
    from correspondence.documents.extract import extract
    from correspondence.documents.file_text import SUPPORTED_SUFFIXES, suffix_of
    from correspondence.services.intake.file_reading import default_max_file_bytes

    with limits.time_limit(limits.MAX_SECONDS_PER_FILE):
        content = limits.read_capped(path, default_max_file_bytes())
        if suffix_of(path.name) not in SUPPORTED_SUFFIXES:
            # Any other file is read as plain text rather than refused.
            return limits.cap_text(content.decode("utf-8", errors="replace"))
        got = extract(path.name, content)
    parts = [got.subject, got.text, *(a.text for a in got.attachments)]
    return "\n\n".join(p for p in parts if p)


def cmd_suggest(args: argparse.Namespace) -> int:
    from correspondence.services.triage.theme_suggest import THRESHOLD, suggest

    path: Path = args.file
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    try:
        text = _letter_text(path)
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except (MemoryError, RecursionError):
        print(f"error: cannot read {path}: too large or too deeply nested", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - one line naming the file, never a traceback
        reason = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: cannot read {path}: {reason}", file=sys.stderr)
        return 2
    try:
        with unit_of_work(args).read() as uow:
            ranked = suggest(uow.session, text, args.limit)
    finally:
        open_db(args).close()
    if args.json:
        print_json(
            [
                {"code": x.code, "name": x.name, "score": x.score, "because": list(x.because)}
                for x in ranked
            ]
        )
        return 0
    if not ranked:
        print("No theme suggestions: the letter has no words the themes know.")
        return 0
    for x in ranked:
        tick = "*" if x.score >= THRESHOLD else " "
        print(f"{tick} {x.code:<8} {x.score:.2f}  {x.name}  — {', '.join(x.because)}")
    return 0
