"""Use cases of the agreement lifecycle: one function per action, one transaction each.

Each transaction loads the agreement, asks `bot.flows.machine.decide` for the decision, and
writes the new state, the step record, its documents and side rows, an append-only audit event
and the outbox rows for every message the change causes. Optimistic concurrency (the
`lock_version` column) turns a race or a double click into `AlreadyDone` ("already done by X").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlmodel import Session

from bot import metrics
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
from bot.flows.process import ACTION_BY_ID, ENTRY, STATUS_NAMES, Status
from store import redraft
from store import transition_writes as tw
from store.agreement_ids import find_or_create_customer, next_agreement_id
from store.db import Database, on_commit
from store.effects import Ctx, RecordDraft, apply_effects, last_record
from store.integrity import earlier_authors, facts_for, locate_running
from store.models import Agreement, RequestSubmission, table_of
from store.outbox import Confirm, enqueue_many
from store.roles import roles_of
from store.transition_messages import Written, queue_confirmation, transition_messages
from store.transition_people import assignees, because

__all__ = [
    "Outcome",
    "Prepared",
    "assignees",
    "because",
    "check_new_request",
    "perform",
    "prepare",
    "state_of",
    "submit_request",
]


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
    #: the doer's confirmation was queued with the step (`perform(confirm=...)`)
    confirmed: bool = False


def state_of(ag: Agreement) -> AgreementState:
    return AgreementState(status=Status(ag.status), pending=tuple(ag.pending), flags=dict(ag.flags))


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


def _apply(
    s: Session,
    ag: Agreement,
    d: Decision,
    *,
    actor: str,
    now: datetime,
    confirm: Confirm | None = None,
    created_for: str | None = None,
) -> Outcome:
    """Persist a decision: every write of one transition, with executemany where it can;
    `confirm`: the doer's confirmation is queued with them (`created_for`: a new request's
    customer)."""
    data = d.form.model_dump(mode="json")
    rec = RecordDraft(actor=actor, sla_version=ag.sla_version)
    before = tw.snapshot(ag)
    redo = redraft.replaced(s, ag.id, d)  # before the new draft withdraws the old one
    ctx = Ctx(s, ag, d, rec, now)
    apply_effects(ctx)  # may move rec.sla_version (a signed or renewed SLA)
    data |= ctx.record_extra
    if s.new or s.dirty:
        s.flush()  # effects added or changed ORM rows
    record_id = tw.insert_record(s, ag, d, rec, data, now)
    # documents: numbered, rendered in every language and inserted (insert-only)
    doc_ids = tw.issue_documents(s, ag, d, ctx, record_id=record_id, data=data, now=now)
    tw.insert_skips(s, ag, d, rec, now)
    new_tasks = tw.close_and_open_tasks(s, ag, d, actor=actor, now=now)
    tw.update_agreement(s, ag, d, now)
    event = tw.audit_data(d, data, record_id, doc_ids, redo)
    tw.insert_audit(s, ag, d, actor=actor, now=now, event=event, before=before)
    written = Written(actor, record_id, doc_ids, new_tasks, redo)
    messages = transition_messages(s, ag, d, ctx, written)
    enqueue_many(s.connection(), agreement_id=ag.id, now=now, messages=messages)
    if confirm is not None:
        queue_confirmation(s, ag, d, confirm, created_for, now)
    step = d.action.step
    on_commit(s, lambda: metrics.TRANSITIONS.labels(step).inc())  # committed transitions only
    out = _outcome(ag, d, record_id, doc_ids, redo)
    return replace(out, confirmed=True) if confirm is not None else out


def _outcome(
    ag: Agreement,
    d: Decision,
    record_id: int,
    doc_ids: list[int],
    redo: redraft.Replaced | None,
) -> Outcome:
    return Outcome(
        agreement_id=ag.id,
        action=d.action.id,
        branch=d.branch.key,
        status=d.after.status,
        pending=d.after.pending,
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
    confirm: Confirm | None = None,
) -> Outcome:
    """Do `action_id` on an agreement as `actor` at `now`; one transaction (with the doer's
    confirmation when `confirm` says where).

    `expected_version` is the lock version the caller saw (a modal's private metadata): when
    the agreement moved on since, the caller learns who did what instead of overwriting it.
    """
    act = ACTION_BY_ID.get(action_id)
    if act is not None:  # validated at the edge: a bad date never takes the write lock
        data = parse_form(act.form, dict(data) if isinstance(data, Mapping) else data)
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
            return _apply(s, ag, d, actor=actor, now=now, confirm=confirm)
    except StaleVersion:
        # lost a race (PostgreSQL read committed): report who won
        with db.read() as s:
            done = _already_done(s, agreement_id, action_id)
            ag = _load(s, agreement_id)
            if done is not None and action_id not in ag.pending:
                raise done from None
        raise


def submit_request(
    db: Database,
    data: Mapping[str, Any] | M1Form,
    *,
    actor: str,
    now: datetime,
    request_key: str | None = None,
    confirm: Confirm | None = None,
) -> Outcome:
    """M1: record a customer's service request; creates the agreement `SLA-<year>-<seq>`.
    `request_key` (a modal submission's view id and hash) is recorded with it, unique: see
    `store/requests.py` for the same submission arriving twice."""
    form = parse_form(M1Form, dict(data) if isinstance(data, Mapping) else data)
    with db.write() as s:
        roles = roles_of(s, actor)
        # permission before anything is created (decide checks it again on the new state)
        decide(INITIAL_STATE, ENTRY, form, actor=actor, roles=roles)
        customer_id = find_or_create_customer(s, form.customer, form.contact, now)
        ag = Agreement(
            id=next_agreement_id(s, now.year),
            customer_id=customer_id,
            title=f"{form.customer}: {', '.join(form.services)}"[:300],
            status=INITIAL_STATE.status,
            pending=list(INITIAL_STATE.pending),
            flags={},
            sales_user=actor,
            created_at=now,
            updated_at=now,
        )
        conn = s.connection()
        conn.execute(insert(tw.AGREEMENTS), ag.model_dump())
        if request_key is not None:
            s.add(RequestSubmission(key=request_key, agreement_id=ag.id, created_at=now))
        conn.execute(
            tw.INSERT_AUDIT,
            {
                "agreement_id": ag.id,
                "actor": actor,
                "at": now,
                "step": ENTRY,
                "action": "agreement.create",
                "data": {"customer": form.customer},
                "before": {},
                "after": tw.snapshot(ag),
            },
        )
        d = decide(state_of(ag), ENTRY, form, actor=actor, roles=roles)
        return _apply(s, ag, d, actor=actor, now=now, confirm=confirm, created_for=form.customer)


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
