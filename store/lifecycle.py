"""Use cases of the agreement lifecycle: one function per action, one transaction each.

Each transaction loads the agreement, asks `bot.flows.machine.decide` for the decision, and
writes the new state, the step record, its documents and side rows, an append-only audit event
and the outbox rows for every message the change causes. Optimistic concurrency (the
`lock_version` column) turns a race or a double click into `AlreadyDone` ("already done by X").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, insert, select, update
from sqlmodel import Session, col

from bot.flows.errors import AlreadyDone, InvalidTransition, NotFound, StaleVersion
from bot.flows.forms import StepForm, parse_form
from bot.flows.machine import INITIAL_STATE, AgreementState, Decision, decide
from bot.flows.onboarding_forms import M1Form
from bot.flows.process import ACTION_BY_ID, Status
from bot.flows.roles import Role
from store.db import Database
from store.effects import Ctx, apply_effects, last_record
from store.models import Agreement, AgreementSeq, AuditEvent, Customer, Document, StepRecord, Task
from store.outbox import enqueue
from store.roles import holders, roles_of


@dataclass(frozen=True)
class Outcome:
    agreement_id: str
    action: str
    branch: str
    status: Status
    pending: tuple[str, ...]
    opened: tuple[str, ...]
    skipped: tuple[str, ...]
    record_id: int
    documents: tuple[int, ...]
    lock_version: int
    sla_version: int


def state_of(ag: Agreement) -> AgreementState:
    return AgreementState(status=Status(ag.status), pending=tuple(ag.pending), flags=dict(ag.flags))


def _snapshot(ag: Agreement) -> dict[str, Any]:
    return {
        "status": ag.status,
        "pending": list(ag.pending),
        "flags": dict(ag.flags),
        "sla_version": ag.sla_version,
        "lock_version": ag.lock_version,
        "end_date": ag.end_date.isoformat() if ag.end_date else None,
        "owner": ag.owner,
    }


def assignees(s: Session, ag: Agreement, action_id: str) -> list[str]:
    """Who gets the task (and its DM) when `action_id` opens."""
    act = ACTION_BY_ID[action_id]
    if act.system:
        return []
    if action_id in ("M9", "M10") and ag.owner:
        return [ag.owner]
    if action_id in ("T1", "T2"):
        sales = set(holders(s, [Role.SALES]))
        if ag.sales_user in sales:
            return [ag.sales_user]
    users = holders(s, act.roles)
    if act.four_eyes:
        author = last_record(s, ag.id, act.four_eyes)
        users = [u for u in users if author is None or u != author.actor]
    return users


def _already_done(s: Session, agreement_id: str, action_id: str) -> AlreadyDone | None:
    rec = last_record(s, agreement_id, action_id)
    if rec is None:
        # the alternative may have closed it (T2 vs T2.deem)
        for alt in ACTION_BY_ID[action_id].closes:
            rec = last_record(s, agreement_id, alt)
            if rec is not None:
                break
    if rec is None:
        return None
    return AlreadyDone(action_id, rec.actor, rec.at)


def _load(s: Session, agreement_id: str) -> Agreement:
    ag = s.get(Agreement, agreement_id)
    if ag is None:
        raise NotFound(f"no agreement {agreement_id}")
    return ag


def _doc_title(kind: Any, ag: Agreement, sla_version: int, suffix: str = "") -> str:
    base = f"{kind.name_en} · {ag.id} v{sla_version}"
    return f"{base} · {suffix}" if suffix else base


def _apply(
    s: Session,
    ag: Agreement,
    d: Decision,
    *,
    actor: str,
    now: datetime,
) -> Outcome:
    data = d.form.model_dump(mode="json")
    rec = StepRecord(
        agreement_id=ag.id,
        step=d.action.step,
        action=d.action.id,
        branch=d.branch.key,
        sla_version=ag.sla_version,
        actor=actor,
        at=now,
        data=data,
    )
    s.add(rec)
    s.flush()
    before = _snapshot(ag)
    ctx = Ctx(s, ag, d, rec, now)
    apply_effects(ctx)
    assert rec.id is not None

    # documents: insert-only, one per output (one OLA document per department)
    doc_version = ctx.doc_version or rec.sla_version
    doc_rows: list[dict[str, Any]] = []
    for kind in d.outputs:
        if kind.value == "ola" and "olas" in data:
            for ola in data["olas"]:
                doc_rows.append(
                    {
                        "kind": kind.value,
                        "title": _doc_title(kind, ag, doc_version, ola["department"]),
                        "data": ola,
                    }
                )
        else:
            doc_rows.append(
                {
                    "kind": kind.value,
                    "title": _doc_title(kind, ag, doc_version),
                    "data": ctx.doc_data.get(kind.value, data),
                }
            )
    doc_ids: list[int] = []
    for row in doc_rows:
        doc = Document(
            agreement_id=ag.id,
            sla_version=doc_version,
            kind=row["kind"],
            step=d.action.step,
            record_id=rec.id,
            title=row["title"],
            data=row["data"],
            created_by=actor,
            created_at=now,
        )
        s.add(doc)
        s.flush()
        assert doc.id is not None
        doc_ids.append(doc.id)

    # recorded skips (M6, C4): never silent
    for skipped in d.skipped:
        s.add(
            StepRecord(
                agreement_id=ag.id,
                step=ACTION_BY_ID[skipped].step,
                action=skipped,
                branch="skipped",
                sla_version=rec.sla_version,
                actor=actor,
                at=now,
                data={"reason": d.branch.en},
                skipped=True,
            )
        )

    # tasks: close what this action closed, open what it opened
    closed = [p for p in d.before.pending if p not in d.after.pending]
    if closed:
        s.execute(
            update(Task)
            .where(
                col(Task.agreement_id) == ag.id,
                col(Task.action).in_(closed),
                col(Task.closed_at).is_(None),
            )
            .values(closed_at=now, closed_by=actor)
        )
    new_tasks: list[tuple[str, list[str]]] = []
    for opened in d.opened:
        if opened in d.before.pending:
            continue
        who = assignees(s, ag, opened)
        new_tasks.append((opened, who))
        s.execute(
            insert(Task).values(
                agreement_id=ag.id,
                action=opened,
                assignees=who,
                roles=[r.value for r in ACTION_BY_ID[opened].roles],
                opened_at=now,
            )
        )

    # the agreement row, guarded by its lock version
    expected = ag.lock_version
    after = d.after
    res = s.execute(
        update(Agreement)
        .where(
            col(Agreement.id) == ag.id,
            col(Agreement.lock_version) == expected,
        )
        .values(
            status=after.status.value,
            pending=list(after.pending),
            flags=dict(after.flags),
            updated_at=now,
            lock_version=expected + 1,
            sla_version=ag.sla_version,
            tier=ag.tier,
            start_date=ag.start_date,
            end_date=ag.end_date,
            review_cadence=ag.review_cadence,
            owner=ag.owner,
        )
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], res).rowcount != 1:
        raise StaleVersion(f"{ag.id} changed meanwhile")
    s.expire(ag)
    s.refresh(ag)

    s.add(
        AuditEvent(
            agreement_id=ag.id,
            actor=actor,
            at=now,
            step=d.action.step,
            action=d.action.id,
            data={
                "form": data,
                "branch": d.branch.key,
                "record_id": rec.id,
                "documents": doc_ids,
                "opened": list(d.opened),
                "skipped": list(d.skipped),
            },
            before=before,
            after=_snapshot(ag),
        )
    )

    # messages: the card (updated in place), the event in its thread, a DM per new task
    enqueue(s, kind="card", agreement_id=ag.id, payload={"template": "card"}, now=now)
    enqueue(
        s,
        kind="thread",
        agreement_id=ag.id,
        now=now,
        payload={
            "template": "event",
            "action": d.action.id,
            "branch": d.branch.key,
            "actor": actor,
            "record_id": rec.id,
            "documents": doc_ids,
            "skipped": list(d.skipped),
            "opened": list(d.opened),
            "status": after.status.value,
        },
    )
    for opened, who in new_tasks:
        for user in who:
            enqueue(
                s,
                kind="dm",
                agreement_id=ag.id,
                recipient=user,
                now=now,
                payload={"template": "task", "action": opened},
            )
    return Outcome(
        agreement_id=ag.id,
        action=d.action.id,
        branch=d.branch.key,
        status=after.status,
        pending=after.pending,
        opened=d.opened,
        skipped=d.skipped,
        record_id=rec.id,
        documents=tuple(doc_ids),
        lock_version=ag.lock_version,
        sla_version=ag.sla_version,
    )


def _decide(
    s: Session, ag: Agreement, action_id: str, data: Mapping[str, Any] | StepForm, actor: str
) -> Decision:
    act = ACTION_BY_ID.get(action_id)
    if act is None:
        raise InvalidTransition(f"unknown action {action_id!r}")
    last_actor: dict[str, str] = {}
    if act.four_eyes:
        rec = last_record(s, ag.id, act.four_eyes)
        if rec is not None:
            last_actor[act.four_eyes] = rec.actor
    roles = roles_of(s, actor) if not act.system else set()
    try:
        return decide(
            state_of(ag), action_id, data, actor=actor, roles=roles, last_actor=last_actor
        )
    except InvalidTransition:
        done = _already_done(s, ag.id, action_id)
        if done is not None and action_id not in ag.pending:
            raise done from None
        raise


def perform(
    db: Database,
    agreement_id: str,
    action_id: str,
    data: Mapping[str, Any] | StepForm,
    *,
    actor: str,
    now: datetime,
    expected_version: int | None = None,
) -> Outcome:
    """Do `action_id` on an agreement as `actor` at `now`; one transaction.

    `expected_version` is the lock version the caller saw (a modal's private metadata): when
    the agreement moved on since, the caller learns who did what instead of overwriting it.
    """
    try:
        with db.write() as s:
            ag = _load(s, agreement_id)
            if expected_version is not None and ag.lock_version != expected_version:
                done = _already_done(s, ag.id, action_id)
                if done is not None and action_id not in ag.pending:
                    raise done
                if action_id not in ag.pending and Status(ag.status) not in (
                    ACTION_BY_ID[action_id].standing_in if action_id in ACTION_BY_ID else ()
                ):
                    raise StaleVersion(
                        f"{agreement_id} has moved on: it is now at {state_of(ag).describe()}"
                    )
            d = _decide(s, ag, action_id, data, actor)
            return _apply(s, ag, d, actor=actor, now=now)
    except StaleVersion:
        # lost a race (PostgreSQL read committed): report who won
        with db.read() as s:
            done = _already_done(s, agreement_id, action_id)
            ag = _load(s, agreement_id)
            if done is not None and action_id not in ag.pending:
                raise done from None
        raise


def _next_id(s: Session, year: int) -> str:
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


def submit_request(
    db: Database, data: Mapping[str, Any] | M1Form, *, actor: str, now: datetime
) -> Outcome:
    """M1: record a customer's service request; creates the agreement `SLA-<year>-<seq>`."""
    form = parse_form(M1Form, dict(data) if isinstance(data, Mapping) else data)
    with db.write() as s:
        roles = roles_of(s, actor)
        # permission before anything is created (decide checks it again on the new state)
        decide(INITIAL_STATE, "M1", form, actor=actor, roles=roles)
        cust = s.execute(
            select(Customer).where(col(Customer.name) == form.customer)
        ).scalar_one_or_none()
        if cust is None:
            cust = Customer(name=form.customer, contact=form.contact, created_at=now)
            s.add(cust)
            s.flush()
        assert cust.id is not None
        ag = Agreement(
            id=_next_id(s, now.year),
            customer_id=cust.id,
            title=f"{form.customer}: {', '.join(form.services)}"[:300],
            status=INITIAL_STATE.status.value,
            pending=list(INITIAL_STATE.pending),
            flags={},
            sales_user=actor,
            created_at=now,
            updated_at=now,
        )
        s.add(ag)
        s.flush()
        s.add(
            AuditEvent(
                agreement_id=ag.id,
                actor=actor,
                at=now,
                step="M1",
                action="agreement.create",
                data={"customer": form.customer},
                before={},
                after=_snapshot(ag),
            )
        )
        d = decide(state_of(ag), "M1", form, actor=actor, roles=roles)
        return _apply(s, ag, d, actor=actor, now=now)
