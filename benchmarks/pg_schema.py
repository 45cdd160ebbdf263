"""A PostgreSQL schema of a benchmark's own: created fresh, used through `search_path`, dropped
at the end, so a run never touches other data on the server."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from store.db import normalise_url


def fresh_schema(pg: str, schema: str) -> str:
    """(Re)create `schema` on the server at `pg`; the URL whose connections use it."""
    _run(pg, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"')
    url = normalise_url(pg)
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def drop_schema(pg: str, schema: str) -> None:
    _run(pg, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _run(pg: str, sql: str) -> None:
    admin = create_engine(normalise_url(pg))
    try:
        with admin.begin() as conn:
            conn.execute(text(sql))
    finally:
        admin.dispose()
