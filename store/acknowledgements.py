"""M7 reaches the department heads (issue 9, rule 6): each department of the breakdown gets
its lines as a DM with an Acknowledge button; the head's acknowledgement is one transaction
with its audit event (step M7), and the card shows who has not acknowledged yet."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, bindparam, select, update
from sqlmodel import Session, col

from bot.flows.behaviour import Effect
from bot.flows.departments import ACKNOWLEDGE, STEP_OF, departments_of, dept_key
from bot.flows.errors import AlreadyDone, NotFound, PermissionDenied
from store.db import Database
from store.departments import heads
from store.effects import Ctx, effect
from store.models import Acknowledgement, AuditEvent
from store.outbox import CardPayload, DepartmentPayload, Message, enqueue_many


@effect(Effect.HEADS_NOTICE)
def _notice(c: Ctx) -> None:
    """One notice per department of the breakdown, to its head (M7 refuses a department
    without one, bot.flows.integrity)."""
    directory = heads(c.s)
    rows = [
        Acknowledgement(
            agreement_id=c.ag.id,
            department=name,
            head=directory[dept_key(name)],
            lines=lines,
            sent_at=c.now,
        )
        for name, lines in departments_of(c.values["breakdown"]).items()
    ]
    c.s.add_all(rows)
    c.s.flush()
    c.messages += [
        Message("dm", r.head, DepartmentPayload(event="notice", ref=int(r.id or 0))) for r in rows
    ]


#: built once (every `/sla show` runs it)
_Q_WAITING = (
    select(col(Acknowledgement.department), col(Acknowledgement.head))
    .where(
        col(Acknowledgement.agreement_id) == bindparam("aid"),
        col(Acknowledgement.acknowledged_at).is_(None),
    )
    .order_by(col(Acknowledgement.id))
)


def waiting_heads(s: Session | Connection, agreement_id: str) -> list[tuple[str, str]]:
    """(department, head) of the notices not acknowledged yet, in the breakdown's order."""
    rows = s.execute(_Q_WAITING, {"aid": agreement_id}).all()
    return [(d, h) for d, h in rows]


def get_notice(db: Database, ack_id: int) -> Acknowledgement | None:
    with db.read() as s:
        return s.get(Acknowledgement, ack_id)


def notices(s: Session, agreement_id: str) -> list[Acknowledgement]:
    return list(
        s.execute(
            select(Acknowledgement)
            .where(col(Acknowledgement.agreement_id) == agreement_id)
            .order_by(col(Acknowledgement.id))
        ).scalars()
    )


def acknowledge(db: Database, ack_id: int, *, actor: str, now: datetime) -> Acknowledgement:
    """The head acknowledges their department's lines: one transaction with its audit event;
    anyone else is refused, and a second click is "already done"."""
    with db.write() as s:
        ack = s.get(Acknowledgement, ack_id)
        if ack is None:
            raise NotFound(code="no_acknowledgement", id=ack_id)
        if actor != ack.head:
            raise PermissionDenied(
                ACKNOWLEDGE,
                (),
                reason="not_department_head",
                department=ack.department,
                head=ack.head,
            )
        if ack.acknowledged_at is not None:
            raise AlreadyDone(ACKNOWLEDGE, ack.head, ack.acknowledged_at)
        res = s.execute(
            update(Acknowledgement)
            .where(
                col(Acknowledgement.id) == ack_id,
                col(Acknowledgement.acknowledged_at).is_(None),
            )
            .values(acknowledged_at=now)
        )
        if cast(CursorResult[Any], res).rowcount != 1:  # a double click that raced
            raise AlreadyDone(ACKNOWLEDGE, ack.head, None)
        s.add(
            AuditEvent(
                agreement_id=ack.agreement_id,
                actor=actor,
                at=now,
                step=STEP_OF[ACKNOWLEDGE],
                action=ACKNOWLEDGE,
                data={"acknowledgement": ack_id, "department": ack.department},
                before={"acknowledged": False},
                after={"acknowledged": True},
            )
        )
        enqueue_many(
            s,
            agreement_id=ack.agreement_id,
            now=now,
            messages=[
                Message("card", None, CardPayload()),
                Message("thread", None, DepartmentPayload(event="acknowledged", ref=ack_id)),
            ],
        )
        ack.acknowledged_at = now
        return ack
