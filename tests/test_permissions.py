"""Every action x every role through the use cases, on SQLite and PostgreSQL: the allowed
roles succeed, the others are refused with the role they need, and nothing changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.flows.errors import PermissionDenied
from bot.flows.integrity import NEEDS_SIGNED
from bot.flows.machine import SYSTEM_ACTOR
from bot.flows.process import ACTION_BY_ID, ACTIONS
from bot.flows.roles import Role
from store.db import Database
from store.demo import departments_answer
from store.lifecycle import perform
from store.models import AuditEvent, OutboxMessage
from store.usecases import deem_confirmation
from tests.support import USERS, Clock, drive, forms


def _counts(db: Database, agreement_id: str) -> tuple[int, int, int]:
    with db.read() as s:
        audit = s.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(col(AuditEvent.agreement_id) == agreement_id)
        ).scalar_one()
        out = s.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(col(OutboxMessage.agreement_id) == agreement_id)
        ).scalar_one()
        from store.models import Agreement

        ag = s.get(Agreement, agreement_id)
        assert ag is not None
        return int(audit), int(out), ag.lock_version


HUMAN = [a.id for a in ACTIONS if not a.system and a.id != "M1"]


@pytest.mark.parametrize("action_id", HUMAN)
def test_action_for_every_role(world: Database, clock: Clock, action_id: str) -> None:
    act = ACTION_BY_ID[action_id]
    data = forms()[action_id]
    ag = drive(world, action_id, clock)
    before = _counts(world, ag.agreement_id)
    for role in Role:
        if role in act.roles:
            continue
        with pytest.raises(PermissionDenied) as exc:
            perform(world, ag.agreement_id, action_id, data, actor=USERS[role], now=clock())
        needed = " or ".join(r.value for r in act.roles)
        assert str(exc.value) == f"only {needed} can do {action_id}"
    assert _counts(world, ag.agreement_id) == before, "a refusal changed something"
    for role in act.roles:
        ag = drive(world, action_id, clock)
        if action_id in NEEDS_SIGNED:  # the OLAs are signed (rule 7)
            departments_answer(world, ag.agreement_id, now=clock())
        b_audit, b_out, b_lock = _counts(world, ag.agreement_id)
        out = perform(world, ag.agreement_id, action_id, data, actor=USERS[role], now=clock())
        assert out.action == action_id
        audit, outbox, lock = _counts(world, ag.agreement_id)
        assert (audit, lock) == (b_audit + 1, b_lock + 1)
        assert outbox >= b_out + 2, "card update and thread event"


def test_m1_for_every_role(world: Database, clock: Clock) -> None:
    from store.lifecycle import submit_request
    from store.models import Agreement

    def n_agreements() -> int:
        with world.read() as s:
            return int(s.execute(select(func.count()).select_from(Agreement)).scalar_one())

    before = n_agreements()
    for role in Role:
        if role is Role.SALES:
            continue
        with pytest.raises(PermissionDenied, match="only sales can do M1"):
            submit_request(world, forms()["M1"], actor=USERS[role], now=clock())
    assert n_agreements() == before
    out = submit_request(world, forms()["M1"], actor=USERS[Role.SALES], now=clock())
    assert out.agreement_id.startswith("SLA-2026-") and out.pending == ("M2",)
    assert n_agreements() == before + 1


def test_deemed_confirmation_is_for_the_scheduler_only(world: Database, clock: Clock) -> None:
    ag = drive(world, "T2.deem", clock)
    data = {"notice_on": "2026-03-02", "deadline": "2026-03-09", "reply_days": 5}
    for user in USERS.values():
        with pytest.raises(PermissionDenied, match="only the scheduler"):
            perform(world, ag.agreement_id, "T2.deem", data, actor=user, now=clock())

    def plus(day: date, n: int) -> date:
        return day + timedelta(days=n)

    out = deem_confirmation(
        world, ag.agreement_id, now=clock.now + timedelta(days=30), tz="UTC", add_working_days=plus
    )
    assert out.action == "T2.deem" and out.pending == ("T3", "T4", "T5")
    with world.read() as s:
        ev = s.execute(
            select(AuditEvent).where(
                col(AuditEvent.agreement_id) == ag.agreement_id,
                col(AuditEvent.action) == "T2.deem",
            )
        ).scalar_one()
        assert ev.actor == SYSTEM_ACTOR
