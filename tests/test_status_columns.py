"""Issue 14: every status column is typed with its StrEnum; the database (SQLite and
PostgreSQL) refuses any other value, rows read back as enum members, and migration 0015
refuses to add the constraints over rows holding an unknown status."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from bot.cli import main
from bot.flows.departments import OlaStatus
from bot.flows.documents import DocStatus
from bot.flows.process_model import Status
from bot.flows.sla_versions import VersionStatus
from bot.flows.statuses import ContractStatus, ImprovementStatus, OutboxStatus, ReminderStatus
from store.backup import ImportError_, export_data, import_data
from store.db import Database
from store.migrate import MigrationRefused, current, downgrade, head, upgrade
from store.models import (
    OLA,
    Agreement,
    AgreementVersion,
    Customer,
    Document,
    ImprovementAction,
    OutboxMessage,
    Reminder,
    Review,
    SupplierContract,
    table_of,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AG = "SLA-2026-0001"

#: every status column: its model and the enum it holds
COLUMNS: dict[type[SQLModel], type[StrEnum]] = {
    Agreement: Status,
    AgreementVersion: VersionStatus,
    Document: DocStatus,
    SupplierContract: ContractStatus,
    OLA: OlaStatus,
    ImprovementAction: ImprovementStatus,
    OutboxMessage: OutboxStatus,
    Reminder: ReminderStatus,
}


def _one_of_each(db: Database) -> None:
    """One row in each table with a status column, each with its default (or first) status."""
    with db.write() as s:
        s.add(Customer(id=1, name="Acme", created_at=NOW))
        s.flush()
        s.add(
            Agreement(
                id=AG,
                customer_id=1,
                title="Acme",
                status=Status.ACTIVE,
                sales_user="U_SALES",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        s.flush()
        s.add(
            AgreementVersion(
                agreement_id=AG,
                number=1,
                status=VersionStatus.IN_EFFECT,
                tier=2,
                start_date=date(2026, 1, 1),
                end_date=date(2026, 12, 31),
                price=Decimal("100.00"),
                availability_pct=Decimal("99.9"),
                created_step="M4",
                created_at=NOW,
            )
        )
        s.add(
            Document(
                agreement_id=AG,
                sla_version=1,
                kind="sla",
                step="M5",
                title="SLA",
                created_by="U_SALES",
                created_at=NOW,
            )
        )
        s.add(
            SupplierContract(
                agreement_id=AG, sla_version=1, step="M8", supplier="S", contract_no="1"
            )
        )
        s.add(OLA(agreement_id=AG, sla_version=1, step="M9", department="DBA", commitment="x"))
        review = Review(agreement_id=AG, step="M11", actor="U_OPS", at=NOW)
        s.add(review)
        s.flush()
        assert review.id is not None
        s.add(ImprovementAction(agreement_id=AG, review_id=review.id, description="faster"))
        s.add(OutboxMessage(kind="thread", agreement_id=AG, created_at=NOW, next_attempt_at=NOW))
        s.add(Reminder(key="k1", kind="review", agreement_id=AG, due_at=NOW, created_at=NOW))


def test_rows_read_back_as_enum_members(empty_db: Database) -> None:
    _one_of_each(empty_db)
    with empty_db.read() as s:
        for model, enum in COLUMNS.items():
            row: Any = s.execute(select(model)).scalars().one()
            core = s.execute(select(table_of(model).c.status)).scalar_one()
            for status in (row.status, core):
                assert type(status) is enum, (model.__name__, status)
    with empty_db.read_conn() as conn:  # raw SQL sees the same lowercase values as before
        raw = conn.execute(text("SELECT status FROM ola")).scalar_one()
    assert raw == "unsigned" and type(raw) is str


@pytest.mark.parametrize("model", list(COLUMNS), ids=lambda m: table_of(m).name)
def test_the_database_refuses_an_unknown_status(empty_db: Database, model: type[SQLModel]) -> None:
    _one_of_each(empty_db)
    name = table_of(model).name
    with pytest.raises(IntegrityError, match=f"ck_{name}_status|CHECK constraint failed"):
        _run(empty_db, f"UPDATE {name} SET status = 'bogus'")
    # through the model too (nothing checks in Python first): a member's name is no value
    with pytest.raises(IntegrityError):
        _set_status(empty_db, model, "Active")


def _run(db: Database, sql: str) -> None:
    with db.write() as s:
        s.execute(text(sql))


def _set_status(db: Database, model: type[SQLModel], status: str) -> None:
    with db.write() as s:
        row: Any = s.execute(select(model)).scalars().one()
        row.status = status
        s.add(row)


def _allowed(sqltext: str) -> set[str]:
    return set(re.findall(r"'([a-z_]+)'", sqltext))


def test_each_constraint_lists_exactly_its_enum(empty_db: Database) -> None:
    """The migrated database checks what the models declare (an enum member added without a
    migration fails here): compare_metadata does not compare CHECK constraints."""
    insp = inspect(empty_db.engine)
    for model, enum in COLUMNS.items():
        name = table_of(model).name
        checks = {c["name"]: c["sqltext"] for c in insp.get_check_constraints(name)}
        assert _allowed(checks[f"ck_{name}_status"]) == {m.value for m in enum}, name
        declared = [c for c in table_of(model).constraints if c.name == f"ck_{name}_status"]
        assert len(declared) == 1, name


def test_migration_refuses_rows_with_an_unknown_status(empty_db: Database) -> None:
    downgrade(empty_db, "0014")
    _one_of_each(empty_db)
    with empty_db.write() as s:
        s.execute(text("UPDATE outbox SET status = 'queued'"))
        s.execute(text("UPDATE agreement SET status = 'live'"))
    with pytest.raises(MigrationRefused, match=r"outbox\.status holds 'queued'") as caught:
        upgrade(empty_db)
    assert "agreement.status holds 'live'" in str(caught.value)
    assert "nothing was changed" in str(caught.value)
    assert current(empty_db) == "0014"
    with empty_db.read_conn() as conn:
        assert conn.execute(text("SELECT status FROM outbox")).scalar_one() == "queued"
    with empty_db.write() as s:  # corrected, it migrates
        s.execute(text("UPDATE outbox SET status = 'pending'"))
        s.execute(text("UPDATE agreement SET status = 'active'"))
    assert upgrade(empty_db) == head()


def test_migration_keeps_rows_and_references(empty_db: Database) -> None:
    """0015 rebuilds tables others reference (SQLite's batch mode): the rows and every
    reference to them survive, down and up again."""
    _one_of_each(empty_db)
    before = export_data(empty_db)["tables"]
    assert downgrade(empty_db, "0014") == "0014"
    assert upgrade(empty_db) == head()
    assert export_data(empty_db)["tables"] == before
    with pytest.raises(IntegrityError):  # foreign keys are on again after migrating
        _run(empty_db, "UPDATE ola SET agreement_id = 'SLA-1999-0001'")


def test_import_refuses_an_unknown_status(empty_db: Database) -> None:
    _one_of_each(empty_db)
    data = export_data(empty_db)
    data["tables"]["reminder"][0]["status"] = "snoozed"
    with empty_db.write() as s:
        for t in ("reminder", "outbox", "improvement_action", "review", "ola"):
            s.execute(text(f"DELETE FROM {t}"))
        for t in ("supplier_contract", "document", "agreement_version", "agreement", "customer"):
            s.execute(text(f"DELETE FROM {t}"))
    with pytest.raises(ImportError_, match="table reminder row 1 is not valid"):
        import_data(empty_db, data)


def test_the_migrate_command_names_the_rows_it_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(db, "0014")
    _one_of_each(db)
    _run(db, "UPDATE reminder SET status = 'snoozed'")
    db.dispose()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'old.db'}")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "error: cannot add the status CHECK constraints: reminder.status holds 'snoozed'" in err
    assert "Traceback" not in err
