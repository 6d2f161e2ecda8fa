"""a case's subject phrase, for the opening of its reply

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-04

The summary is a heading for the list ("Shortage of health visitors"); a reply's opening
needs a phrase that reads inside a sentence ("your letter about the shortage of health
visitors"). Triage proposes it from the summary and people may change it. Empty means
"not set yet": the reply then makes one from the summary.

A plain ADD COLUMN, not a batch copy: a copy of `cases` would drop the full-text triggers.

This file is frozen once released.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "cases",
        sa.Column("subject_phrase", sa.String(200), nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("subject_phrase")
