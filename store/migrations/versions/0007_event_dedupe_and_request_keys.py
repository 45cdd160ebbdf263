"""Slack events handled once across web processes (unique event_id, pruned after a day);
new-request submissions taken once (view id and hash)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_event",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("seen_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index("ix_slack_event_seen_at", "slack_event", ["seen_at"])
    op.create_table(
        "request_submission",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("agreement_id", sa.String(length=20), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("request_submission")
    op.drop_index("ix_slack_event_seen_at", table_name="slack_event")
    op.drop_table("slack_event")
