"""Reconstructed document text: `document_text.reconstructed` marks text rendered afterwards
(`slm-bot docs backfill`) for documents issued before migration 0008 rendered them.

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("document_text", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reconstructed", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("document_text", schema=None) as batch_op:
        batch_op.drop_column("reconstructed")
