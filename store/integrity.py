"""What the integrity rules (bot.flows.integrity) need from the database, read in the use
case's transaction: the facts an action's checks compare with, and when a running process
started (for the refusal's "since when")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, select, text, update
from sqlmodel import Session, col

from bot.flows.departments import OlaStatus
from bot.flows.errors import ProcessRunning
from bot.flows.integrity import (
    NEEDS_DRAFT,
    NEEDS_HEADS,
    NEEDS_NOTICE,
    NEEDS_OPS,
    NEEDS_SIGNED,
    RUNNING,
    Facts,
)
from bot.flows.process import (
    ACTION_BY_ID,
    EXECUTION,
    INITIATION,
    INITIATION_REVIEW,
    NOTICE,
    Status,
)
from bot.flows.roles import Role
from bot.flows.sla_versions import VersionStatus
from store.catalogue_facts import catalogue_facts
from store.departments import heads
from store.effects import last_record
from store.models import OLA, Agreement, AgreementVersion, StepRecord, table_of
from store.ola_signatures import waiting_signatures
from store.roles import holders

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


def carry_rows(tables: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """An export's rows as the rules read them, before they are loaded (`import`): OLAs from
    before the signatures (rule 7, as migration 0014) are `current`, a status the column no
    longer allows; they are `signed` once the agreement passed M10, else `unsigned`."""
    live = {
        r.get("agreement_id")
        for r in tables.get("step_record", [])
        if r.get("action") == EXECUTION and not r.get("skipped")
    }

    def carried(row: dict[str, Any]) -> dict[str, Any]:
        if row.get("status") != "current":
            return row
        signed = row.get("agreement_id") in live
        return row | {"status": OlaStatus.SIGNED if signed else OlaStatus.UNSIGNED}

    return tables | {"ola": [carried(r) for r in tables.get("ola", [])]}


def latest_day(now: datetime) -> date:
    """The latest calendar day anywhere on earth at `now` (an aware instant)."""
    return (now.astimezone(UTC) + _AHEAD).date()


def _draft_on(s: Session, ag: Agreement) -> date | None:
    created = s.execute(
        select(col(AgreementVersion.created_at))
        .where(
            col(AgreementVersion.agreement_id) == ag.id,
            col(AgreementVersion.status) == VersionStatus.DRAFT,
        )
        .order_by(col(AgreementVersion.number).desc())
        .limit(1)
    ).scalar_one_or_none()
    return (created.astimezone(UTC) - _BEHIND).date() if created is not None else None


def facts_for(s: Session, ag: Agreement, action_id: str, now: datetime) -> Facts:
    notice_on: date | None = None
    notice_end: date | None = None
    if action_id in NEEDS_NOTICE:
        rec = last_record(s, ag.id, NOTICE)
        if rec is not None:
            notice_on = (rec.at.astimezone(UTC) - _BEHIND).date()
            end = rec.data.get("service_end")
            notice_end = date.fromisoformat(end) if isinstance(end, str) else None
    ops = frozenset(holders(s, [Role.OPS_LEAD])) if action_id in NEEDS_OPS else None
    return Facts(
        catalogue=catalogue_facts(s, ag, action_id),
        ops_leads=ops,
        heads=heads(s) if action_id in NEEDS_HEADS else None,
        support=frozenset(holders(s, [Role.SUPPORT_DEPT])) if action_id in NEEDS_HEADS else None,
        unsigned=_unsigned(s, ag) if action_id in NEEDS_SIGNED else None,
        today=latest_day(now),
        draft_on=_draft_on(s, ag) if action_id in NEEDS_DRAFT else None,
        sla_end=ag.end_date,
        notice_on=notice_on,
        notice_end=notice_end,
    )


def _unsigned(s: Session, ag: Agreement) -> tuple[tuple[str, str], ...]:
    return tuple((d, who) for d, who, _ in waiting_signatures(s, ag.id))


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


def earlier_authors(s: Session, agreement_id: str, action_id: str) -> list[str]:
    """Everyone who did the action that `action_id` reviews, in any round (M9 for M9.review),
    when the declaration says every round counts."""
    act = ACTION_BY_ID.get(action_id)
    if act is None or not act.four_eyes or not act.four_eyes_all_rounds:
        return []
    rows = s.execute(
        select(col(StepRecord.actor))
        .where(
            col(StepRecord.agreement_id) == agreement_id,
            col(StepRecord.action) == act.four_eyes,
            col(StepRecord.skipped) == False,  # noqa: E712
        )
        .distinct()
    ).scalars()
    return sorted(set(rows))


def supersede_rejected_olas(conn: Connection, agreement_id: str | None = None) -> None:
    """Mark the M9 OLAs of every round but the current one `superseded`: each M9 record
    wrote one OLA per line, in order, so the newest M9 record's lines are the newest OLAs;
    when that round was rejected (M9 is open again), none is current."""
    rec, ola = table_of(StepRecord), table_of(OLA)
    where: list[ColumnElement[bool]] = [
        rec.c.action.in_([INITIATION, INITIATION_REVIEW]),
        rec.c.skipped.is_(False),
    ]
    if agreement_id is not None:
        where.append(rec.c.agreement_id == agreement_id)
    rounds: dict[str, tuple[int, str]] = {}
    for ag, action, data, branch in conn.execute(
        select(rec.c.agreement_id, rec.c.action, rec.c.data, rec.c.branch)
        .where(*where)
        .order_by(rec.c.id)
    ).all():
        if action == INITIATION:
            rounds[ag] = (len((data or {}).get("olas") or []), "open")
        elif ag in rounds:
            rounds[ag] = (rounds[ag][0], branch)
    for ag, (lines, outcome) in rounds.items():
        ids = list(
            conn.execute(
                select(ola.c.id)
                .where(ola.c.agreement_id == ag, ola.c.step == INITIATION)
                .order_by(ola.c.id.desc())
            ).scalars()
        )
        keep = 0 if outcome == "reject" else lines
        old = ids[keep:]
        if old:
            conn.execute(update(ola).where(ola.c.id.in_(old)).values(status=OlaStatus.SUPERSEDED))
