"""The rows one transition writes (store.lifecycle._apply): the step record and its recorded
skips, the documents, the tasks, the agreement row under its lock version, the audit event.

Core statements on the tables (not the ORM entities): compiled once, run with executemany,
and no ORM bookkeeping in the hot path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, insert, update
from sqlmodel import Session

from bot.flows.errors import StaleVersion
from bot.flows.machine import Decision
from bot.flows.process import (
    ACTION_BY_ID,
    CHANGE_WITHDRAWAL,
    DOCUMENT_REFRESH,
    Status,
    VersionEffect,
)
from store import documents as docs
from store import redraft
from store.effects import Ctx, RecordDraft
from store.models import Agreement, AuditEvent, StepRecord, Task, table_of
from store.transition_people import assignees

RECORDS, TASKS = table_of(StepRecord), table_of(Task)
AGREEMENTS, AUDIT = table_of(Agreement), table_of(AuditEvent)
INSERT_RECORD = insert(RECORDS).returning(RECORDS.c.id)
INSERT_TASK = insert(TASKS)
INSERT_AUDIT = insert(AUDIT)
CLOSE_TASKS = (
    update(TASKS)
    .where(
        TASKS.c.agreement_id == bindparam("ag"),
        TASKS.c.action.in_(bindparam("closed", expanding=True)),
        TASKS.c.closed_at.is_(None),
    )
    .values(closed_at=bindparam("now"), closed_by=bindparam("actor"))
)
UPDATE_AGREEMENT = (
    update(AGREEMENTS)
    .where(AGREEMENTS.c.id == bindparam("ag"), AGREEMENTS.c.lock_version == bindparam("lv"))
    .values(
        status=bindparam("status"),
        pending=bindparam("pending"),
        flags=bindparam("flags"),
        updated_at=bindparam("now"),
        lock_version=bindparam("lv") + 1,
        sla_version=bindparam("sla_version"),
        tier=bindparam("tier"),
        start_date=bindparam("start_date"),
        end_date=bindparam("end_date"),
        review_cadence=bindparam("review_cadence"),
        owner=bindparam("owner"),
        next_review_on=bindparam("next_review_on"),
        next_sla_review_on=bindparam("next_sla_review_on"),
        timezone=bindparam("timezone"),
    )
)

#: an opened task and the users it goes to
NewTask = tuple[str, list[str]]


def snapshot(ag: Agreement) -> dict[str, Any]:
    """The agreement's state as the audit event's before/after."""
    return {
        "status": ag.status,
        "pending": list(ag.pending),
        "flags": dict(ag.flags),
        "sla_version": ag.sla_version,
        "lock_version": ag.lock_version,
        "end_date": ag.end_date.isoformat() if ag.end_date else None,
        "owner": ag.owner,
    }


def insert_record(
    s: Session, ag: Agreement, d: Decision, rec: RecordDraft, data: dict[str, Any], now: datetime
) -> int:
    """The step record of the decision; its id."""
    row = {
        "agreement_id": ag.id,
        "step": d.action.step,
        "action": d.action.id,
        "branch": d.branch.key,
        "sla_version": rec.sla_version,
        "actor": rec.actor,
        "at": now,
        "data": data,
        "skipped": False,
    }
    return int(s.connection().execute(INSERT_RECORD, row).scalar_one())


def issue_documents(
    s: Session,
    ag: Agreement,
    d: Decision,
    ctx: Ctx,
    *,
    record_id: int,
    data: dict[str, Any],
    now: datetime,
) -> list[int]:
    """Sign drafts (M5, C3), issue the step's documents, archive everything at T7."""
    if d.version is VersionEffect.SIGN:
        docs.sign_drafts(s, ag.id)
    info = docs.StepInfo(
        step=d.action.step,
        action=d.action.id,
        actor=ctx.rec.actor,
        record_id=record_id,
        sla_version=ctx.doc_version or ctx.rec.sla_version,
        form=data,
    )
    issues = docs.plan(d.outputs, data, ctx.doc_data)
    if d.action.id == DOCUMENT_REFRESH:  # the SLA review issues the documents it brings up to date
        issues += docs.refreshed(s, ag, docs.latest_records(s, ag.id))
    ids = docs.issue(s, ag, info, issues, now=now)
    if d.action.id == CHANGE_WITHDRAWAL:
        docs.withdraw_drafts(s, ag.id)
    if d.after.status is Status.ARCHIVED:
        docs.archive_all(s, ag.id)
    return ids


