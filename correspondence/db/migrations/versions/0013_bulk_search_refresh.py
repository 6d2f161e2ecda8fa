"""bulk intake refreshes the search index once per batch on PostgreSQL

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-04

The per-row search triggers on `cases` and `constituents` (0002) skip their work when
the transaction has set `correspondence.search_deferred` to 'on' (with SET LOCAL, so
it ends with the transaction). A bulk intake sets it, inserts a batch, then calls
`case_search_refresh` once for the batch's case ids: one set-based statement instead
of one trigger call per row. Every other writer leaves it unset and is unchanged.

Only the trigger functions change (CREATE OR REPLACE keeps the triggers, their owner
and the grants made by `server setup`). SQLite is untouched: FTS5 triggers are cheap.

This file is frozen once released.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

# current_setting(..., true) is NULL when the setting was never made in this session.
DEFERRED = "coalesce(current_setting('correspondence.search_deferred', true), '') = 'on'"

ON_CASE = f"""
CREATE OR REPLACE FUNCTION case_search_on_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF {DEFERRED} THEN
        RETURN NULL;  -- a bulk intake refreshes the batch itself
    END IF;
    PERFORM case_search_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END $$"""

ON_CONSTITUENT = f"""
CREATE OR REPLACE FUNCTION case_search_on_constituent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF {DEFERRED} THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM case_search_refresh(ARRAY[NEW.case_id]);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM case_search_refresh(ARRAY[OLD.case_id]);
    ELSE
        PERFORM case_search_refresh(ARRAY[OLD.case_id, NEW.case_id]);
    END IF;
    RETURN NULL;
END $$"""

OLD_ON_CASE = """
CREATE OR REPLACE FUNCTION case_search_on_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM case_search_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END $$"""

OLD_ON_CONSTITUENT = """
CREATE OR REPLACE FUNCTION case_search_on_constituent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM case_search_refresh(ARRAY[NEW.case_id]);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM case_search_refresh(ARRAY[OLD.case_id]);
    ELSE
        PERFORM case_search_refresh(ARRAY[OLD.case_id, NEW.case_id]);
    END IF;
    RETURN NULL;
END $$"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(ON_CASE)
    op.execute(ON_CONSTITUENT)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(OLD_ON_CASE)
    op.execute(OLD_ON_CONSTITUENT)
