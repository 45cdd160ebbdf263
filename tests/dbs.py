"""Real databases for the tests: a SQLite file and a private schema on the PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from store.db import Database
from store.migrate import upgrade

PG_BASE = os.environ.get("SLM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        eng = create_engine(PG_BASE, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # any driver error: report it
        return f"PostgreSQL at {PG_BASE} is not reachable: {exc.__class__.__name__}"


def require_pg() -> None:
    reason = pg_available()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the PostgreSQL tests)")
    pytest.skip(reason)


@contextmanager
def sqlite_db(directory: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{directory / 'slm-test.db'}")
    upgrade(db)
    try:
        yield db
    finally:
        db.dispose()


@contextmanager
def postgres_db() -> Iterator[Database]:
    require_pg()
    schema = f"slm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_BASE)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_BASE else "?"
    db = Database(f"{PG_BASE}{sep}options=-csearch_path%3D{schema}")
    try:
        upgrade(db)
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database(kind: str, directory: Path) -> Iterator[Database]:
    if kind == "sqlite":
        with sqlite_db(directory) as db:
            yield db
    else:
        with postgres_db() as db:
            yield db
