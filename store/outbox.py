"""The outbox: the Slack messages a state change causes, written in the same transaction,
and the queries the dispatcher sends them with (leases, pending rows, marking).

Payloads (store/outbox_payloads.py) are typed (`Payload`, a union discriminated by
`template`) and semantic (template names and values, not Block Kit): the dispatcher renders
them at send time.

Ordering and claims: a *key* is an agreement (its card and thread), a person's DMs, a
person's confirmations or the channel. A worker sends a key's rows only while it holds the
key's lease (`outbox_lease`): leases are short (`lease_seconds`) and renewed while the
worker works, so a dead worker's keys are taken over within seconds. On PostgreSQL the lease
rows are claimed with `FOR UPDATE SKIP LOCKED`, so two workers never wait on, or both take,
the same key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from bot.flows.statuses import OutboxStatus
from store.db import Database
from store.models import OutboxLease, OutboxMessage, table_of
from store.outbox_payloads import PAYLOAD as PAYLOAD
from store.outbox_payloads import CardPayload as CardPayload
from store.outbox_payloads import Confirm as Confirm
from store.outbox_payloads import DepartmentPayload as DepartmentPayload
from store.outbox_payloads import DocumentsPayload as DocumentsPayload
from store.outbox_payloads import DonePayload as DonePayload
from store.outbox_payloads import EventPayload as EventPayload
from store.outbox_payloads import ImprovementDonePayload as ImprovementDonePayload
from store.outbox_payloads import InformedPayload as InformedPayload
from store.outbox_payloads import Kind as Kind
from store.outbox_payloads import Message as Message
from store.outbox_payloads import NoticePayload as NoticePayload
from store.outbox_payloads import Payload as Payload
from store.outbox_payloads import ReminderPayload as ReminderPayload
from store.outbox_payloads import RemindersPayload as RemindersPayload
from store.outbox_payloads import ServiceReportPayload as ServiceReportPayload
from store.outbox_payloads import TaskPayload as TaskPayload
from store.outbox_payloads import VersionInEffectPayload as VersionInEffectPayload

_OUT, _LEASE = table_of(OutboxMessage), table_of(OutboxLease)
_INSERT = insert(_OUT)


def outbox_row(
    agreement_id: str | None, now: datetime, m: Message, *, dedupe_key: str | None = None
) -> dict[str, Any]:
    """The row of one message (`dedupe_key`: sent once under that key, whoever queues it)."""
    return {
        "agreement_id": agreement_id,
        "kind": m.kind,
        "recipient": m.recipient,
        "payload": m.payload.model_dump(mode="json"),
        "dedupe_key": dedupe_key,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        "sent_at": None,
        "last_error": None,
        "ts": None,
    }


def enqueue_many(
    s: Session | Connection,
    *,
    agreement_id: str | None,
    now: datetime,
    messages: list[Message],
) -> None:
    """Queue messages in one executemany (inside the caller's transaction)."""
    if messages:
        s.execute(_INSERT, [outbox_row(agreement_id, now, m) for m in messages])


def enqueue(
    s: Session | Connection,
    *,
    kind: Kind,
    agreement_id: str | None,
    payload: Payload,
    now: datetime,
    recipient: str | None = None,
) -> None:
    enqueue_many(
        s, agreement_id=agreement_id, now=now, messages=[Message(kind, recipient, payload)]
    )


R = TypeVar("R")


@dataclass(frozen=True)
class NoticeTo(Generic[R]):
    """The confirmation a use case queues in its own transaction, with the change it confirms
    (the roles and catalogue saves): for `user`, ephemeral in `channel` when there is one,
    its words made from the use case's result."""

    user: str
    channel: str | None
    words: Callable[[R], str]


def queue_notice(s: Session, notice: NoticeTo[R], result: R, now: datetime) -> None:
    """Queue `notice` about `result` in the session's transaction."""
    payload = NoticePayload(text=notice.words(result), channel=notice.channel)
    enqueue(s, kind="notice", agreement_id=None, recipient=notice.user, payload=payload, now=now)


def enqueue_notice(
    db: Database, *, user: str, channel: str | None, text: str, now: datetime
) -> str:
    """Queue a confirmation for `user` (its own transaction, after the change it confirms);
    returns the key it is sent under: the person's confirmations, in order among themselves
    and not behind a backlog of their task DMs."""
    with db.write() as s:
        queue_notice(s, NoticeTo(user, channel, lambda _: text), None, now)
    return notice_key(user)


def notice_key(user: str) -> str:
    """The key `user`'s confirmations are sent under (in order among themselves)."""
    return row_key("notice", None, user)


# -- reading and claiming --------------------------------------------------------------------
@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: Kind
    agreement_id: str | None
    recipient: str | None
    payload: Payload
    attempts: int
    next_attempt_at: datetime

    @property
    def key(self) -> str:
        return row_key(self.kind, self.agreement_id, self.recipient)


def row_key(kind: str, agreement_id: str | None, recipient: str | None) -> str:
    """What a row is ordered with: its agreement, its person's DMs, its person's
    confirmations, or the channel."""
    if kind == "dm":
        return f"dm:{recipient}"
    if kind == "notice":
        return f"notice:{recipient}"
    if kind == "channel":
        return "channel"
    return f"ag:{agreement_id}"


def candidate_keys(db: Database, *, limit: int) -> list[str]:
    """Keys of the oldest pending rows, oldest first."""
    with db.read_conn() as conn:
        rows = conn.execute(
            select(_OUT.c.kind, _OUT.c.agreement_id, _OUT.c.recipient)
            .where(_OUT.c.status == OutboxStatus.PENDING)
            .order_by(_OUT.c.id)
            .limit(limit)
        ).all()
    return list(dict.fromkeys(row_key(k, a, r) for k, a, r in rows))


def take_leases(
    db: Database, keys: list[str], *, owner: str, now: datetime, seconds: float
) -> list[str]:
    """Take the leases on `keys` that no live worker holds; returns the keys now ours."""
    if not keys:
        return []
    until = now + timedelta(seconds=seconds)
    free = or_(_LEASE.c.until < now, _LEASE.c.owner == owner)
    with db.write() as s:
        conn = s.connection()
        if db.dialect == "postgresql":
            conn.execute(
                pg_insert(_LEASE).on_conflict_do_nothing(index_elements=["key"]),
                [{"key": k, "owner": "", "until": now - timedelta(seconds=1)} for k in keys],
            )
            claim = (
                select(_LEASE.c.key)
                .where(_LEASE.c.key.in_(keys), free)
                .with_for_update(skip_locked=True)
            )
            mine = list(conn.execute(claim).scalars())
            if mine:
                conn.execute(
                    update(_LEASE).where(_LEASE.c.key.in_(mine)).values(owner=owner, until=until)
                )
        else:  # SQLite: the write transaction is exclusive (BEGIN IMMEDIATE)
            stmt = sqlite_insert(_LEASE).on_conflict_do_update(
                index_elements=["key"], set_={"owner": owner, "until": until}, where=free
            )
            conn.execute(stmt, [{"key": k, "owner": owner, "until": until} for k in keys])
            mine = list(
                conn.execute(
                    select(_LEASE.c.key).where(_LEASE.c.key.in_(keys), _LEASE.c.owner == owner)
                ).scalars()
            )
    held = set(mine)
    return [k for k in keys if k in held]


def renew_leases(
    db: Database, keys: list[str], *, owner: str, now: datetime, seconds: float
) -> set[str]:
    """Extend the leases `owner` still holds; returns them (a key missing was taken over)."""
    if not keys:
        return set()
    with db.write() as s:
        conn = s.connection()
        conn.execute(
            update(_LEASE)
            .where(_LEASE.c.key.in_(keys), _LEASE.c.owner == owner)
            .values(until=now + timedelta(seconds=seconds))
        )
        return set(
            conn.execute(
                select(_LEASE.c.key).where(_LEASE.c.key.in_(keys), _LEASE.c.owner == owner)
            ).scalars()
        )


def release_leases(db: Database, keys: list[str], *, owner: str) -> None:
    if keys:
        with db.write() as s:
            s.connection().execute(
                delete(_LEASE).where(_LEASE.c.key.in_(keys), _LEASE.c.owner == owner)
            )


def pending_rows(db: Database, keys: list[str], *, limit: int) -> list[OutboxRow]:
    """Pending rows of `keys`, in id order (read after the leases were taken)."""
    wanted = set(keys)
    with db.read_conn() as conn:
        rows = conn.execute(
            select(
                _OUT.c.id,
                _OUT.c.kind,
                _OUT.c.agreement_id,
                _OUT.c.recipient,
                _OUT.c.payload,
                _OUT.c.attempts,
                _OUT.c.next_attempt_at,
            )
            .where(_OUT.c.status == OutboxStatus.PENDING)
            .order_by(_OUT.c.id)
            .limit(limit)
        ).all()
    return [
        OutboxRow(i, k, a, r, PAYLOAD.validate_python(p), int(n), due)
        for i, k, a, r, p, n, due in rows
        if row_key(k, a, r) in wanted
    ]


def mark_sent(db: Database, ids: list[int], *, now: datetime, ts: str | None) -> None:
    with db.write() as s:
        s.connection().execute(
            update(_OUT)
            .where(_OUT.c.id.in_(ids), _OUT.c.status == OutboxStatus.PENDING)
            .values(
                status=OutboxStatus.SENT,
                sent_at=now,
                ts=ts,
                attempts=_OUT.c.attempts + 1,
                last_error=None,
            )
        )


def mark_error(
    db: Database, row_id: int, *, attempts: int, failed: bool, error: str, retry_at: datetime
) -> None:
    with db.write() as s:
        s.connection().execute(
            update(_OUT)
            .where(_OUT.c.id == row_id)
            .values(
                attempts=attempts,
                last_error=error[:2000],
                status=OutboxStatus.FAILED if failed else OutboxStatus.PENDING,
                next_attempt_at=retry_at,
            )
        )


# -- status ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutboxSummary:
    counts: dict[str, int]
    #: (id, kind, agreement or recipient, attempts, last error) of rows that failed or retry
    troubled: list[tuple[int, str, str, int, str]]


def status_counts(db: Database) -> dict[str, int]:
    with db.read_conn() as conn:
        return {
            str(k): int(n)
            for k, n in conn.execute(
                select(_OUT.c.status, func.count()).group_by(_OUT.c.status)
            ).all()
        }


def outbox_summary(db: Database, *, limit: int = 15) -> OutboxSummary:
    """Pending, sent and failed messages, and the rows that keep failing (never dropped)."""
    with db.read_conn() as conn:
        rows = conn.execute(
            select(
                _OUT.c.id,
                _OUT.c.kind,
                _OUT.c.agreement_id,
                _OUT.c.recipient,
                _OUT.c.attempts,
                _OUT.c.last_error,
            )
            .where(
                _OUT.c.status.in_([OutboxStatus.FAILED, OutboxStatus.PENDING]),
                _OUT.c.attempts > 0,
            )
            .order_by(_OUT.c.id)
            .limit(limit)
        ).all()
    return OutboxSummary(
        status_counts(db), [(i, k, a or r or "-", n, str(e or "")) for i, k, a, r, n, e in rows]
    )


# -- what a message shows beyond its payload ---------------------------------------------------
def event_details(
    db: Database, record_id: int | None, documents: list[int], locale: str = "en"
) -> tuple[dict[str, Any], list[str]]:
    """The step record's data and the documents an event reply names, in `locale`: each
    document's name as its status reads and its number."""
    from bot.flows.documents import DocKind, DocStatus, doc_label
    from store.models import Document, StepRecord

    rec, doc = table_of(StepRecord), table_of(Document)
    with db.read_conn() as conn:
        data = (
            conn.execute(select(rec.c.data).where(rec.c.id == record_id)).scalar_one_or_none() or {}
        )
        rows = conn.execute(
            select(doc.c.kind, doc.c.status, doc.c.title, doc.c.subject, doc.c.number)
            .where(doc.c.id.in_(documents))
            .order_by(doc.c.id)
        ).all()
    names = []
    for kind, status, title, subject, number in rows:
        name = doc_label(DocKind(kind), DocStatus(status), locale, title, subject or "")
        names.append(f"{name} · {number or title}")
    return dict(data), names


def customer_names(db: Database, agreement_ids: list[str]) -> dict[str, str]:
    from store.models import Agreement, Customer

    ag, cu = table_of(Agreement), table_of(Customer)
    with db.read_conn() as conn:
        rows = conn.execute(
            select(ag.c.id, cu.c.name)
            .join(cu, cu.c.id == ag.c.customer_id)
            .where(ag.c.id.in_(agreement_ids))
        ).all()
    return {a: n for a, n in rows}
