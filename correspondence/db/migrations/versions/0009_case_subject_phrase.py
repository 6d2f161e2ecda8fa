"""a case's subject phrase, for the opening of its reply

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

The summary is a heading for the list ("Shortage of health visitors"); a reply's opening
needs a phrase that reads inside a sentence ("your letter about the shortage of health
visitors"). Triage proposes it from the summary and people may change it. Empty means
"not set yet": the reply then makes one from the summary.

A plain ADD COLUMN, not a batch copy: a copy of `cases` would drop the full-text triggers.

The list's default order is most urgent first (Days left): open cases by due date, closed
ones after. An index on that very expression lets both databases walk it, as 0006 does for
the due date; services/cases/case_list.py writes the same text (URGENCY_SQL).

This file is frozen once released.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


OPEN = "'drafting', 'in_qa', 'logged', 'returned', 'signed_off', 'triaged', 'with_private_office'"
URGENCY = f"coalesce(CASE WHEN status IN ({OPEN}) THEN due_on END, '9999-12-31')"
PG_URGENCY = f"coalesce(CASE WHEN status IN ({OPEN}) THEN due_on END, DATE '9999-12-31')"


def upgrade() -> None:
    op.add_column(
        "cases",
        sa.Column("subject_phrase", sa.String(200), nullable=False, server_default=""),
    )
    expression = PG_URGENCY if op.get_bind().dialect.name == "postgresql" else URGENCY
    op.execute(f"CREATE INDEX ix_cases_urgency_sort ON cases ({expression}, id)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_cases_urgency_sort")
    # Not a batch copy (it would lose the triggers and expression indexes on cases).
    op.execute("ALTER TABLE cases DROP COLUMN subject_phrase")
