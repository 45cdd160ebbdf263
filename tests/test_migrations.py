"""Alembic migrations build exactly the tables the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import store.models  # noqa: F401
from store.db import Database
from store.migrate import current, head, upgrade


def test_migrations_match_the_models(empty_db: Database) -> None:
    assert current(empty_db) == head()
    with empty_db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_upgrade_is_idempotent(empty_db: Database) -> None:
    assert upgrade(empty_db) == head()
    assert upgrade(empty_db) == head()
