"""Export and import of all data as JSON: a backup that round-trips without loss."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlmodel import SQLModel

from store.db import Database
from store.integrity import carry_forward
from store.models import ALL_TABLES, table_of

FORMAT = "slm-bot-export"
FORMAT_VERSION = 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _pk(model: type[SQLModel]) -> list[Any]:
    return list(table_of(model).primary_key.columns)


def export_data(db: Database) -> dict[str, Any]:
    """Every row of every table, in primary-key order, as JSON-ready values."""
    from store.migrate import current

    tables: dict[str, list[dict[str, Any]]] = {}
    with db.read() as s:
        for model in ALL_TABLES:
            table = table_of(model)
            rows = s.execute(select(table).order_by(*_pk(model))).mappings().all()
            tables[table.name] = [{k: _jsonable(v) for k, v in r.items()} for r in rows]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema": current(db),
        "tables": tables,
    }


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


class ImportError_(ValueError):
    """The file is not an export, or the target database is not empty."""


def import_data(db: Database, data: dict[str, Any]) -> dict[str, int]:
    """Load an export into an empty, migrated database; returns rows per table."""
    if data.get("format") != FORMAT:
        raise ImportError_("not an slm-bot export (missing format marker)")
    if data.get("format_version") != FORMAT_VERSION:
        raise ImportError_(f"unsupported export version {data.get('format_version')!r}")
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise ImportError_("export has no tables")
    counts: dict[str, int] = {}
    with db.write() as s:
        for model in ALL_TABLES:
            table = table_of(model)
            n = s.execute(select(func.count()).select_from(table)).scalar_one()
            if n:
                raise ImportError_(
                    f"the target database is not empty ({table.name} has {n} "
                    "rows): import into a freshly migrated database"
                )
        for model in ALL_TABLES:
            table = table_of(model)
            rows = tables.get(table.name, [])
            if rows:
                parsed = [model.model_validate(r).model_dump() for r in rows]
                s.execute(insert(table), parsed)
            counts[table.name] = len(rows)
        carry_forward(s)  # an export from before a rule was added reads as the rule says
        if db.dialect == "postgresql":
            for model in ALL_TABLES:
                table = table_of(model)
                if (
                    "id" in table.c
                    and table.c.id.autoincrement is not False
                    and str(table.c.id.type) == "INTEGER"
                ):
                    s.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
    return counts