def insert_skips(s: Session, ag: Agreement, d: Decision, rec: RecordDraft, now: datetime) -> None:
    """Recorded skips (M6, C4): never silent."""
    if not d.skipped:
        return
    s.execute(
        insert(StepRecord),
        [
            {
                "agreement_id": ag.id,
                "step": ACTION_BY_ID[x].step,
                "action": x,
                "branch": "skipped",
                "sla_version": rec.sla_version,
                "actor": rec.actor,
                "at": now,
                "data": {"reason": d.branch.en},
                "skipped": True,
            }
            for x in d.skipped
        ],
    )


def close_and_open_tasks(
    s: Session, ag: Agreement, d: Decision, *, actor: str, now: datetime
) -> list[NewTask]:
    """Close the tasks this action closed, open those it opened; the opened ones."""
    closed = [p for p in d.before.pending if p not in d.after.pending]
    if closed:
        s.connection().execute(
            CLOSE_TASKS, {"ag": ag.id, "closed": closed, "now": now, "actor": actor}
        )
    new_tasks: list[NewTask] = []
    for opened in d.opened:
        if opened not in d.before.pending:
            new_tasks.append((opened, assignees(s, ag, opened)))
    if new_tasks:
        s.execute(
            INSERT_TASK,
            [
                {
                    "agreement_id": ag.id,
                    "action": a,
                    "assignees": who,
                    "roles": [r.value for r in ACTION_BY_ID[a].roles],
                    "opened_at": now,
                    "closed_at": None,
                    "closed_by": None,
                }
                for a, who in new_tasks
            ],
        )
    return new_tasks


def update_agreement(s: Session, ag: Agreement, d: Decision, now: datetime) -> None:
    """The agreement row, guarded by its lock version; `ag` follows it."""
    after = d.after
    res = s.execute(
        UPDATE_AGREEMENT,
        {
            "ag": ag.id,
            "lv": ag.lock_version,
            "status": after.status,
            "pending": list(after.pending),
            "flags": dict(after.flags),
            "now": now,
            "sla_version": ag.sla_version,
            "tier": ag.tier,
            "start_date": ag.start_date,
            "end_date": ag.end_date,
            "review_cadence": ag.review_cadence,
            "owner": ag.owner,
            "next_review_on": ag.next_review_on,
            "next_sla_review_on": ag.next_sla_review_on,
            "timezone": ag.timezone,
        },
    )
    if cast(CursorResult[Any], res).rowcount != 1:
        raise StaleVersion(code="changed_meanwhile", agreement=ag.id)
    ag.status, ag.pending, ag.flags = after.status, list(after.pending), dict(after.flags)
    ag.lock_version += 1
    ag.updated_at = now


def insert_audit(
    s: Session,
    ag: Agreement,
    d: Decision,
    *,
    actor: str,
    now: datetime,
    event: dict[str, Any],
    before: dict[str, Any],
) -> None:
    """The transition's audit event: `event` is its data, `before` the snapshot before it."""
    s.execute(
        INSERT_AUDIT,
        {
            "agreement_id": ag.id,
            "actor": actor,
            "at": now,
            "step": d.action.step,
            "action": d.action.id,
            "data": event,
            "before": before,
            "after": snapshot(ag),
        },
    )


def audit_data(
    d: Decision,
    data: dict[str, Any],
    record_id: int,
    doc_ids: list[int],
    redo: redraft.Replaced | None,
) -> dict[str, Any]:
    """The audit event's data of a transition."""
    return {
        "form": data,
        "branch": d.branch.key,
        "record_id": record_id,
        "documents": doc_ids,
        "opened": list(d.opened),
        "skipped": list(d.skipped),
        **redraft.audit(redo),
    }
