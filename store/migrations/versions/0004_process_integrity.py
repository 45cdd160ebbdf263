"""process integrity (issue 9): an agreement whose extension request waits for the executive
is `extension_pending`, no longer `active`

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from store.integrity import CARRY_FORWARD

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for stmt in CARRY_FORWARD:
        op.execute(stmt)


def downgrade() -> None:
    op.execute("UPDATE agreement SET status = 'active' WHERE status = 'extension_pending'")
