"""Read models for the Slack surfaces: the agreement card, tasks, the App Home desk."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, String, cast, select

from bot.flows.documents import DocStatus
from bot.flows.process_model import Status
from bot.flows.sla_versions import Pending, VersionStatus, pending_in
from store.acknowledgements import waiting_heads
from store.db import Database
from store.models import (
    Agreement,
    AgreementVersion,
    AuditEvent,
    Customer,
    Document,
    StepRecord,
    Task,
    review_columns,
    table_of,
)
from store.ola_signatures import waiting_signatures
from store.queries import AgreementRow, ListFilter, list_agreements

_AG, _CU, _TK = table_of(Agreement), table_of(Customer), table_of(Task)
_AU, _SR, _DC = table_of(AuditEvent), table_of(StepRecord), table_of(Document)
_VS = table_of(AgreementVersion)


@dataclass(frozen=True)
class OpenTask:
    agreement_id: str
    customer: str
    action: str
    assignees: tuple[str, ...]
    opened_at: datetime
    lock_version: int


@dataclass(frozen=True)
class Card:
    """Everything the agreement card shows."""

    id: str
    customer: str
    status: str
    pending: tuple[str, ...]
    tier: int | None
    owner: str | None
    sales_user: str
    start_date: date | None
    end_date: date | None
    sla_version: int
    lock_version: int
    card_channel: str | None
    card_ts: str | None
    tasks: tuple[OpenTask, ...]
    last_actor: str | None
    last_action: str | None
    last_at: datetime | None
    #: the last audit row's data and step (the card words it as the history does)
    last_data: dict[str, Any] = field(default_factory=dict)
    last_step: str | None = None
    #: the number of the SLA document in effect (`SLA-2026-0001/SLA/v1`), if any
    sla_doc: str | None = None
    #: a signed additional SLA waiting for its effective date (C3, rule 9)
    pending_sla: Pending | None = None
    #: (department, head) of the M7 notices not acknowledged yet (issue 9, rule 6)
    waiting_heads: tuple[tuple[str, str], ...] = ()
    #: (department, signer, status) of the M9 OLAs not signed yet (rule 7)
    waiting_olas: tuple[tuple[str, str, str], ...] = ()

    @property
    def current(self) -> str:
        return self.current_in("en")

    def current_in(self, locale: str) -> str:
        from store.queries import describe

        return describe(self.status, self.pending, locale)


def _pending(conn: Connection, agreement_id: str) -> Pending | None:
    """A signed additional SLA waiting for its effective date (C3, rule 9)."""
    return pending_in(
        dict(v)
        for v in conn.execute(
            select(_VS.c.number, _VS.c.status, _VS.c.start_date, _VS.c.tier).where(
                _VS.c.agreement_id == agreement_id,
                _VS.c.status == VersionStatus.SIGNED,
            )
        ).mappings()
    )


def _waiting(conn: Connection, agreement_id: str) -> dict[str, Any]:
    """Who has not acknowledged M7 or signed an OLA yet (issue 9, rules 6 and 7)."""
    return {
        "waiting_heads": tuple(waiting_heads(conn, agreement_id)),
        "waiting_olas": tuple(waiting_signatures(conn, agreement_id)),
    }


def load_card(db: Database, agreement_id: str) -> Card | None:
    with db.read() as s:
        conn = s.connection()
        row = (
            conn.execute(
                select(_AG, _CU.c.name.label("customer_name"))
                .join(_CU, _CU.c.id == _AG.c.customer_id)
                .where(_AG.c.id == agreement_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        tasks = _open_tasks(conn, row)
        last = _last_change(conn, agreement_id)
        sla_doc = conn.execute(
            select(_DC.c.number)
            .where(
                _DC.c.agreement_id == agreement_id,
                _DC.c.kind == "sla",
                _DC.c.status == DocStatus.IN_EFFECT,
            )
            .order_by(_DC.c.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        pending = _pending(conn, agreement_id)
        waiting = _waiting(conn, agreement_id)
    return Card(
        pending_sla=pending,
        sla_doc=sla_doc or None,
        **waiting,
        id=row["id"],
        customer=row["customer_name"],
        status=row["status"],
        pending=tuple(row["pending"]),
        tier=row["tier"],
        owner=row["owner"],
        sales_user=row["sales_user"],
        start_date=row["start_date"],
        end_date=row["end_date"],
        sla_version=row["sla_version"],
        lock_version=row["lock_version"],
        card_channel=row["card_channel"],
        card_ts=row["card_ts"],
        tasks=tasks,
        **last,
    )


def _open_tasks(conn: Connection, row: Any) -> tuple[OpenTask, ...]:
    """The agreement's open tasks (`row`: the agreement with its customer's name)."""
    tasks = (
        conn.execute(
            select(_TK)
            .where(_TK.c.agreement_id == row["id"], _TK.c.closed_at.is_(None))
            .order_by(_TK.c.id)
        )
        .mappings()
        .all()
    )
    return tuple(
        OpenTask(
            row["id"],
            row["customer_name"],
            t["action"],
            tuple(t["assignees"]),
            t["opened_at"],
            row["lock_version"],
        )
        for t in tasks
    )


def _last_change(conn: Connection, agreement_id: str) -> dict[str, Any]:
    """Who did what last (the card's `last_*` fields), from the audit log."""
    last = conn.execute(
        select(_AU.c.actor, _AU.c.action, _AU.c.at, _AU.c.data, _AU.c.step)
        .where(_AU.c.agreement_id == agreement_id)
        .order_by(_AU.c.id.desc())
        .limit(1)
    ).first()
    return {
        "last_actor": last[0] if last else None,
        "last_action": last[1] if last else None,
        "last_at": last[2] if last else None,
        "last_data": dict(last[3] or {}) if last else {},
        "last_step": last[4] if last else None,
    }


def set_card_ts(db: Database, agreement_id: str, channel: str, ts: str) -> None:
    """Remember the card's message (not a state change: no audit, no lock bump)."""
    from sqlalchemy import update

    with db.write() as s:
        s.connection().execute(
            update(_AG).where(_AG.c.id == agreement_id).values(card_channel=channel, card_ts=ts)
        )


def my_tasks(db: Database, user: str, *, limit: int = 20) -> list[OpenTask]:
    with db.read() as s:
        rows = (
            s.connection()
            .execute(
                select(
                    _TK.c.agreement_id,
                    _CU.c.name,
                    _TK.c.action,
                    _TK.c.assignees,
                    _TK.c.opened_at,
                    _AG.c.lock_version,
                )
                .join(_AG, _AG.c.id == _TK.c.agreement_id)
                .join(_CU, _CU.c.id == _AG.c.customer_id)
                .where(_TK.c.closed_at.is_(None), cast(_TK.c.assignees, String).like(f'%"{user}"%'))
                .order_by(_TK.c.opened_at, _TK.c.id)
                .limit(limit)
            )
            .all()
        )
    return [OpenTask(a, c, act, tuple(who), at, lv) for a, c, act, who, at, lv in rows]


def my_agreements(db: Database, user: str, *, limit: int = 10) -> list[AgreementRow]:
    return list_agreements(db, ListFilter.MINE, user=user, limit=limit)


def expiring(db: Database, today: date, days: int, *, limit: int = 10) -> list[AgreementRow]:
    return list_agreements(db, ListFilter.EXPIRING, today=today, expiring_days=days, limit=limit)


@dataclass(frozen=True)
class ReviewDue:
    agreement_id: str
    customer: str
    kind: str  # M11 | M12
    due: date


def reviews_due(
    db: Database, today: date, *, within_days: int = 14, limit: int = 20
) -> list[ReviewDue]:
    """Active agreements whose M11 or M12 review is due within `within_days` (or late);
    the dates are kept on the agreement by M10, M11 and M12."""
    horizon = today + timedelta(days=within_days)
    out: list[ReviewDue] = []
    with db.read_conn() as conn:
        for kind, col in review_columns():
            rows = conn.execute(
                select(_AG.c.id, _CU.c.name, col)
                .join(_CU, _CU.c.id == _AG.c.customer_id)
                .where(_AG.c.status == Status.ACTIVE, col.is_not(None), col <= horizon)
                .order_by(col)
                .limit(limit)
            ).all()
            out += [ReviewDue(a, c, kind, d) for a, c, d in rows]
    out.sort(key=lambda r: (r.due, r.agreement_id))
    return out[:limit]
