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

from sqlalchemy import CursorResult, bindparam, insert, select, update
from sqlmodel import Session, col

from bot import metrics
from bot.flows.behaviour import Assignee
from bot.flows.errors import (
    AgreementClosed,
    AlreadyDone,
    InvalidTransition,
    NotFound,
    ProcessRunning,
    StaleVersion,
)
from bot.flows.forms import StepForm, parse_form
from bot.flows.machine import INITIAL_STATE, AgreementState, Decision, decide
from bot.flows.onboarding_forms import M1Form
from bot.flows.process import (
    ACTION_BY_ID,
    CHANGE_WITHDRAWAL,
    DOCUMENT_REFRESH,
    ENTRY,
    STATUS_NAMES,
    Status,
    VersionEffect,
)
from bot.flows.roles import Role
from store import documents as docs
from store import redraft
from store.db import Database, on_commit
from store.effects import Ctx, RecordDraft, apply_effects, last_record
from store.integrity import earlier_authors, facts_for, locate_running
from store.models import (
    Agreement,
    AgreementSeq,
    AuditEvent,
    Customer,
    RequestSubmission,
    StepRecord,
    Task,
    table_of,
)
from store.outbox import (
    CardPayload,
    DocumentsPayload,
    EventPayload,
    InformedPayload,
    Message,
    TaskPayload,
    enqueue_many,
)
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
    #: a redraft (M4 again before M5, C2 before C3): the record of the draft it replaces
    previous_record: int | None = None
    previous_documents: tuple[int, ...] = ()


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
    if act.assignee is Assignee.OWNER and ag.owner:
        return [ag.owner]
    if act.assignee is Assignee.SALES_USER:
        sales = set(holders(s, [Role.SALES]))
        if ag.sales_user in sales:
            return [ag.sales_user]
    users = holders(s, act.roles)
    if act.four_eyes:
        author = last_record(s, ag.id, act.four_eyes)
        earlier = set(earlier_authors(s, ag.id, action_id))
        users = [u for u in users if (author is None or u != author.actor) and u not in earlier]
    return users


def because(s: Session, ag: Agreement, action_id: str, user: str) -> list[str]:
    """Why `user` gets the task: "owner" for the named owner's steps, else the roles of the
    action that the user holds."""
    act = ACTION_BY_ID[action_id]
    if act.by_owner and ag.owner == user:
        return ["owner"]
    mine = roles_of(s, user)
    return [r.value for r in act.roles if r in mine]


def _already_done(s: Session, agreement_id: str, action_id: str) -> AlreadyDone | None:
    act = ACTION_BY_ID.get(action_id)
    if act is None or act.standing_in:
        # a standing action (M11-M14, T1, the withdrawals) is refused for what runs, never
        # because it was done once before
        return None
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


_SELECT_AGREEMENT = select(table_of(Agreement)).where(table_of(Agreement).c.id == bindparam("ag"))
_SELECT_AGREEMENT_FOR_UPDATE = _SELECT_AGREEMENT.with_for_update()


def _load(s: Session, agreement_id: str, *, lock: bool = False) -> Agreement:
    """The agreement as a detached row object (the use case writes it back with Core).

    FOR UPDATE: a concurrent attempt on PostgreSQL waits and then reads the winner's state
    (SQLite already serialises writers with BEGIN IMMEDIATE and ignores it).
    """
    stmt = _SELECT_AGREEMENT_FOR_UPDATE if lock else _SELECT_AGREEMENT
    row = s.connection().execute(stmt, {"ag": agreement_id}).mappings().first()
    if row is None:
        raise NotFound(code="no_agreement", agreement=agreement_id)
    return Agreement.model_validate(dict(row))


