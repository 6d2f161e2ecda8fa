"""A real small disk for tests of a disk that fills: a tmpfs mounted by the test (CI runs
tests as root). Where mounting is not permitted, `mount` raises PermissionError and the
caller falls back to SQLite's own size limit (`PRAGMA max_page_count`), never a fake."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from correspondence.database import open_database
from correspondence.services.intake.file_import import import_files
from correspondence.services.unit_of_work import acting_as

LETTERS = 12  # letters in the mailbag that fills the disk


@contextlib.contextmanager
def mounted(where: Path, size_kb: int) -> Iterator[Path]:
    """A tmpfs of `size_kb` KiB at `where`, unmounted afterwards."""
    where.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        raise PermissionError("no mount command on this machine")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise PermissionError(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def free_bytes(where: Path) -> int:
    st = os.statvfs(where)
    return st.f_bavail * st.f_frsize


def fill(where: Path, leave: int) -> Path:
    """Write a filler file until only about `leave` bytes are free on `where`'s disk."""
    filler = where / "filler.bin"
    size = max(0, free_bytes(where) - leave)
    with filler.open("wb") as f:
        chunk = b"\0" * (1 << 20)
        while size > 0:
            f.write(chunk[: min(size, len(chunk))])
            size -= min(size, len(chunk))
    return filler


def remount_read_only(where: Path) -> None:
    done = subprocess.run(["mount", "-o", "remount,ro", str(where)], capture_output=True, text=True)
    if done.returncode != 0:
        raise PermissionError(f"cannot remount read-only: {done.stderr.strip()}")


# --- a mailbag that fills it -------------------------------------------------------------


def write_letters(folder: Path) -> list[Path]:
    """Twelve invented letters of ~120 kB each (their text is stored twice, plus the file)."""
    folder.mkdir()
    rnd = random.Random(14)
    out = []
    for i in range(LETTERS):
        words = " ".join(f"bus{rnd.randint(0, 99999)}" for _ in range(12000))
        path = folder / f"letter-{i:02d}.txt"
        path.write_text(
            f"Dear Minister,\n\nI write about the number {i} bus to Ashcombe.\n{words}\n\n"
            f"Yours sincerely,\nPat Example {i}\n"
        )
        out.append(path)
    return out


def cost_of_one_letter(tmp_path: Path, letter: Path) -> int:
    """Bytes one letter adds to a database, measured on an ordinary disk."""
    path = tmp_path / "measure.db"
    db = open_database(f"sqlite:///{path}")
    db.close()
    before = path.stat().st_size
    db = open_database(f"sqlite:///{path}")
    import_files(
        acting_as(db.session_factory, "officer.cli"), [letter], today=dt.date(2026, 11, 23)
    )
    db.close()
    return path.stat().st_size - before
