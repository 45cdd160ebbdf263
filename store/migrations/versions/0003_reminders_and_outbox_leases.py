"""reminders and outbox leases

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_lease",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("until", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("agreement_id", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=True),
        sa.Column("due_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reminder_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index("ix_reminder_due", ["status", "due_at"], unique=False)

    with op.batch_alter_table("agreement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_review_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("next_sla_review_on", sa.Date(), nullable=True))
        batch_op.create_index("ix_agreement_review", ["status", "next_review_on"], unique=False)
        batch_op.create_index(
            "ix_agreement_sla_review", ["status", "next_sla_review_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("agreement", schema=None) as batch_op:
        batch_op.drop_index("ix_agreement_sla_review")
        batch_op.drop_index("ix_agreement_review")
        batch_op.drop_column("next_sla_review_on")
        batch_op.drop_column("next_review_on")

    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_due")
        batch_op.drop_index(batch_op.f("ix_reminder_agreement_id"))

    op.drop_table("reminder")
    op.drop_table("outbox_lease")
