"""The one place that knows where files live."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "CorrespondenceDesk"
APP_AUTHOR = "CorrespondenceDesk"

_dirs = PlatformDirs(APP_NAME, APP_AUTHOR)


def data_dir() -> Path:
    return Path(_dirs.user_data_dir)


def default_database_path() -> Path:
    return data_dir() / "correspondence.db"


def backups_dir() -> Path:
    return data_dir() / "backups"


def backups_dir_for(db_file: Path) -> Path:
    """Where the copies of one SQLite file go: `backups/` beside it (for the default
    database, that is the data folder's `backups/`)."""
    return db_file.parent / "backups"


def package_resource(*parts: str) -> Path:
    """A file shipped inside the package (templates, migrations)."""
    return Path(str(resources.files("correspondence").joinpath(*parts)))


def migrations_dir() -> Path:
    return package_resource("db", "migrations")


def bundle_root() -> Path | None:
    """The folder of a PyInstaller bundle, when running from one."""
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return None
