"""Alembic environment: runs on the connection handed over by `migrate.py`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from correspondence.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        # Command-line use (`alembic -x url=...`), e.g. to autogenerate a revision.
        url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///dev.db")
        with create_engine(url).connect() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run them against a database.")
run_migrations_online()
