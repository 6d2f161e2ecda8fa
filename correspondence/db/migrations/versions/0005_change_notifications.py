"""changes to cases and drafts notify listeners (PostgreSQL LISTEN/NOTIFY)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

On PostgreSQL, a statement trigger on the tables the case list and the drafts show
sends `NOTIFY correspondence_changes, '<table>'` whenever they are written, by any
writer: the app, the CLI or a script. The server folds identical notifications of one
transaction into one, so a bulk import costs a handful. Other instances LISTEN
(services/cases/change_feed.py) and refresh their lists. SQLite needs nothing here: the app
polls `PRAGMA data_version` instead.

This file is frozen once released: the SQL is written out here, not imported.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CHANNEL = "correspondence_changes"
TABLES = ("cases", "case_themes", "drafts", "correspondents", "campaigns")

PG_FUNCTION = f"""
CREATE FUNCTION correspondence_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PG_FUNCTION)
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_notify_change "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION correspondence_notify_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notify_change ON {table}")
    op.execute("DROP FUNCTION IF EXISTS correspondence_notify_change()")
