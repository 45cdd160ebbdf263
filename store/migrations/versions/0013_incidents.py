"""Incidents and outages (M11 measures them): from Slack, CSV, Alertmanager and the API;
the agreement's own time zone for its service hours (M1); an SLA version's own response and
resolution targets (M4, C2)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    ts = store.types.UTCDateTime(timezone=True)
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=False),
        sa.Column("impact", sa.String(length=10), nullable=False),
        sa.Column("opened_at", ts, nullable=False),
        sa.Column("acknowledged_at", ts, nullable=True),
        sa.Column("resolved_at", ts, nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("pauses", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreement.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement_id", "source_key"),
    )
    op.create_index("ix_incident_agreement_opened", "incident", ["agreement_id", "opened_at"])
    op.add_column("agreement", sa.Column("timezone", sa.String(length=64), nullable=True))
    op.add_column("agreement_version", sa.Column("targets", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agreement_version") as batch:
        batch.drop_column("targets")
    with op.batch_alter_table("agreement") as batch:
        batch.drop_column("timezone")
    op.drop_index("ix_incident_agreement_opened", table_name="incident")
    op.drop_table("incident")
