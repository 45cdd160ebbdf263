"""OLA status (issue 9, rule 5): OLAs from a rejected M9 round are `superseded`, not current

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ola") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="current")
        )
    from store.integrity import supersede_rejected_olas

    supersede_rejected_olas(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("ola") as batch:
        batch.drop_column("status")
