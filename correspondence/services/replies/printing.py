"""Printing a Word letter through whatever the machine offers.

LibreOffice prints a .docx directly (``soffice --headless -p``); failing that, CUPS' ``lp``
is tried (CUPS converts documents it has a filter for). The command runner is injected so
tests never print.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from correspondence.services.errors import ServiceError

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]
Which = Callable[[str], str | None]

PRINT_TIMEOUT_S = 120


class PrintError(ServiceError):
    """No way to print was found, or the printing command failed."""


@dataclass(frozen=True)
class PrintResult:
    command: tuple[str, ...]
    output: str


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), capture_output=True, text=True, timeout=PRINT_TIMEOUT_S, check=False
    )


def print_command(path: Path, which: Which = shutil.which) -> list[str] | None:
    """The command that would print ``path`` here, or None when there is no route."""
    for name in ("soffice", "libreoffice"):
        exe = which(name)
        if exe:
            return [exe, "--headless", "-p", str(path)]
    lp = which("lp")
    if lp:
        return [lp, str(path)]
    return None


def print_file(path: Path, *, runner: Runner = _run, which: Which = shutil.which) -> PrintResult:
    """Send ``path`` to the default printer; PrintError says plainly what went wrong."""
    path = Path(path)
    if not path.is_file():
        raise PrintError(f"Cannot print {path}: the file does not exist.")
    command = print_command(path, which)
    if command is None:
        raise PrintError(
            f"No print route was found for {path.name}: neither LibreOffice (soffice) nor "
            "the lp command is installed. Open the letter and print it from Word instead."
        )
    try:
        done = runner(command)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PrintError(f"Printing {path.name} failed: {exc}") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout or "").strip() or f"exit status {done.returncode}"
        raise PrintError(f"Printing {path.name} failed: {detail}")
    return PrintResult(tuple(command), (done.stdout or "").strip())
