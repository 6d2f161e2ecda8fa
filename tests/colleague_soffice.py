"""A LibreOffice that, as it starts converting, has a colleague try to save in SQLite.

The wrapper runs the real `soffice` after writing to `marker` whether the database file was
free ("free") or locked by a write transaction ("locked: …") at that moment."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

_SCRIPT = """#!{python}
import os, sqlite3, sys
conn = sqlite3.connect({db!r}, timeout=2, isolation_level=None)
try:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("ROLLBACK")
    outcome = "free"
except sqlite3.OperationalError as exc:
    outcome = f"locked: {{exc}}"
open({marker!r}, "w").write(outcome)
os.execv({soffice!r}, [{soffice!r}, *sys.argv[1:]])
"""


def colleague_then_soffice(db_url: str, folder: Path) -> tuple[Path, Path]:
    """The wrapper to name in $CORRESPONDENCE_SOFFICE, and the marker it writes."""
    marker, wrapper = folder / "colleague.txt", folder / "soffice"
    soffice = shutil.which("soffice")
    assert soffice is not None
    wrapper.write_text(
        _SCRIPT.format(
            python=sys.executable,
            db=make_url(db_url).database,
            marker=str(marker),
            soffice=soffice,
        )
    )
    wrapper.chmod(0o755)
    return wrapper, marker
