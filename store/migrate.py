"""Alembic migrations, run programmatically (`slm-bot migrate`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from store.db import Database

MIGRATIONS = Path(__file__).with_name("migrations")


class MigrationRefused(RuntimeError):
    """A migration found data it will not change by itself (its message names it): nothing
    was changed; a person corrects the data and migrates again."""


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


@contextmanager
def migration_connection(db: Database) -> Iterator[Connection]:
    """A connection to migrate with; commit it when done (else it rolls back).

    On SQLite its foreign keys are off meanwhile: a batch migration rebuilds a table (copy,
    drop, rename), and dropping a table that others reference fails while they are on, yet
    SQLite can turn them off only outside a transaction. `check_foreign_keys` before the
    commit makes sure the rebuilt tables still hold every reference.
    """
    with db.engine.connect() as conn:
        if not db.is_sqlite:
            yield conn
            return
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            yield conn
        finally:
            if conn.in_transaction():
                conn.rollback()
            raw.execute("PRAGMA foreign_keys=ON")


def check_foreign_keys(conn: Connection) -> None:
    """On SQLite, refuse to commit a migration that left a reference dangling."""
    if conn.dialect.name != "sqlite":
        return
    broken = conn.execute(text("PRAGMA foreign_key_check")).all()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise RuntimeError(f"the migration left broken references in {', '.join(tables)}")


def upgrade(db: Database, revision: str = "head") -> str | None:
    """Apply migrations up to `revision`; return the revision the database is at."""
    cfg = alembic_config(db)
    with migration_connection(db) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        check_foreign_keys(conn)
        conn.commit()
    return current(db)


def downgrade(db: Database, revision: str) -> str | None:
    """Undo migrations down to `revision` (tests, or a person going back a version)."""
    cfg = alembic_config(db)
    with migration_connection(db) as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        check_foreign_keys(conn)
        conn.commit()
    return current(db)


def current(db: Database) -> str | None:
    with db.read_engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config(Database("sqlite://"))).get_current_head()
