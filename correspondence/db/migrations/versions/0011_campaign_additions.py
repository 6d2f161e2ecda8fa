"""a campaign reply can carry a paragraph for one member who wrote casework of their own

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

A campaign member who added words of their own (their situation, a named child, a question)
can be answered by the campaign reply plus one paragraph written for them. The paragraph is
kept per member case; the bulk export puts it into that member's letter only.

On a PostgreSQL server already set up for a team (migration 0008, `server setup`), the app's
everyday role `desk_user` is granted the new table here, as `server setup` grants every table
that is not an admin's, so officers and drafters can use it before the owner runs setup again.

This file is frozen once released.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

revision = "0011"
down_revision = "0010"
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
    bind = op.get_bind()
    # desk_enforced() is true only once `server setup` has run on this database (0008).
    if bind.dialect.name == "postgresql" and bind.execute(text("SELECT desk_enforced()")).scalar():
        op.execute('GRANT SELECT, INSERT, UPDATE, DELETE ON campaign_additions TO "desk_user"')


def downgrade() -> None:
    op.drop_table("campaign_additions")
