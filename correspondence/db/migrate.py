"""Schema upgrades, only ever through the Alembic migration scripts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from correspondence import paths

if TYPE_CHECKING:
    from alembic.config import Config

# The newest revision this release ships. Checked against the scripts by a test, it
# lets start-up confirm an up-to-date schema without importing Alembic (~1 s).
HEAD = "0018"


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(paths.migrations_dir()))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"The migrations have {len(heads)} heads: {', '.join(heads)}")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database; None for an empty database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def is_at_head(engine: Engine) -> bool:
    return current_revision(engine) == HEAD


def backup_sqlite(engine: Engine, backups: Path | None = None) -> Path | None:
    """Copy a SQLite file aside before upgrading it, so a failed upgrade loses nothing."""
    db_path = engine.url.database
    if engine.dialect.name != "sqlite" or not db_path or db_path == ":memory:":
        return None
    src = Path(db_path)
    if not src.exists() or src.stat().st_size == 0:
        return None
    target_dir = backups or src.parent / "backups"
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = target_dir / f"{src.stem}-{stamp}-before-upgrade{src.suffix}"
    # The SQLite backup API gives a consistent copy even with WAL pages pending.
    import sqlite3

    with sqlite3.connect(src) as s, sqlite3.connect(dest) as d:
        s.backup(d)
    return dest


def upgrade(engine: Engine, revision: str = "head") -> Path | None:
    """Bring the database to `revision`; returns the backup taken, if any."""
    current = current_revision(engine)
    if current == HEAD and revision == "head":
        return None
    from alembic import command

    backup = backup_sqlite(engine) if current is not None else None
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return backup


__all__ = ["upgrade", "is_at_head", "current_revision", "head_revision", "backup_sqlite"]
