"""Where the database lives and what a storage failure means, for the window (which
reaches the database only through services)."""

from __future__ import annotations

from correspondence.db.health import storage_problem
from correspondence.db.session import sqlite_path

__all__ = ["sqlite_path", "storage_problem"]
