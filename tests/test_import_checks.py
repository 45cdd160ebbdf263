"""Import is all or nothing and checks what it reads: schema version, every table present
and no other, every column known, row counts, valid values. Any mismatch is one clear error
and the database stays empty; a database holding only the start-up admin grant is empty."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from store.backup import ImportError_, export_data, import_data
from store.db import Database
from store.models import ALL_TABLES, table_of
from store.roles import ensure_admins
from tests.dbs import database, sqlite_db
from tests.support import Clock, drive, setup_world


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with sqlite_db(tmp_path_factory.mktemp("src")) as db:
        setup_world(db)
        drive(db, "M5", Clock())
        return export_data(db)


def rows(db: Database) -> int:
    with db.read_conn() as conn:
        return sum(
            int(conn.execute(select(func.count()).select_from(table_of(m))).scalar_one())
            for m in ALL_TABLES
        )


def _drop_audit(d: dict[str, Any]) -> None:
    del d["tables"]["audit_event"]
    del d["counts"]["audit_event"]


def _schema(d: dict[str, Any]) -> None:
    d["schema"] = "9999"


def _column(d: dict[str, Any]) -> None:
    d["tables"]["agreement"][0]["colour"] = "red"


def _table(d: dict[str, Any]) -> None:
    d["tables"]["mystery"] = []


def _count(d: dict[str, Any]) -> None:
    d["tables"]["audit_event"].pop()


def _value(d: dict[str, Any]) -> None:
    d["tables"]["agreement"][0]["created_at"] = "yesterday-ish"


def _rows_not_list(d: dict[str, Any]) -> None:
    d["tables"]["customer"] = {"a": 1}


def _duplicate(d: dict[str, Any]) -> None:
    d["tables"]["customer"].append(dict(d["tables"]["customer"][0]))
    d["counts"]["customer"] += 1


BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "no audit_event table": (_drop_audit, "lacks table"),
    "unknown schema": (_schema, "schema"),
    "unknown column": (_column, "unknown column"),
    "unknown table": (_table, "unknown table"),
    "a row missing": (_count, "rows, the export says"),
    "a bad value": (_value, "not valid"),
    "rows not a list": (_rows_not_list, "not a list of rows"),
    "a duplicate key": (_duplicate, "could not be loaded"),
}


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_export_is_one_clear_error_and_imports_nothing(
    kind: str, case: str, export: dict[str, Any], tmp_path: Path
) -> None:
    data = copy.deepcopy(export)
    breaks, message = BROKEN[case]
    breaks(data)
    with database(kind, tmp_path) as db:
        with pytest.raises(ImportError_, match=message):
            import_data(db, data)
        assert rows(db) == 0


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_the_start_up_admin_grant_counts_as_empty(
    kind: str, export: dict[str, Any], tmp_path: Path
) -> None:
    with database(kind, tmp_path) as db:
        ensure_admins(db, ["U0ADMIN"], now=datetime(2026, 3, 1, tzinfo=UTC))
        assert rows(db) == 2  # the grant and its audit row
        counts = import_data(db, copy.deepcopy(export))
        assert sum(counts.values()) == rows(db)
        assert json.dumps(export_data(db)["tables"], sort_keys=True) == json.dumps(
            export["tables"], sort_keys=True
        )
