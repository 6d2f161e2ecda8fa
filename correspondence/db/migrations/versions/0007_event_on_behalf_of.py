"""an event names on whose behalf it was done

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

When an admin acts for another person (a shared desk, a correction), `username` stays the
login that really acted and `on_behalf_of` names the person the act was for. Empty when a
person acted for themselves.

A plain ADD COLUMN, not a batch copy: the copy would drop the append-only triggers of 0004.

This file is frozen once released.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "events",
        sa.Column("on_behalf_of", sa.String(100), nullable=False, server_default=""),
    )


def downgrade() -> None:
    # Not a batch copy (it would lose the append-only triggers on events).
    op.execute("ALTER TABLE events DROP COLUMN on_behalf_of")
