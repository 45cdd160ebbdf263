"""Feasibility at drafting (M4, C2): the draft's promise against the OLAs and supplier
contracts that underpin it; the gaps are kept on the step record (the thread reply names each
one) and the draft is still taken (negotiation may fix the underpinning, not the SLA)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from bot.flows.behaviour import Effect
from bot.flows.departments import OlaStatus
from bot.flows.errors import DomainError
from bot.flows.service_levels.feasibility import Underpinning, gaps, parse_promise, sla_promise
from bot.flows.statuses import ContractStatus
from bot.flows.target_lines import parse_targets
from store.db import Database
from store.effects import Ctx, effect, resolve_entry
from store.models import OLA, SupplierContract

#: where the gaps are kept on the step record
GAPS = "feasibility_gaps"


def underpinning(s: Session, agreement_id: str) -> list[Underpinning]:
    """The current OLAs (not superseded) and the active supplier contracts."""
    out = [
        Underpinning("ola", o.department, parse_promise(o.commitment))
        for o in s.execute(
            select(OLA)
            .where(col(OLA.agreement_id) == agreement_id, col(OLA.status) != OlaStatus.SUPERSEDED)
            .order_by(col(OLA.id))
        ).scalars()
    ]
    out += [
        Underpinning("supplier", f"{c.supplier} ({c.contract_no})", parse_promise(c.scope))
        for c in s.execute(
            select(SupplierContract)
            .where(
                col(SupplierContract.agreement_id) == agreement_id,
                col(SupplierContract.status).in_((ContractStatus.ACTIVE, ContractStatus.CHANGED)),
            )
            .order_by(col(SupplierContract.id))
        ).scalars()
    ]
    return out


def draft_gaps(db: Database, agreement_id: str, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The gaps of a draft as its modal opens (the prefilled entry and availability)."""
    if not values.get("entry"):
        return []
    with db.read() as s:
        try:
            entry = resolve_entry(s, str(values["entry"]))
        except DomainError:
            return []
        own = values.get("targets")
        times = parse_targets(own) if isinstance(own, str) else (own or entry.targets or {})
        promise = sla_promise(values.get("availability_pct"), times or entry.targets or {})
        return [g.as_json() for g in gaps(promise, underpinning(s, agreement_id))]


@effect(Effect.FEASIBILITY)
def _feasibility(c: Ctx) -> None:
    entry = resolve_entry(c.s, str(c.values["entry"]))
    times = c.values.get("targets") or entry.targets or {}
    promise = sla_promise(c.values.get("availability_pct"), times)
    found = gaps(promise, underpinning(c.s, c.ag.id))
    c.record_extra[GAPS] = [g.as_json() for g in found]
