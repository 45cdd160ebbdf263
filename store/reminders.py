"""Reminders in the database: derive what is due, record it once, deliver it via the outbox.

`record` inserts under a unique key and skips duplicates, so repeated sweeps, several workers
and a catch-up after downtime never double a reminder. `deliver` claims scheduled rows
(`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises writers) and turns them into outbox
messages in the same transaction; many for one person in one sweep become one message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.flows.errors import NotFound
from bot.flows.process import DEEMED, NOTICE
from bot.flows.process_model import Status
from bot.flows.statuses import ReminderStatus
from store.db import Database
from store.models import Agreement, Reminder, StepRecord, Task, review_columns, table_of
from store.outbox import (
    Message,
    NoticeTo,
    ReminderPayload,
    RemindersPayload,
    enqueue_many,
    queue_notice,
)

_R, _AG, _TK, _SR = table_of(Reminder), table_of(Agreement), table_of(Task), table_of(StepRecord)
LIVE = (Status.ACTIVE, Status.CHANGING)
#: reminder kinds that are also replied in the agreement's thread (payload `thread`)
THREADED = ("expiry", "breach")


@dataclass(frozen=True)
class Due:
    """A reminder to record: unique `key`; `recipient` None means the agreements channel."""

    key: str
    kind: str
    agreement_id: str | None
    recipient: str | None
    payload: dict[str, Any] = field(default_factory=dict)


def record(db: Database, items: Sequence[Due], *, now: datetime) -> int:
    """Insert reminders whose key is new; returns how many were new."""
    if not items:
        return 0
    rows = [
        {
            "key": d.key,
            "kind": d.kind,
            "agreement_id": d.agreement_id,
            "recipient": d.recipient,
            "due_at": now,
            "status": ReminderStatus.SCHEDULED,
            "payload": d.payload,
            "created_at": now,
            "sent_at": None,
        }
        for d in items
    ]
    new = 0
    with db.write() as s:
        conn = s.connection()
        ins = pg_insert(_R) if db.dialect == "postgresql" else sqlite_insert(_R)
        stmt = ins.on_conflict_do_nothing(index_elements=["key"]).returning(_R.c.id)
        for i in range(0, len(rows), 500):
            new += len(conn.execute(stmt, rows[i : i + 500]).all())
    return new


# -- facts for the sweep (each query served by an index) ----------------------------------
def expiring(db: Database, today: date, until: date) -> list[tuple[str, date, str, int]]:
    """(id, end date, sales user, lock version) of live agreements ending in [today, until]."""
    with db.read_conn() as conn:
        rows = conn.execute(
            select(_AG.c.id, _AG.c.end_date, _AG.c.sales_user, _AG.c.lock_version).where(
                _AG.c.status.in_(LIVE), _AG.c.end_date >= today, _AG.c.end_date <= until
            )
        ).all()
    return [(a, e, u, v) for a, e, u, v in rows]


def notified_since(db: Database, ids: Iterable[str], since: date) -> set[str]:
    """Agreements with a T1 (notice, renewal, extension request) recorded since `since`."""
    ids = list(ids)
    if not ids:
        return set()
    out: set[str] = set()
    with db.read_conn() as conn:
        for i in range(0, len(ids), 500):
            out.update(
                conn.execute(
                    select(_SR.c.agreement_id).where(
                        _SR.c.agreement_id.in_(ids[i : i + 500]),
                        _SR.c.action == NOTICE,
                        _SR.c.at >= datetime.combine(since, datetime.min.time(), UTC),
                    ),
                ).scalars()
            )
    return out


def reviews_due(db: Database, today: date) -> list[tuple[str, str, date]]:
    """(id, review action (M11, M12), due date) of active agreements whose review is due."""
    out: list[tuple[str, str, date]] = []
    with db.read_conn() as conn:
        for step, col in review_columns():
            rows = conn.execute(
                select(_AG.c.id, col).where(
                    _AG.c.status == Status.ACTIVE, col.is_not(None), col <= today
                )
            ).all()
            out += [(a, step, d) for a, d in rows]
    return out


def open_tasks(
    db: Database, opened_before: datetime
) -> list[tuple[int, str, str, list[str], datetime]]:
    """(task id, agreement id, action, assignees, opened at) of tasks open since before."""
    with db.read_conn() as conn:
        rows = conn.execute(
            select(
                _TK.c.id, _TK.c.agreement_id, _TK.c.action, _TK.c.assignees, _TK.c.opened_at
            ).where(_TK.c.closed_at.is_(None), _TK.c.opened_at < opened_before)
        ).all()
    return [(i, a, act, list(who or []), at) for i, a, act, who, at in rows]


def deemable(db: Database) -> list[str]:
    """Agreements waiting for the customer's reply (T2.deem open)."""
    with db.read_conn() as conn:
        return list(
            conn.execute(
                select(_TK.c.agreement_id).where(_TK.c.closed_at.is_(None), _TK.c.action == DEEMED)
            ).scalars()
        )