def _issue_documents(
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


_RECORDS, _TASKS = table_of(StepRecord), table_of(Task)
_AGREEMENTS, _AUDIT = table_of(Agreement), table_of(AuditEvent)
# Core statements on the tables (not the ORM entities): compiled once, run with executemany,
# and no ORM bookkeeping in the hot path
_INSERT_RECORD = insert(_RECORDS).returning(_RECORDS.c.id)
_INSERT_TASK = insert(_TASKS)
_INSERT_AUDIT = insert(_AUDIT)
_CLOSE_TASKS = (
    update(_TASKS)
    .where(
        _TASKS.c.agreement_id == bindparam("ag"),
        _TASKS.c.action.in_(bindparam("closed", expanding=True)),
        _TASKS.c.closed_at.is_(None),
    )
    .values(closed_at=bindparam("now"), closed_by=bindparam("actor"))
)
_UPDATE_AGREEMENT = (
    update(_AGREEMENTS)
    .where(_AGREEMENTS.c.id == bindparam("ag"), _AGREEMENTS.c.lock_version == bindparam("lv"))
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


def _apply(
    s: Session,
    ag: Agreement,
    d: Decision,
    *,
    actor: str,
    now: datetime,
) -> Outcome:
    """Persist a decision: every write of one transition, with executemany where it can."""
    data = d.form.model_dump(mode="json")
    rec = RecordDraft(actor=actor, sla_version=ag.sla_version)
    before = _snapshot(ag)
    redo = redraft.replaced(s, ag.id, d)  # before the new draft withdraws the old one
    ctx = Ctx(s, ag, d, rec, now)
    apply_effects(ctx)  # may move rec.sla_version (a signed or renewed SLA)
    data |= ctx.record_extra
    if s.new or s.dirty:
        s.flush()  # effects added or changed ORM rows
    conn = s.connection()
    record_id = int(
        conn.execute(
            _INSERT_RECORD,
            {
                "agreement_id": ag.id,
                "step": d.action.step,
                "action": d.action.id,
                "branch": d.branch.key,
                "sla_version": rec.sla_version,
                "actor": actor,
                "at": now,
                "data": data,
                "skipped": False,
            },
        ).scalar_one()
    )

    # documents: numbered, rendered in every language and inserted (insert-only)
    doc_ids = _issue_documents(s, ag, d, ctx, record_id=record_id, data=data, now=now)

    # recorded skips (M6, C4): never silent
    if d.skipped:
        s.execute(
            insert(StepRecord),
            [
                {
                    "agreement_id": ag.id,
                    "step": ACTION_BY_ID[x].step,
                    "action": x,
                    "branch": "skipped",
                    "sla_version": rec.sla_version,
                    "actor": actor,
                    "at": now,
                    "data": {"reason": d.branch.en},
                    "skipped": True,
                }
                for x in d.skipped
            ],
        )

    # tasks: close what this action closed, open what it opened
    closed = [p for p in d.before.pending if p not in d.after.pending]
    if closed:
        conn.execute(_CLOSE_TASKS, {"ag": ag.id, "closed": closed, "now": now, "actor": actor})
    new_tasks: list[tuple[str, list[str]]] = []
    for opened in d.opened:
        if opened not in d.before.pending:
            new_tasks.append((opened, assignees(s, ag, opened)))
    if new_tasks:
        s.execute(
            _INSERT_TASK,
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

    # the agreement row, guarded by its lock version
    after = d.after
    res = s.execute(
        _UPDATE_AGREEMENT,
        {
            "ag": ag.id,
            "lv": ag.lock_version,
            "status": after.status.value,
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
    ag.status, ag.pending, ag.flags = after.status.value, list(after.pending), dict(after.flags)
    ag.lock_version += 1
    ag.updated_at = now

    s.execute(
        _INSERT_AUDIT,
        {
            "agreement_id": ag.id,
            "actor": actor,
            "at": now,
            "step": d.action.step,
            "action": d.action.id,
            "data": {
                "form": data,
                "branch": d.branch.key,
                "record_id": record_id,
                "documents": doc_ids,
                "opened": list(d.opened),
                "skipped": list(d.skipped),
                **redraft.audit(redo),
            },
            "before": before,
            "after": _snapshot(ag),
        },
    )

    # messages: the card (updated in place), the event in its thread, a DM per new task
    messages: list[Message] = [
        Message("card", None, CardPayload()),
        Message(
            "thread",
            None,
            EventPayload(
                action=d.action.id,
                branch=d.branch.key,
                actor=actor,
                record_id=record_id,
                documents=doc_ids,
                skipped=list(d.skipped),
                opened=list(d.opened),
                status=after.status.value,
                **redraft.payload(redo),
            ),
        ),
    ]
    if doc_ids:  # the documents themselves, as files in the step's thread (T7: the archive)
        archived = after.status is Status.ARCHIVED
        files = DocumentsPayload(documents=doc_ids, bundle=archived)
        messages.append(Message("files", None, files))
    for opened, who in [*new_tasks, *((a, [u]) for u, a in ctx.task_dms)]:
        messages += [
            Message("dm", user, TaskPayload(action=opened, because=because(s, ag, opened, user)))
            for user in who
        ]
    messages += ctx.messages
    if d.branch.informs:
        told = InformedPayload(
            action=d.action.id,
            branch=d.branch.key,
            actor=actor,
            record_id=record_id,
            documents=doc_ids,
        )
        messages += [Message("dm", user, told) for user in holders(s, d.branch.informs)]
    enqueue_many(conn, agreement_id=ag.id, now=now, messages=messages)
    step = d.action.step
    on_commit(s, lambda: metrics.TRANSITIONS.labels(step).inc())  # committed transitions only
    return Outcome(
        agreement_id=ag.id,
        action=d.action.id,
        branch=d.branch.key,
        status=after.status,
        pending=after.pending,
        opened=d.opened,
        skipped=d.skipped,
        record_id=record_id,
        documents=tuple(doc_ids),
        lock_version=ag.lock_version,
        sla_version=ag.sla_version,
        previous_record=redo.record_id if redo else None,
        previous_documents=redo.documents if redo else (),
    )


def _action_and_authors(s: Session, ag: Agreement, action_id: str) -> tuple[Any, dict[str, str]]:
    """The action's declaration and, for the four-eyes rule, who last did the action it
    reviews (M9's author for M9.review)."""
    act = ACTION_BY_ID.get(action_id)
    if act is None:
        raise InvalidTransition(code="unknown_action", action=action_id)
    last_actor: dict[str, str] = {}
    if act.four_eyes:
        rec = last_record(s, ag.id, act.four_eyes)
        if rec is not None:
            last_actor[act.four_eyes] = rec.actor
    return act, last_actor


def _decide(
    s: Session,
    ag: Agreement,
    action_id: str,
    data: Mapping[str, Any] | StepForm,
    actor: str,
    now: datetime,
) -> Decision:
    act, last_actor = _action_and_authors(s, ag, action_id)
    roles = roles_of(s, actor) if not act.system else set()
    try:
        return decide(
            state_of(ag),
            action_id,
            data,
            actor=actor,
            roles=roles,
            last_actor=last_actor,
            facts=facts_for(s, ag, action_id, now),
            authors=earlier_authors(s, ag.id, action_id),
        )
    except ProcessRunning as exc:
        raise locate_running(s, ag, exc) from None
    except AgreementClosed:
        raise
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
            ag = _load(s, agreement_id, lock=True)
            if Status(ag.status).final:
                st = Status(ag.status)
                raise AgreementClosed(action_id, st.value, STATUS_NAMES[st][0])
            if expected_version is not None and ag.lock_version != expected_version:
                done = _already_done(s, ag.id, action_id)
                if done is not None and action_id not in ag.pending:
                    raise done
                if action_id not in ag.pending and Status(ag.status) not in (
                    ACTION_BY_ID[action_id].standing_in if action_id in ACTION_BY_ID else ()
                ):
                    state = state_of(ag)
                    raise StaleVersion(
                        code="moved_on",
                        agreement=agreement_id,
                        step=state.current_step(),
                        status=state.status.value,
                    )
            d = _decide(s, ag, action_id, data, actor, now)
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


def _find_or_create_customer(s: Session, name: str, contact: str, now: datetime) -> int:
    """The customer named `name`, created when new: an insert that skips an existing name
    (on PostgreSQL it waits for a concurrent insert of the same name), then a read."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    ins = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.execute(
        ins(Customer)
        .values(name=name, contact=contact, created_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return int(s.execute(select(col(Customer.id)).where(col(Customer.name) == name)).scalar_one())


def submit_request(
    db: Database,
    data: Mapping[str, Any] | M1Form,
    *,
    actor: str,
    now: datetime,
    request_key: str | None = None,
) -> Outcome:
    """M1: record a customer's service request; creates the agreement `SLA-<year>-<seq>`.
    `request_key` (a modal submission's view id and hash) is recorded with it, unique: see
    `store/requests.py` for the same submission arriving twice."""
    form = parse_form(M1Form, dict(data) if isinstance(data, Mapping) else data)
    with db.write() as s:
        roles = roles_of(s, actor)
        # permission before anything is created (decide checks it again on the new state)
        decide(INITIAL_STATE, ENTRY, form, actor=actor, roles=roles)
        customer_id = _find_or_create_customer(s, form.customer, form.contact, now)
        ag = Agreement(
            id=_next_id(s, now.year),
            customer_id=customer_id,
            title=f"{form.customer}: {', '.join(form.services)}"[:300],
            status=INITIAL_STATE.status.value,
            pending=list(INITIAL_STATE.pending),
            flags={},
            sales_user=actor,
            created_at=now,
            updated_at=now,
        )
        conn = s.connection()
        conn.execute(insert(_AGREEMENTS), ag.model_dump())
        if request_key is not None:
            s.add(RequestSubmission(key=request_key, agreement_id=ag.id, created_at=now))
        conn.execute(
            _INSERT_AUDIT,
            {
                "agreement_id": ag.id,
                "actor": actor,
                "at": now,
                "step": ENTRY,
                "action": "agreement.create",
                "data": {"customer": form.customer},
                "before": {},
                "after": _snapshot(ag),
            },
        )
        d = decide(state_of(ag), ENTRY, form, actor=actor, roles=roles)
        return _apply(s, ag, d, actor=actor, now=now)


@dataclass(frozen=True)
class Prepared:
    """What a modal for an action needs, after the same checks `perform` makes."""

    agreement_id: str
    customer_id: int
    lock_version: int
    sla_version: int
    flags: dict[str, Any]


def prepare(
    db: Database,
    agreement_id: str,
    action_id: str,
    *,
    actor: str,
    seen_version: int | None = None,
) -> Prepared:
    """Refuse early (role, not open, already done, four eyes) before a modal opens."""
    from bot.flows.machine import precheck

    with db.read() as s:
        ag = _load(s, agreement_id)
        _, last_actor = _action_and_authors(s, ag, action_id)
        roles = roles_of(s, actor)
        try:
            precheck(
                state_of(ag),
                action_id,
                actor=actor,
                roles=roles,
                last_actor=last_actor,
                authors=earlier_authors(s, ag.id, action_id),
            )
        except ProcessRunning as exc:
            raise locate_running(s, ag, exc) from None
        except AgreementClosed:
            raise
        except InvalidTransition:
            done = _already_done(s, ag.id, action_id)
            if done is not None and action_id not in ag.pending:
                raise done from None
            raise
        if seen_version is not None and seen_version != ag.lock_version:
            done = _already_done(s, ag.id, action_id)
            if done is not None and action_id not in ag.pending:
                raise done
        return Prepared(ag.id, ag.customer_id, ag.lock_version, ag.sla_version, dict(ag.flags))


def check_new_request(db: Database, *, actor: str) -> None:
    """M1 permission, before the modal opens."""
    from bot.flows.machine import precheck

    with db.read() as s:
        precheck(INITIAL_STATE, ENTRY, actor=actor, roles=roles_of(s, actor))
