"""Rendered documents: number, version, subject, status and issue date on `document`; the
issued Markdown per language with its SHA-256 in `document_text`.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("number", sa.String(length=120), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(
            sa.Column("subject", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="in_effect")
        )
        batch_op.add_column(sa.Column("issued_on", sa.Date(), nullable=True))
    op.create_table(
        "document_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rendered_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "locale"),
    )
    with op.batch_alter_table("document_text", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_text_document_id"), ["document_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("document_text", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_text_document_id"))
    op.drop_table("document_text")
    with op.batch_alter_table("document", schema=None) as batch_op:
        for name in ("issued_on", "status", "subject", "version", "number"):
            batch_op.drop_column(name)
