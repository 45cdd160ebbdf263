"""Issue 9: data written before the rules is carried forward, by the migration (0004) and by
`import` of an older export, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import delete, insert, select, update

from store.backup import export_data, import_data
from store.db import Database
from store.migrate import alembic_config, upgrade
from store.models import OLA, Agreement, Customer, StepRecord, table_of

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _old_rows(db: Database) -> None:
    with db.write() as s:
        s.execute(insert(table_of(Customer)), {"id": 1, "name": "Old Co", "created_at": NOW})
        base = {
            "customer_id": 1,
            "title": "Old Co",
            "flags": {},
            "sales_user": "U_SALES",
            "created_at": NOW,
            "updated_at": NOW,
            "review_cadence": "quarterly",
            "sla_version": 1,
            "lock_version": 1,
        }
        s.execute(
            insert(table_of(Agreement)),
            [
                base | {"id": "SLA-2026-0001", "status": "active", "pending": ["T1.extension"]},
                base | {"id": "SLA-2026-0002", "status": "active", "pending": []},
            ],
        )


def _statuses(db: Database) -> dict[str, str]:
    with db.read() as s:
        rows = s.execute(select(table_of(Agreement).c.id, table_of(Agreement).c.status)).all()
        return {i: st for i, st in rows}


def test_migration_makes_a_waiting_extension_extension_pending(empty_db: Database) -> None:
    cfg = alembic_config(empty_db)
    with empty_db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
        conn.commit()
    _old_rows(empty_db)
    upgrade(empty_db)
    assert _statuses(empty_db) == {
        "SLA-2026-0001": "extension_pending",
        "SLA-2026-0002": "active",
    }


def test_import_of_an_older_export_is_carried_forward(empty_db: Database) -> None:
    _old_rows(empty_db)
    with empty_db.write() as s:  # as an export written before the rules would hold it
        ags = table_of(Agreement)
        s.execute(update(ags).where(ags.c.id == "SLA-2026-0001").values(status="active"))
    data = export_data(empty_db)
    with empty_db.write() as s:
        s.execute(delete(table_of(Agreement)))
        s.execute(delete(table_of(Customer)))
    import_data(empty_db, data)
    assert _statuses(empty_db)["SLA-2026-0001"] == "extension_pending"


def _olas_before_0014(db: Database, current: str = "current") -> None:
    """Two agreements with OLAs as they were before 0014: one past M10, one waiting for it
    (`current`: what the current round's OLAs hold)."""
    _old_rows(db)
    rec = {
        "step": "M10",
        "action": "M10",
        "branch": "live",
        "sla_version": 1,
        "actor": "U_OPS",
        "at": NOW,
        "data": {},
        "skipped": False,
    }
    ola = {"sla_version": 1, "step": "M9", "commitment": "30 min"}
    with db.write() as s:
        s.execute(insert(table_of(StepRecord)), rec | {"agreement_id": "SLA-2026-0002"})
        s.execute(
            insert(table_of(OLA)),
            [
                ola | {"agreement_id": "SLA-2026-0002", "department": "DBA", "status": current},
                ola
                | {"agreement_id": "SLA-2026-0002", "department": "Net", "status": "superseded"},
                ola | {"agreement_id": "SLA-2026-0001", "department": "DBA", "status": current},
            ],
        )


def test_migration_0014_counts_olas_past_m10_as_signed(empty_db: Database) -> None:
    cfg = alembic_config(empty_db)
    with empty_db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0013")
        conn.commit()
    _olas_before_0014(empty_db)
    upgrade(empty_db)
    with empty_db.read() as s:
        t = table_of(OLA)
        rows = s.execute(select(t.c.agreement_id, t.c.department, t.c.status, t.c.signer)).all()
    assert sorted((a, d, st, sg) for a, d, st, sg in rows) == [
        ("SLA-2026-0001", "DBA", "unsigned", None),
        ("SLA-2026-0002", "DBA", "signed", None),
        ("SLA-2026-0002", "Net", "superseded", None),
    ]


def test_import_of_an_export_before_0014_carries_the_olas(empty_db: Database) -> None:
    _olas_before_0014(empty_db, current="unsigned")  # the database refuses `current` now
    data = export_data(empty_db)
    for row in data["tables"]["ola"]:  # as an export written before the signatures holds them
        if row["status"] == "unsigned":
            row["status"] = "current"
    with empty_db.write() as s:
        for model in (OLA, StepRecord, Agreement, Customer):
            s.execute(delete(table_of(model)))
    import_data(empty_db, data)
    with empty_db.read() as s:
        t = table_of(OLA)
        rows = s.execute(select(t.c.agreement_id, t.c.status).where(t.c.department == "DBA")).all()
    assert sorted((a, st) for a, st in rows) == [
        ("SLA-2026-0001", "unsigned"),
        ("SLA-2026-0002", "signed"),
    ]
