"""Department heads and OLA signatures (issue 9, rules 6 and 7): the department directory,
the M7 notices each head acknowledges, and who signs each OLA (signed, queried, answered).

Existing data: OLAs of the current round of an agreement already past M10 count as signed
(the service went live on them; no signer is recorded); the other current OLAs wait for a
signature (`unsigned`, without a signer: the owner resubmits M9 once the directory names
their heads, or an admin's directory lets them be sent). Agreements past M7 keep no notices:
the notice is sent from M7 on.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = store.types.UTCDateTime(timezone=True)

#: carry existing OLAs: past M10 -> signed; other current ones -> unsigned
CARRY: tuple[str, ...] = (
    "UPDATE ola SET status = 'signed' WHERE status = 'current' AND agreement_id IN "
    "(SELECT agreement_id FROM step_record WHERE action = 'M10' AND skipped = :no)",
    "UPDATE ola SET status = 'unsigned' WHERE status = 'current'",
)


def upgrade() -> None:
    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "acknowledgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.String(length=20), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("sent_at", _TS, nullable=False),
        sa.Column("acknowledged_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreement.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement_id", "department"),
    )
    with op.batch_alter_table("acknowledgement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_acknowledgement_agreement_id"), ["agreement_id"], unique=False
        )
    with op.batch_alter_table("ola", schema=None) as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=16),
            existing_nullable=False,
            server_default="unsigned",
        )
        batch_op.add_column(sa.Column("signer", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("signed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("signed_at", _TS, nullable=True))
        batch_op.add_column(sa.Column("query", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("answer", sa.Text(), nullable=True))
    carry_forward(op.get_bind())


def carry_forward(conn: sa.Connection) -> None:
    for stmt in CARRY:
        conn.execute(sa.text(stmt), {"no": False})


def downgrade() -> None:
    with op.batch_alter_table("ola", schema=None) as batch_op:
        for name in ("answer", "query", "signed_at", "signed_by", "signer"):
            batch_op.drop_column(name)
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=16),
            existing_nullable=False,
            server_default="current",
        )
    op.execute("UPDATE ola SET status = 'current' WHERE status <> 'superseded'")
    with op.batch_alter_table("acknowledgement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acknowledgement_agreement_id"))
    op.drop_table("acknowledgement")
    op.drop_table("department")
