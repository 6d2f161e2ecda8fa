"""Which files an import reads: folders walked in name order, hidden files skipped, links
followed only inside the chosen folder, and anything else listed with the reason."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from correspondence.services.intake.import_results import Failure


def collect_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Failure]]:
    """The files to import, folders walked recursively in name order; hidden files skipped.

    Links inside a folder are followed only to files inside that same folder; links out of
    it, links that loop and things that are not files are listed with the reason, and a
    folder that cannot be opened is listed, never the end of the import."""
    files: list[Path] = []
    missing: list[Failure] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            candidates = _walk_folder(path, missing)
        elif path.is_file():
            candidates = [(path, None)]
        else:
            missing.append(Failure(str(path), "no such file or folder"))
            continue
        for c, real in candidates:
            if real is not None:
                key = real
            else:
                try:
                    key = c.resolve(strict=True)
                except (OSError, RuntimeError):
                    key = c
            if key not in seen:
                seen.add(key)
                files.append(c)
    return files, missing


def _walk_folder(folder: Path, problems: list[Failure]) -> list[tuple[Path, Path | None]]:
    """The files under `folder`, sorted, each with where it really is when that is known
    without resolving it (a plain file: its folder resolved once, and its name)."""
    root = folder.resolve()

    def unreadable(exc: OSError) -> None:
        where = exc.filename or folder
        problems.append(
            Failure(str(where), f"could not open the folder ({exc.strerror or exc}): skipped")
        )

    found: list[tuple[Path, Path | None]] = []
    for here, dirs, names in os.walk(folder, onerror=unreadable):  # never follows links
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        real_here = Path(os.path.realpath(here))
        for name in sorted(names) + [d for d in dirs if (Path(here) / d).is_symlink()]:
            if name.startswith("."):
                continue
            entry = Path(here) / name
            mode = _mode(entry)  # one lstat tells a link, a plain file and anything else
            if mode is not None and stat.S_ISLNK(mode):
                refused = _refused_link(entry, root)
                if refused:
                    problems.append(Failure(str(entry), refused))
                    continue
                if entry.is_dir():
                    continue  # a link to a folder inside this one: walked where it really is
                found.append((entry, None))
            elif mode is not None and not stat.S_ISREG(mode):
                problems.append(Failure(str(entry), "not a regular file: skipped"))
            else:  # unreadable: listed with its reason when it is read
                found.append((entry, real_here / name if mode is not None else None))
    return sorted(found, key=lambda f: f[0])


def _refused_link(link: Path, root: Path) -> str | None:
    """Why a link inside the chosen folder is not followed, or None to follow it."""
    try:
        target = link.resolve(strict=True)
    except RuntimeError:  # Python 3.11 reports a loop so
        return "a link that loops back on itself: skipped"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a link that loops back on itself: skipped"
        return "a link to something that does not exist: skipped"
    if not target.is_relative_to(root):
        return f"a link to {target}, outside the chosen folder: not followed"
    if target.is_dir() and link.parent.resolve().is_relative_to(target):
        return "a link back to a folder that holds it (a loop): skipped"
    if not target.is_dir() and not _is_regular(target):
        return "a link to something that is not a regular file: skipped"
    return None


def _mode(path: Path) -> int | None:
    try:
        return path.lstat().st_mode
    except OSError:
        return None


def _is_regular(path: Path) -> bool:
    # A pipe or device would block or never end: only plain files are read.
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True  # unreadable: listed with its reason when it is read
