"""Status columns hold only their enum's values (issue 14): a CHECK constraint on each
status column, named `ck_<table>_status`, listing the values the models' StrEnums allow.

Existing data is checked first and never changed: a row whose status is not one of its
column's values stops the upgrade with an error naming the table, column and values found,
for a person to correct before migrating again.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.migrate import MigrationRefused

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: table -> the values its `status` column allows (as the enums were at this revision)
STATUSES: dict[str, tuple[str, ...]] = {
    "agreement": (
        "onboarding",
        "active",
        "changing",
        "terminating",
        "extension_pending",
        "declined",
        "archived",
    ),
    "agreement_version": ("draft", "signed", "in_effect", "superseded", "withdrawn", "archived"),
    "document": ("draft", "in_effect", "superseded", "withdrawn", "archived"),
    "supplier_contract": ("active", "changed", "cancelled", "released"),
    "ola": ("unsigned", "queried", "signed", "superseded"),
    "improvement_action": ("open", "done"),
    "outbox": ("pending", "sent", "failed"),
    "reminder": ("scheduled", "sent", "superseded"),
}


def condition(values: tuple[str, ...]) -> str:
    return "status IN ({})".format(", ".join(f"'{v}'" for v in values))


def check_rows(conn: sa.Connection) -> None:
    """Refuse to go on while any row holds a status its column will not allow."""
    bad: list[str] = []
    for table, values in STATUSES.items():
        found = conn.execute(
            sa.text(f"SELECT DISTINCT status FROM {table} WHERE NOT ({condition(values)})")
        ).scalars()
        odd = sorted(str(v) for v in found)
        if odd:
            bad.append(
                f"{table}.status holds {', '.join(repr(v) for v in odd)} "
                f"(allowed: {', '.join(values)})"
            )
    if bad:
        raise MigrationRefused(
            "cannot add the status CHECK constraints: " + "; ".join(bad) + ". Correct these "
            "rows (nothing was changed) and migrate again."
        )


def upgrade() -> None:
    check_rows(op.get_bind())
    for table, values in STATUSES.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_check_constraint(f"ck_{table}_status", condition(values))


def downgrade() -> None:
    for table in STATUSES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(f"ck_{table}_status", type_="check")
