"""A real small disk for tests of a disk that fills: a tmpfs mounted by the test (CI runs
tests as root). Where mounting is not permitted, `mount` raises PermissionError and the
caller falls back to SQLite's own size limit (`PRAGMA max_page_count`), never a fake."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path


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
