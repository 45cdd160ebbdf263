"""A whole life at the use-case level: M1 -> M10, reviews, a change (C1-C4), a termination
(T1-T7), on SQLite and PostgreSQL; with every message and audit row it causes."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from bot.flows.departments import ACKNOWLEDGE, SIGN
from bot.flows.process import Status
from bot.flows.samples import FULL_LIFE
from store.db import Database
from store.demo import departments_answer
from store.lifecycle import perform
from store.models import AuditEvent, OutboxMessage
from store.queries import ListFilter, get_agreement, list_agreements
from store.usecases import take_action
from tests.support import ACTOR, Clock, forms, new_agreement

#: the sample life, but the termination starts with M14 and releases T4 before T3
LIFE = (*FULL_LIFE[:17], "M14", "T1", "T2", "T4", "T3", "T5", "T6", "T7")
assert FULL_LIFE[16] == "C4"


def test_whole_life(world: Database, clock: Clock) -> None:
    f = forms("Whole Life Ltd")
    ag = new_agreement(world, clock, "Whole Life Ltd")
    aid = ag.agreement_id
    statuses = []
    for action in LIFE:
        if action == "M10":  # rules 6 and 7: two heads acknowledge M7, and sign their OLAs
            assert departments_answer(world, aid, now=clock()) == 4
        out = take_action(
            world,
            agreement_id=aid,
            action=action,
            data=f[action],
            actor=ACTOR[action],
            now=clock(),
        )
        statuses.append(out.status)
        assert out.agreement_id == aid
    assert statuses[9] is Status.ACTIVE  # after M10
    assert statuses[12] is Status.CHANGING  # M13
    assert statuses[16] is Status.ACTIVE  # C4
    assert statuses[-1] is Status.ARCHIVED
    detail = get_agreement(world, aid)
    assert detail.row.status == "archived" and detail.sla_version == 2
    steps = [h["action"] for h in detail.history if h["action"] != "agreement.create"]
    assert steps == ["M1", *LIFE[:9], ACKNOWLEDGE, ACKNOWLEDGE, SIGN, SIGN, *LIFE[9:]]
    with world.read() as s:
        events = (
            s.execute(
                select(AuditEvent)
                .where(col(AuditEvent.agreement_id) == aid)
                .order_by(col(AuditEvent.id))
            )
            .scalars()
            .all()
        )
        outbox = (
            s.execute(
                select(OutboxMessage)
                .where(col(OutboxMessage.agreement_id) == aid)
                .order_by(col(OutboxMessage.id))
            )
            .scalars()
            .all()
        )
    # every transition: an audit event with before/after, a card update, a thread event
    departments = [e for e in events if e.action in (ACKNOWLEDGE, SIGN)]
    assert [(e.step, e.action, e.actor) for e in departments] == [
        ("M7", ACKNOWLEDGE, "U_DEP"),
        ("M7", ACKNOWLEDGE, "U_NET"),
        ("M9", SIGN, "U_DEP"),
        ("M9", SIGN, "U_NET"),
    ]
    transitions = [e for e in events if e.action != "agreement.create" and e not in departments]
    assert len(transitions) == len(LIFE) + 1
    for e in transitions:
        assert e.before["lock_version"] + 1 == e.after["lock_version"]
        assert e.step and e.step[0] in "MCT"
    assert sum(o.kind == "card" for o in outbox) == len(LIFE) + 1 + 4
    assert sum(o.kind == "thread" for o in outbox) == len(LIFE) + 1 + 4
    dms = [
        (o.recipient, o.payload.get("action") or o.payload["event"])
        for o in outbox
        if o.kind == "dm"
    ]
    assert [d for d in dms if d[1] in ("notice", "sign")] == [
        ("U_DEP", "notice"),
        ("U_NET", "notice"),
        ("U_DEP", "sign"),
        ("U_NET", "sign"),
    ]
    assert ("U_OPS", "M9") in dms and ("U_OPS", "M10") in dms
    assert ("U_SLM", "M9.review") in dms and ("U_SLM_B", "M9.review") in dms
    assert ("U_SALES", "T2") in dms
    assert all(o.status == "pending" for o in outbox)
    assert aid not in [r.id for r in list_agreements(world, ListFilter.OPEN, limit=500)]
    assert aid in [r.id for r in list_agreements(world, ListFilter.ALL, limit=500)]


def test_agreement_ids_follow_the_year_sequence(world: Database, clock: Clock) -> None:
    a = new_agreement(world, clock).agreement_id
    b = new_agreement(world, clock).agreement_id
    year, seq = a.rsplit("-", 1)[0], int(a.rsplit("-", 1)[1])
    assert year == "SLA-2026" and b == f"SLA-2026-{seq + 1:04d}"


def test_lists(world: Database, clock: Clock) -> None:
    ag = new_agreement(world, clock, "Listing Co")
    f = forms("Listing Co")
    mine = [r.id for r in list_agreements(world, ListFilter.MINE, user="U_SLM", limit=1000)]
    assert ag.agreement_id in mine, "M2 is the service level manager's task"
    perform(world, ag.agreement_id, "M2", f["M2"], actor="U_SLM", now=clock())
    assert ag.agreement_id in [
        r.id for r in list_agreements(world, ListFilter.MINE, user="U_SALES", limit=1000)
    ]
