"""the event log is append-only in the database itself

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-24

Triggers refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of `events`: an event is
written once, complete with its hash, and never touched again. A person with the rights to
drop these triggers can still tamper; the hash chain that `correspondence audit verify`
walks is what shows it.

This file is frozen once released: the SQL is written out here, not imported.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

MESSAGE = "events are append-only: an event cannot be changed or deleted"

SQLITE_UP = (
    f"""
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
""",
    f"""
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
""",
)

SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS events_no_update",
    "DROP TRIGGER IF EXISTS events_no_delete",
)

PG_UP = (
    f"""
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
END
$$
""",
    """
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only()
""",
    """
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()
""",
)

PG_DOWN = (
    "DROP TRIGGER IF EXISTS events_no_truncate ON events",
    "DROP TRIGGER IF EXISTS events_append_only ON events",
    "DROP FUNCTION IF EXISTS events_append_only()",
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in SQLITE_UP if dialect == "sqlite" else PG_UP if dialect == "postgresql" else ():
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in SQLITE_DOWN if dialect == "sqlite" else PG_DOWN if dialect == "postgresql" else ():
        op.execute(sql)
