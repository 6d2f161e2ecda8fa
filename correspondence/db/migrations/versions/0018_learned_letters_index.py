"""an index from which the theme model reads each theme's newest confirmed letters

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04

The theme model learns from the newest 400 letters of each theme whose themes an officer
confirmed. It read every confirmed letter's text, newest first, and kept 400 a theme: in a
long-standing office that is every letter ever triaged, read again by each officer's next
triage view after anyone confirmed a theme. With `(theme_id, confirmed_at)` over the
confirmed rows only, each theme's newest letters are read from the top of the index and
the reading stops at 400.

This file is frozen once released: the names and SQL are written out here.
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

NAME = "ix_case_themes_confirmed"
WHERE = "source = 'officer' AND confirmed_at IS NOT NULL"


def upgrade() -> None:
    op.execute(f"CREATE INDEX {NAME} ON case_themes (theme_id, confirmed_at) WHERE {WHERE}")


def downgrade() -> None:
    op.drop_index(NAME, "case_themes")
