"""The effects on an agreement's terms, supplier contracts and owner: M1's terms, the
supplier contracts of M6 and C4, the owner named in M8 and a handover."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, update
from sqlmodel import col

from bot.flows.behaviour import Assignee, Effect
from bot.flows.process import ACTIONS
from bot.flows.statuses import ContractStatus
from store.effects import Ctx, effect
from store.models import (
    SupplierContract,
)


@effect(Effect.RECORD_TERMS)
def _m1(c: Ctx) -> None:
    c.ag.tier = int(c.values["tier"])
    c.ag.start_date = c.values["start_date"]
    c.ag.end_date = c.values["end_date"]
    zone = str(c.values.get("service_timezone") or "default")
    c.ag.timezone = None if zone == "default" else zone


@effect(Effect.SUPPLIER_CONTRACT)
def _supplier(c: Ctx) -> None:
    v = c.values
    c.s.add(
        SupplierContract(
            agreement_id=c.ag.id,
            sla_version=c.ag.sla_version,
            step=c.d.action.step,
            supplier=v["supplier"],
            contract_no=v["contract_no"],
            scope=v.get("scope", ""),
            start_date=v.get("start_date"),
            end_date=v.get("end_date"),
            cost=v.get("cost") or Decimal(0),
            status=ContractStatus.ACTIVE,
        )
    )


@effect(Effect.SUPPLIER_CHANGES)
def _c4(c: Ctx) -> None:
    v = c.values
    if v["action"] in ("change", "cancel"):
        c.s.execute(
            update(SupplierContract)
            .where(
                col(SupplierContract.agreement_id) == c.ag.id,
                col(SupplierContract.contract_no) == v["contract_no"],
                col(SupplierContract.status) == ContractStatus.ACTIVE,
            )
            .values(
                status=ContractStatus.CANCELLED
                if v["action"] == "cancel"
                else ContractStatus.CHANGED
            )
        )
    if v["action"] in ("sign", "change"):
        _supplier(c)


@effect(Effect.SET_OWNER)
def _owner(c: Ctx) -> None:
    c.ag.owner = str(c.values["owner"])


@effect(Effect.HANDOVER)
def _handover(c: Ctx) -> None:
    """M8.handover: the new owner takes the owner's open tasks (M9, M10) and gets their DMs."""
    from store.models import Task

    old = c.ag.owner
    c.ag.owner = str(c.values["owner"])
    moved = list(
        c.s.execute(
            select(col(Task.action)).where(
                col(Task.agreement_id) == c.ag.id,
                col(Task.closed_at).is_(None),
                col(Task.action).in_([a.id for a in ACTIONS if a.assignee is Assignee.OWNER]),
            )
        ).scalars()
    )
    if moved:
        c.s.execute(
            update(Task)
            .where(
                col(Task.agreement_id) == c.ag.id,
                col(Task.closed_at).is_(None),
                col(Task.action).in_(moved),
            )
            .values(assignees=[c.ag.owner])
        )
    c.task_dms += [(c.ag.owner, a) for a in moved if c.ag.owner != old]
