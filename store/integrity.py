"""What the integrity rules (bot.flows.integrity) need from the database, read in the use
case's transaction: the facts an action's checks compare with, and when a running process
started (for the refusal's "since when")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, text
from sqlmodel import Session, col

from bot.flows.errors import ProcessRunning
from bot.flows.integrity import RUNNING, Facts
from bot.flows.process import Status
from store.effects import last_record
from store.models import Agreement, AgreementVersion, StepRecord

#: the furthest time zone ahead of UTC (Kiribati, UTC+14): a day is "in the future" only once
#: it has not begun anywhere yet, so no user's local today is ever refused
_AHEAD = timedelta(hours=14)
#: and the furthest behind (UTC-12): the earliest calendar day an instant falls on anywhere
_BEHIND = timedelta(hours=12)


#: data written before the rules, brought in line (the migration 0004 and `import` run it):
#: an extension request that waits makes the status `extension_pending`
CARRY_FORWARD: tuple[str, ...] = (
    "UPDATE agreement SET status = 'extension_pending' "
    "WHERE status = 'active' AND CAST(pending AS TEXT) LIKE '%\"T1.extension\"%'",
)


def carry_forward(s: Session) -> None:
    for stmt in CARRY_FORWARD:
        s.execute(text(stmt))


def latest_day(now: datetime) -> date:
    """The latest calendar day anywhere on earth at `now` (an aware instant)."""
    return (now.astimezone(UTC) + _AHEAD).date()


def _draft_on(s: Session, ag: Agreement) -> date | None:
    created = s.execute(
        select(col(AgreementVersion.created_at))
        .where(
            col(AgreementVersion.agreement_id) == ag.id,
            col(AgreementVersion.status) == "draft",
        )
        .order_by(col(AgreementVersion.number).desc())
        .limit(1)
    ).scalar_one_or_none()
    return (created.astimezone(UTC) - _BEHIND).date() if created is not None else None


_NEEDS_NOTICE = frozenset({"T2", "T7"})
_NEEDS_DRAFT = frozenset({"M5", "C3"})


def facts_for(s: Session, ag: Agreement, action_id: str, now: datetime) -> Facts:
    notice_on: date | None = None
    notice_end: date | None = None
    if action_id in _NEEDS_NOTICE:
        rec = last_record(s, ag.id, "T1")
        if rec is not None:
            notice_on = (rec.at.astimezone(UTC) - _BEHIND).date()
            end = rec.data.get("service_end")
            notice_end = date.fromisoformat(end) if isinstance(end, str) else None
    return Facts(
        today=latest_day(now),
        draft_on=_draft_on(s, ag) if action_id in _NEEDS_DRAFT else None,
        sla_end=ag.end_date,
        notice_on=notice_on,
        notice_end=notice_end,
    )


def locate_running(s: Session, ag: Agreement, exc: ProcessRunning) -> ProcessRunning:
    """The refusal with the instant and the person that started the running process."""
    running = RUNNING.get(Status(ag.status))
    if running is None:
        return exc
    rec = s.execute(
        select(StepRecord)
        .where(
            col(StepRecord.agreement_id) == ag.id,
            col(StepRecord.action).in_(running.started_by),
            col(StepRecord.skipped) == False,  # noqa: E712
        )
        .order_by(col(StepRecord.id).desc())
        .limit(1)
    ).scalar_one_or_none()
    if rec is None:
        return exc
    return exc.located(rec.at, rec.actor)
