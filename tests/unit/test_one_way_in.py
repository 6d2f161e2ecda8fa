"""Who is acting is settled in one place: the command line and the window build their
services from `UnitOfWorkFactory.connect` (the acting rule), never around it."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "correspondence"
FRONT_ENDS = [
    *sorted((PACKAGE / "commands").glob("*.py")),
    *sorted((PACKAGE / "ui").rglob("*.py")),
    PACKAGE / "app.py",
    PACKAGE / "cli.py",
]


# A temporary database of its own; the event log's check (the audit's owner reads it whole).
ALLOWED = {"commands/selfcheck.py", "commands/reports.py"}


def test_front_ends_never_skip_the_acting_rule() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}"
        for path in FRONT_ENDS
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if not (str(path.relative_to(PACKAGE)) in ALLOWED and "session_factory()" in line)
        and re.search(
            r"\bacting_as\b|\bactor_for\b|\bensure_user\b|session_factory\(\)|\.sf\b", line
        )
    ]
    assert offenders == []


def test_each_front_end_connects_in_one_function() -> None:
    connects = [
        f"{path.relative_to(PACKAGE)}"
        for path in FRONT_ENDS
        if "UnitOfWorkFactory.connect(" in path.read_text(encoding="utf-8")
    ]
    assert connects == ["commands/shared.py", "ui/application.py"]


def test_no_service_message_names_a_command_line_flag() -> None:
    flag = re.compile(r"""["'][^"'\n]*\s--[a-z][a-z-]+[^"'\n]*["']""")
    offenders = [
        f"{path.relative_to(PACKAGE)}:{n}"
        for path in sorted((PACKAGE / "services").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if flag.search(line) and not line.lstrip().startswith(("#", '"""'))
    ]
    assert offenders == []
