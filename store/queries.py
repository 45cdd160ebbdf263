"""Read models: agreement lists and details for the CLI, Slack and App Home."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlmodel import Session, col

from bot.flows.errors import NotFound
from bot.flows.process import Status
from store.db import Database
from store.lifecycle import state_of
from store.models import (
    Agreement,
    AgreementVersion,
    AuditEvent,
    Customer,
    Document,
    ImprovementAction,
    Task,
)


class ListFilter(StrEnum):
    MINE = "mine"
    OPEN = "open"
    EXPIRING = "expiring"
    ALL = "all"


@dataclass(frozen=True)
class AgreementRow:
    id: str
    customer: str
    status: str
    current: str
    tier: int | None
    end_date: date | None
    owner: str | None
    sales_user: str
    updated_at: datetime
    pending: tuple[str, ...]
    lock_version: int


@dataclass(frozen=True)
class AgreementDetail:
    row: AgreementRow
    title: str
    sla_version: int
    start_date: date | None
    review_cadence: str
    card: tuple[str | None, str | None]
    versions: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    improvements: list[dict[str, Any]] = field(default_factory=list)


def _row(ag: Agreement, customer: str) -> AgreementRow:
    st = state_of(ag)
    return AgreementRow(
        id=ag.id,
        customer=customer,
        status=ag.status,
        current=st.describe(),
        tier=ag.tier,
        end_date=ag.end_date,
        owner=ag.owner,
        sales_user=ag.sales_user,
        updated_at=ag.updated_at,
        pending=st.pending,
        lock_version=ag.lock_version,
    )


def list_agreements(
    db: Database,
    which: ListFilter = ListFilter.OPEN,
    *,
    user: str | None = None,
    today: date | None = None,
    expiring_days: int = 90,
    limit: int = 50,
    offset: int = 0,
) -> list[AgreementRow]:
    stmt = select(Agreement, col(Customer.name)).join(
        Customer,
        col(Customer.id) == col(Agreement.customer_id),
    )
    final = [Status.DECLINED.value, Status.ARCHIVED.value]
    if which is ListFilter.OPEN:
        stmt = stmt.where(col(Agreement.status).not_in(final))
    elif which is ListFilter.EXPIRING:
        day = today or date.today()
        stmt = stmt.where(
            col(Agreement.status).in_(
                [
                    Status.ACTIVE.value,
                    Status.CHANGING.value,
                    Status.TERMINATING.value,
                ]
            ),
            col(Agreement.end_date).is_not(None),
            col(Agreement.end_date) <= day + timedelta(days=expiring_days),
        )
    elif which is ListFilter.MINE:
        if not user:
            raise ValueError("`mine` needs a user")
        open_task = select(col(Task.agreement_id)).where(
            col(Task.closed_at).is_(None),
            cast(col(Task.assignees), String).like(f'%"{user}"%'),
        )
        stmt = stmt.where(
            col(Agreement.status).not_in(final),
            or_(
                col(Agreement.sales_user) == user,
                col(Agreement.owner) == user,
                col(Agreement.id).in_(open_task),
            ),
        )
    order = (
        (col(Agreement.end_date).asc(), col(Agreement.id).asc())
        if which is ListFilter.EXPIRING
        else (
            col(Agreement.updated_at).desc(),
            col(Agreement.id).desc(),
        )
    )
    stmt = stmt.order_by(*order).limit(limit).offset(offset)
    with db.read() as s:
        return [_row(ag, name) for ag, name in s.execute(stmt).all()]


def count_agreements(db: Database) -> dict[str, int]:
    with db.read() as s:
        rows = s.execute(
            select(col(Agreement.status), func.count()).group_by(col(Agreement.status))
        ).all()
    return {str(st): int(n) for st, n in rows}


def _load(s: Session, agreement_id: str) -> tuple[Agreement, str]:
    found = s.execute(
        select(Agreement, col(Customer.name))
        .join(Customer, col(Customer.id) == col(Agreement.customer_id))
        .where(col(Agreement.id) == agreement_id.upper())
    ).first()
    if found is None:
        raise NotFound(f"no agreement {agreement_id}")
    return found[0], found[1]


def get_agreement(db: Database, agreement_id: str, *, history: bool = True) -> AgreementDetail:
    with db.read() as s:
        ag, customer = _load(s, agreement_id)
        detail = AgreementDetail(
            row=_row(ag, customer),
            title=ag.title,
            sla_version=ag.sla_version,
            start_date=ag.start_date,
            review_cadence=ag.review_cadence,
            card=(ag.card_channel, ag.card_ts),
        )
        for v in s.execute(
            select(AgreementVersion)
            .where(col(AgreementVersion.agreement_id) == ag.id)
            .order_by(col(AgreementVersion.number))
        ).scalars():
            detail.versions.append(
                {
                    "number": v.number,
                    "status": v.status,
                    "tier": v.tier,
                    "start_date": v.start_date,
                    "end_date": v.end_date,
                    "price": v.price,
                    "availability_pct": v.availability_pct,
                    "created_step": v.created_step,
                }
            )
        for t in s.execute(
            select(Task)
            .where(
                col(Task.agreement_id) == ag.id,
                col(Task.closed_at).is_(None),
            )
            .order_by(col(Task.id))
        ).scalars():
            detail.tasks.append(
                {"action": t.action, "assignees": t.assignees, "opened_at": t.opened_at}
            )
        for i in s.execute(
            select(ImprovementAction)
            .where(col(ImprovementAction.agreement_id) == ag.id)
            .order_by(col(ImprovementAction.id))
        ).scalars():
            detail.improvements.append(
                {
                    "id": i.id,
                    "description": i.description,
                    "needs_change": i.needs_change,
                    "status": i.status,
                }
            )
        if history:
            for d in s.execute(
                select(Document)
                .where(col(Document.agreement_id) == ag.id)
                .order_by(col(Document.id))
            ).scalars():
                detail.documents.append(
                    {
                        "id": d.id,
                        "kind": d.kind,
                        "step": d.step,
                        "title": d.title,
                        "sla_version": d.sla_version,
                        "created_by": d.created_by,
                        "created_at": d.created_at,
                    }
                )
            for e in s.execute(
                select(AuditEvent)
                .where(col(AuditEvent.agreement_id) == ag.id)
                .order_by(col(AuditEvent.id))
            ).scalars():
                detail.history.append(
                    {
                        "at": e.at,
                        "actor": e.actor,
                        "step": e.step,
                        "action": e.action,
                        "branch": e.data.get("branch"),
                        "skipped": e.data.get("skipped", []),
                    }
                )
        return detail
