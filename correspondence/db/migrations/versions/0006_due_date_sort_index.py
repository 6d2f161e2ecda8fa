"""an index in the case list's due-date order

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

The list sorts by due date as `coalesce(due_on, '9999-12-31')` so that cases without a due
date come last, and pages by `(that, id)`. The plain `(due_on, id)` index cannot give that
order, so sorting a million cases by due date sorted them all (1–4 s). An index on the very
expression lets SQLite and PostgreSQL walk it, as they walk the received-date index.

It lives outside the ORM models (SQLite does not reflect expression indexes, so Alembic
could not compare it); services/cases/case_list.py writes the same expression, literal included.

This file is frozen once released: the SQL is written out here, not imported.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SQLITE_UP = "CREATE INDEX ix_cases_due_sort ON cases (coalesce(due_on, '9999-12-31'), id)"
PG_UP = "CREATE INDEX ix_cases_due_sort ON cases (coalesce(due_on, DATE '9999-12-31'), id)"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(PG_UP if dialect == "postgresql" else SQLITE_UP)


def downgrade() -> None:
    op.execute("DROP INDEX ix_cases_due_sort")
