"""replies by email and as PDF; scanned letters read by OCR

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

- `cases.reply_channel` (letter|email) and `cases.reply_email`: how the reply goes out,
  proposed from how the letter came in.
- `signatories.signature_image`: the image a digital signature places above the name.
- `email_sends`: one row per case (and per campaign member) for the reply sent by email,
  with its state (sending|sent|refused|unknown) and Message-ID, so nothing is sent twice.
- `documents.ocr_read`, `ocr_confidence`, `ocr_check_pages`: text read by OCR, how sure
  Tesseract was, and the pages an officer should check.

Plain ADD COLUMNs, not batch copies: a copy of `cases` or `documents` would be slow on a
large office and would drop PostgreSQL triggers of earlier revisions.

This file is frozen once released.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "cases",
        sa.Column("reply_channel", sa.String(10), nullable=False, server_default="letter"),
    )
    op.add_column(
        "cases", sa.Column("reply_email", sa.String(200), nullable=False, server_default="")
    )
    # An email that came in is answered by email, to its sender.
    op.execute(
        "UPDATE cases SET reply_channel = 'email', reply_email = COALESCE(("
        "SELECT correspondents.email FROM correspondents "
        "WHERE correspondents.id = cases.correspondent_id), '') "
        "WHERE channel = 'email'"
    )
    op.add_column("signatories", sa.Column("signature_image", sa.LargeBinary(), nullable=True))
    op.add_column(
        "signatories",
        sa.Column("signature_media_type", sa.String(40), nullable=False, server_default=""),
    )
    op.add_column(
        "documents",
        sa.Column("ocr_read", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("documents", sa.Column("ocr_confidence", sa.Float(), nullable=True))
    op.add_column(
        "documents",
        sa.Column("ocr_check_pages", sa.String(200), nullable=False, server_default=""),
    )
    op.create_table(
        "email_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("message_id", sa.String(300), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_email_sends_case_id_cases", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"], name="fk_email_sends_draft_id_drafts"),
        sa.PrimaryKeyConstraint("id", name="pk_email_sends"),
        sa.UniqueConstraint("case_id", name="uq_email_sends_case_id"),
    )
    op.create_index("ix_email_sends_state", "email_sends", ["state"])


def downgrade() -> None:
    op.drop_index("ix_email_sends_state", table_name="email_sends")
    op.drop_table("email_sends")
    # Plain DROP COLUMNs (SQLite 3.35+), not batch copies: a copy of `cases` would lose its
    # expression index (0006) and the triggers of earlier revisions.
    for table, column in (
        ("documents", "ocr_check_pages"),
        ("documents", "ocr_confidence"),
        ("documents", "ocr_read"),
        ("signatories", "signature_media_type"),
        ("signatories", "signature_image"),
        ("cases", "reply_email"),
        ("cases", "reply_channel"),
    ):
        op.drop_column(table, column)
