"""A database file's health: damage, free space, writable folders, and what a storage
failure means in words."""

from __future__ import annotations

from pathlib import Path

# --- a SQLite file on one person's desk ------------------------------------------------------

SQLITE_HEADER = b"SQLite format 3\x00"
BACKUP_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def file_problem(path: Path, *, thorough: bool = True) -> str | None:
    """What is wrong with the SQLite file at `path`, in words, or None when it looks whole.

    Reads only: the file is opened read-only, so a damaged file is never written to. The
    cheap checks (header, length) catch a file that is not a database and one cut short;
    `thorough` adds SQLite's `quick_check`, which reads every page and so also finds a page
    overwritten with other bytes.
    """
    if path.is_dir():
        return "is a folder, not a database file"
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(100)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if size == 0:
        return "is empty (0 bytes): it was cut short or never finished"
    if len(head) < 100 or not head.startswith(SQLITE_HEADER):
        return "is not a database (it does not start as an SQLite file does)"
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return "is damaged: its header is not valid"
    pages = int.from_bytes(head[28:32], "big")
    header_count_valid = head[24:28] == head[92:96]
    if size % page_size or (header_count_valid and size < pages * page_size):
        expected = f" of {pages * page_size:,}" if header_count_valid else ""
        return f"is damaged: it was cut short ({size:,} bytes{expected})"
    if not thorough:
        return None
    return _quick_check(path)


def _quick_check(path: Path) -> str | None:
    import sqlite3

    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return f"cannot be opened ({exc})"
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        return f"is damaged: {exc}"
    finally:
        conn.close()
    if rows == ["ok"]:
        return None
    return "is damaged: " + "; ".join(rows[:3])


def not_writable(path: Path) -> str | None:
    """Why the app could not save to `path` (or create it), or None when it can."""
    import os

    folder = path.parent
    if path.exists() and not os.access(path, os.W_OK):
        return f"The database file {path} cannot be written (read-only): changes could not be saved"
    if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"The folder {folder} cannot be written (read-only), and the database in it needs "
            "to write its journal beside it: changes could not be saved"
        )
    return None


def backups_of(path: Path) -> list[Path]:
    """Copies of the database at `path` in its backups folder, newest first."""
    from correspondence.paths import backups_dir_for

    folder = backups_dir_for(path)
    if not folder.is_dir():
        return []
    found = [
        p
        for p in folder.iterdir()
        if p.is_file() and p.name.startswith(path.stem + "-") and p.suffix in BACKUP_SUFFIXES
    ]
    # A weekly copy is a hard link to a daily one (same time): name the daily one first.
    return sorted(found, key=lambda p: (p.stat().st_mtime, "-weekly-" not in p.name), reverse=True)


def newest_backup(path: Path) -> Path | None:
    """The newest copy of `path` that is itself whole (cheap checks only)."""
    for candidate in backups_of(path):
        if file_problem(candidate, thorough=False) is None:
            return candidate
    return None


STORAGE_WORDS = (
    ("database or disk is full", "the disk is full"),
    ("no space left on device", "the disk is full"),
    ("disk quota exceeded", "the disk quota is used up"),
    ("attempt to write a readonly database", "the database cannot be written (read-only)"),
    ("read-only file system", "the disk cannot be written (read-only)"),
    ("database disk image is malformed", "the database file is damaged"),
    ("file is not a database", "the database file is damaged (not a database)"),
    ("disk i/o error", "the disk reported an error"),
    ("database is locked", "another program is holding the database; try again shortly"),
)


def storage_problem(exc: BaseException) -> str | None:
    """Office words for a failure of the disk or the file (full, read-only, damaged), or None
    when `exc` is something else. Looks through SQLAlchemy's wrapper to the driver's error."""
    seen: BaseException | None = exc
    while seen is not None:
        text_ = str(getattr(seen, "orig", None) or seen).lower()
        errno = getattr(seen, "errno", None)
        if errno == 28:  # ENOSPC
            return "the disk is full"
        for needle, words in STORAGE_WORDS:
            if needle in text_:
                return words
        seen = seen.__cause__ or seen.__context__
    return None
