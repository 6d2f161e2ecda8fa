"""The names a case sorts by, as SQLite's triggers keep them (migration 0014).

A bulk writer that gives a case its keys already right spares SQLite's sort-key trigger
a second write of the row (migration 0017); a key given wrong is set right by the
trigger, so this is a saving, never a source of truth. PostgreSQL's trigger sets the
keys on the row as it is written, whatever is given.
"""

from __future__ import annotations

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def sort_key(name: str | None) -> str:
    """A name as SQLite's lower() writes it (A–Z only folded); '' for none."""
    if not name:
        return ""
    return name.lower() if name.isascii() else name.translate(_ASCII_LOWER)
