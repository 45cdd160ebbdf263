"""Export and import of all data as JSON: a backup that round-trips without loss."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel

from store.db import Database
from store.integrity import carry_forward, carry_rows
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
        "counts": {name: len(rows) for name, rows in tables.items()},
        "tables": tables,
    }


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


class ImportError_(ValueError):
    """The file is not an export, or the target database is not empty."""


def _tables_of(db: Database, data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Check what an export holds before anything is written: the marker and version, the
    schema it was made with, every table present and no other, every column known, the row
    counts it states. Any mismatch is one `ImportError_` naming it."""
    from store.migrate import current

    if data.get("format") != FORMAT:
        raise ImportError_("not an slm-bot export (missing format marker)")
    if data.get("format_version") != FORMAT_VERSION:
        raise ImportError_(f"unsupported export version {data.get('format_version')!r}")
    schema, ours = data.get("schema"), current(db)
    if schema != ours:
        raise ImportError_(
            f"the export is of schema {schema!r} and this database is at {ours!r}: "
            "export and import with the same slm-bot version"
        )
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise ImportError_("export has no tables")
    names = {table_of(m).name for m in ALL_TABLES}
    missing = sorted(names - set(tables))
    unknown = sorted(set(tables) - names)
    if missing:
        raise ImportError_(f"the export lacks table(s) {', '.join(missing)}: nothing imported")
    if unknown:
        raise ImportError_(f"the export has unknown table(s) {', '.join(unknown)}")
    counts = data.get("counts")
    for model in ALL_TABLES:
        table = table_of(model)
        rows = tables[table.name]
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ImportError_(f"table {table.name} is not a list of rows")
        columns = set(table.c.keys())
        for i, row in enumerate(rows):
            extra = sorted(set(row) - columns)
            if extra:
                raise ImportError_(
                    f"table {table.name} row {i + 1} has unknown column(s) {', '.join(extra)}"
                )
        if isinstance(counts, dict) and counts.get(table.name) != len(rows):
            raise ImportError_(
                f"table {table.name} has {len(rows)} rows, the export says "
                f"{counts.get(table.name)!r}: the file is incomplete or edited"
            )
    return tables


def _parsed(model: type[SQLModel], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    name = table_of(model).name
    out = []
    for i, row in enumerate(rows):
        try:
            out.append(model.model_validate(row).model_dump())
        except (ValueError, TypeError) as exc:
            first = str(exc).splitlines()[0][:200]
            raise ImportError_(f"table {name} row {i + 1} is not valid: {first}") from None
    return out


def _startup_only(s: Any) -> bool:
    """True when the database holds nothing but the start-up admin grants (`SLM_ADMINS`,
    written by `serve`/`worker` at start): it counts as empty."""
    from store.models import AuditEvent, RoleAssignment
    from store.roles import CONFIG_ACTOR

    ra, au = table_of(RoleAssignment), table_of(AuditEvent)
    for model in ALL_TABLES:
        table = table_of(model)
        if table.name in (ra.name, au.name):
            continue
        if s.execute(select(func.count()).select_from(table)).scalar_one():
            return False
    other_grants = s.execute(
        select(func.count()).select_from(ra).where(ra.c.granted_by != CONFIG_ACTOR)
    ).scalar_one()
    other_events = s.execute(
        select(func.count())
        .select_from(au)
        .where((au.c.actor != CONFIG_ACTOR) | (au.c.action != "role.grant"))
    ).scalar_one()
    return not other_grants and not other_events


def _clear_startup(s: Any, dialect: str) -> None:
    """Remove the start-up grants (and their audit rows, the one deletion the append-only
    log allows, inside the import's transaction) so the export's rows take their ids."""
    from store.models import AuditEvent, RoleAssignment

    s.execute(delete(table_of(RoleAssignment)))
    au = table_of(AuditEvent).name
    if dialect == "postgresql":
        s.execute(text(f"ALTER TABLE {au} DISABLE TRIGGER audit_event_append_only"))
        s.execute(delete(table_of(AuditEvent)))
        s.execute(text(f"ALTER TABLE {au} ENABLE TRIGGER audit_event_append_only"))
        return
    ddl = s.execute(
        text(
            "SELECT sql FROM sqlite_master "
            "WHERE type = 'trigger' AND name = 'audit_event_no_delete'"
        )
    ).scalar_one_or_none()
    s.execute(text("DROP TRIGGER IF EXISTS audit_event_no_delete"))
    s.execute(delete(table_of(AuditEvent)))
    if ddl:
        s.execute(text(ddl))


def import_data(db: Database, data: dict[str, Any]) -> dict[str, int]:
    """Load an export into an empty, migrated database, all or nothing (one transaction,
    checked first); returns rows per table."""
    tables = carry_rows(_tables_of(db, data))
    counts: dict[str, int] = {}
    with db.write() as s:
        startup = _startup_only(s)
        for model in ALL_TABLES:
            table = table_of(model)
            n = s.execute(select(func.count()).select_from(table)).scalar_one()
            if n and not startup:
                raise ImportError_(
                    f"the target database is not empty ({table.name} has {n} "
                    "rows): import into a freshly migrated database"
                )
        if startup:
            _clear_startup(s, db.dialect)
        for model in ALL_TABLES:
            table = table_of(model)
            rows = tables.get(table.name, [])
            if rows:
                try:
                    s.execute(insert(table), _parsed(model, rows))
                except SQLAlchemyError as exc:
                    first = str(exc.orig if hasattr(exc, "orig") else exc).splitlines()[0][:200]
                    raise ImportError_(f"table {table.name} could not be loaded: {first}") from None
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
