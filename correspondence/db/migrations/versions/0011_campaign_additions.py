"""a campaign reply can carry a paragraph for one member who wrote casework of their own

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-04

A campaign member who added words of their own (their situation, a named child, a question)
can be answered by the campaign reply plus one paragraph written for them. The paragraph is
kept per member case; the bulk export puts it into that member's letter only.

This file is frozen once released.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_additions",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_by_id", sa.Integer(), nullable=True),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name="fk_campaign_additions_case_id_cases",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"], ["users.id"], name="fk_campaign_additions_written_by_id_users"
        ),
        sa.PrimaryKeyConstraint("case_id", name="pk_campaign_additions"),
    )


def downgrade() -> None:
    op.drop_table("campaign_additions")
