"""The numbers and names a new agreement gets (store.lifecycle.submit_request): its id
`SLA-<year>-<seq>` and its customer, both safe under concurrency on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from store.models import AgreementSeq, Customer


def next_agreement_id(s: Session, year: int) -> str:
    # an upsert that returns the new value: safe under concurrency on both databases
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    dialect = s.get_bind().dialect.name
    ins = pg_insert(AgreementSeq) if dialect == "postgresql" else sqlite_insert(AgreementSeq)
    stmt = (
        ins.values(year=year, last=1)
        .on_conflict_do_update(
            index_elements=["year"],
            set_={"last": col(AgreementSeq.last) + 1},
        )
        .returning(col(AgreementSeq.last))
    )
    seq = int(s.execute(stmt).scalar_one())
    return f"SLA-{year}-{seq:04d}"


def find_or_create_customer(s: Session, name: str, contact: str, now: datetime) -> int:
    """The customer named `name`, created when new: an insert that skips an existing name
    (on PostgreSQL it waits for a concurrent insert of the same name), then a read."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    ins = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.execute(
        ins(Customer)
        .values(name=name, contact=contact, created_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return int(s.execute(select(col(Customer.id)).where(col(Customer.name) == name)).scalar_one())