def _one(r: dict[str, Any]) -> ReminderPayload:
    return ReminderPayload.model_validate({"reminder": r["id"], "kind": r["kind"], **r["payload"]})


# -- delivery ------------------------------------------------------------------------------
@dataclass
class Delivered:
    reminders: int = 0
    messages: int = 0
    grouped: int = 0


def deliver(db: Database, *, now: datetime, group_limit: int = 3, batch: int = 5000) -> Delivered:
    """Claim scheduled reminders that are due and write their messages to the outbox."""
    out = Delivered()
    with db.write() as s:
        conn = s.connection()
        stmt = (
            select(_R)
            .where(_R.c.status == ReminderStatus.SCHEDULED, _R.c.due_at <= now)
            .order_by(_R.c.id)
            .limit(batch)
        )
        if db.dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
        if not rows:
            return out
        per_person: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            per_person[r["recipient"]].append(r)
        for person, items in per_person.items():
            if person is None:  # channel posts, one per reminder
                for r in items:
                    _enqueue(conn, out, r["agreement_id"], now, Message("channel", None, _one(r)))
                continue
            _to_person(conn, out, person, items, now, group_limit)
        conn.execute(
            update(_R)
            .where(_R.c.id.in_([r["id"] for r in rows]))
            .values(status=ReminderStatus.SENT, sent_at=now)
        )
        out.reminders = len(rows)
    return out


def _enqueue(
    conn: Connection, out: Delivered, agreement_id: str | None, now: datetime, message: Message
) -> None:
    enqueue_many(conn, agreement_id=agreement_id, now=now, messages=[message])
    out.messages += 1


def _to_person(
    conn: Connection,
    out: Delivered,
    person: str,
    items: list[dict[str, Any]],
    now: datetime,
    group_limit: int,
) -> None:
    """One DM per reminder, or one for all of them beyond `group_limit`; expiry reminders and
    breach warnings also go to the card's thread (once per agreement and key)."""
    if len(items) > group_limit:
        grouped = RemindersPayload(
            items=[
                {
                    "reminder": r["id"],
                    "kind": r["kind"],
                    "agreement_id": r["agreement_id"],
                    **r["payload"],
                }
                for r in items
            ]
        )
        _enqueue(conn, out, None, now, Message("dm", person, grouped))
        out.grouped += 1
    else:
        for r in items:
            _enqueue(conn, out, r["agreement_id"], now, Message("dm", person, _one(r)))
    for r in items:
        if r["kind"] in THREADED and r["payload"].get("thread"):
            _enqueue(conn, out, r["agreement_id"], now, Message("thread", None, _one(r)))


def snooze(
    db: Database,
    reminder_id: int,
    *,
    user: str,
    days: int,
    now: datetime,
    notice: NoticeTo[datetime] | None = None,
) -> datetime:
    """Remind `user` again in `days` days: a new scheduled reminder, once per day chosen;
    `user`'s confirmation (`notice`, about the new due time) is queued with it."""
    with db.write() as s:
        conn = s.connection()
        row = conn.execute(select(_R).where(_R.c.id == reminder_id)).mappings().first()
        if row is None:
            raise NotFound(code="no_reminder", id=reminder_id)
        due = now + timedelta(days=days)
        key = f"snooze:{reminder_id}:{user}:{due.date().isoformat()}"
        exists = conn.execute(select(_R.c.id).where(_R.c.key == key)).first()
        if exists is None:
            conn.execute(
                insert(_R).values(
                    key=key,
                    kind=row["kind"],
                    agreement_id=row["agreement_id"],
                    recipient=user,
                    due_at=due,
                    status=ReminderStatus.SCHEDULED,
                    payload={**row["payload"], "snoozed": True},
                    created_at=now,
                    sent_at=None,
                )
            )
        if notice is not None:
            queue_notice(s, notice, due, now)
        return due


def counts(db: Database) -> dict[str, int]:
    from sqlalchemy import func

    with db.read_conn() as conn:
        return {
            k: int(n)
            for k, n in conn.execute(select(_R.c.kind, func.count()).group_by(_R.c.kind)).all()
        }
