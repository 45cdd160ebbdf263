"""M11 improvement actions, tracked until done."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from bot.flows.behaviour import ReviewClock
from bot.flows.errors import AlreadyDone, NotFound, PermissionDenied
from bot.flows.process import REVIEW_ACTION
from bot.flows.roles import Role
from bot.flows.statuses import ImprovementStatus
from store.db import Database
from store.models import AuditEvent, ImprovementAction
from store.outbox import ImprovementDonePayload, NoticeTo, enqueue, queue_notice
from store.roles import roles_of

MAY_CLOSE = (Role.SLM, Role.OPS_LEAD)
#: improvement actions come out of the periodic performance review (M11)
_REVIEW = REVIEW_ACTION[ReviewClock.PERFORMANCE]


def complete_improvement(
    db: Database,
    improvement_id: int,
    *,
    actor: str,
    now: datetime,
    note: str = "",
    notice: NoticeTo[ImprovementAction] | None = None,
) -> ImprovementAction:
    """Mark an M11 improvement action done (service level manager or operations lead); the
    doer's confirmation (`notice`) is queued with it."""
    with db.write() as s:
        if not roles_of(s, actor) & set(MAY_CLOSE):
            raise PermissionDenied("M11 improvement", MAY_CLOSE)
        item = s.get(ImprovementAction, improvement_id)
        if item is None:
            raise NotFound(code="no_improvement", id=improvement_id)
        if item.status == ImprovementStatus.DONE:
            raise AlreadyDone(f"improvement #{improvement_id}", item.done_by, item.done_at)
        item.status, item.done_by, item.done_at = ImprovementStatus.DONE, actor, now
        s.add(item)
        s.add(
            AuditEvent(
                agreement_id=item.agreement_id,
                actor=actor,
                at=now,
                step=_REVIEW,
                action=f"{_REVIEW}.improvement_done",
                data={"improvement": improvement_id, "note": note},
                before={"status": ImprovementStatus.OPEN},
                after={"status": ImprovementStatus.DONE},
            )
        )
        enqueue(
            s,
            kind="thread",
            agreement_id=item.agreement_id,
            now=now,
            payload=ImprovementDonePayload(
                improvement=improvement_id, actor=actor, description=item.description
            ),
        )
        if notice is not None:
            queue_notice(s, notice, item, now)
        return item


def open_improvements(db: Database, agreement_id: str) -> list[ImprovementAction]:
    with db.read() as s:
        return list(
            s.exec(
                select(ImprovementAction)
                .where(
                    ImprovementAction.agreement_id == agreement_id,
                    ImprovementAction.status == ImprovementStatus.OPEN,
                )
                .order_by(col(ImprovementAction.id))
            ).all()
        )
