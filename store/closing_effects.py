"""The termination's effects: resource release (T3-T5), accounting (T6) and the archive (T7)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from bot.flows.behaviour import Effect
from bot.flows.departments import CURRENT
from bot.flows.errors import FormInvalid
from bot.flows.process import INITIATION
from bot.flows.sla_versions import OPEN_STATUSES, VersionStatus
from bot.flows.statuses import ContractStatus
from store.effects import Ctx, effect, last_record, m9_budget
from store.models import (
    OLA,
    AgreementVersion,
    ReleaseTask,
    SupplierContract,
)


@effect(Effect.RELEASE)
def _release(c: Ctx) -> None:
    c.s.add(
        ReleaseTask(
            agreement_id=c.ag.id,
            step=c.d.action.id,
            items=c.values["items"],
            done_by=c.rec.actor,
            done_at=c.now,
        )
    )


@effect(Effect.RELEASE_SUPPLIER_CONTRACTS)
def _release_supplier_contracts(c: Ctx) -> None:
    c.s.execute(
        update(SupplierContract)
        .where(
            col(SupplierContract.agreement_id) == c.ag.id,
            col(SupplierContract.status) == ContractStatus.ACTIVE,
        )
        .values(status=ContractStatus.RELEASED)
    )


@effect(Effect.BUDGET_VARIANCE)
def _t6(c: Ctx) -> None:
    """T6 compares the final accounts with the budget (M9's unless the form gives one)."""
    v = c.values
    budget = m9_budget(c.s, c.ag.id)
    planned = v["planned_cost"] if v.get("planned_cost") is not None else budget
    if planned is None:
        raise FormInvalid({"planned_cost": "give the budget: no initiation report (M9) has one"})
    variance = v["actual_cost"] - planned
    pct = (variance / planned * 100) if planned else None
    figures = {
        "planned_cost": str(planned),
        "budget_m9": None if budget is None else str(budget),
        "variance": str(variance),
        "variance_pct": None if pct is None else str(round(pct, 2)),
    }
    c.record_extra.update(figures)
    c.doc_data["budget_accounting"] = c.d.form.model_dump(mode="json") | figures


#: the documents the archive lists by id
_ARCHIVED_KINDS = [
    "sla",
    "additional_sla",
    "signed_contract",
    "proposal",
    "ola",
    "supplier_contract",
]


def _archived_documents(c: Ctx) -> list[Any]:
    """The agreement's documents the archive lists: an earlier initiation round's OLAs left out."""
    from store.models import Document

    docs = c.s.execute(
        select(
            col(Document.id),
            col(Document.kind),
            col(Document.title),
            col(Document.step),
            col(Document.record_id),
        )
        .where(col(Document.agreement_id) == c.ag.id, col(Document.kind).in_(_ARCHIVED_KINDS))
        .order_by(col(Document.id))
    ).all()
    current_m9 = last_record(c.s, c.ag.id, INITIATION)
    return [
        d
        for d in docs
        if not (d[1] == "ola" and d[3] == INITIATION and current_m9 and d[4] != current_m9.id)
    ]


@effect(Effect.ARCHIVE)
def _t7(c: Ctx) -> None:
    """Archive: the SLA versions, proposal, OLAs and supplier contracts, by id.

    No version stays in effect after the archive (issue 9, rule 10)."""
    ag_id = c.ag.id
    c.s.execute(
        update(AgreementVersion)
        .where(
            col(AgreementVersion.agreement_id) == ag_id,
            col(AgreementVersion.status).in_(OPEN_STATUSES),
        )
        .values(status=VersionStatus.ARCHIVED)
    )
    versions = c.s.execute(
        select(col(AgreementVersion.number), col(AgreementVersion.status))
        .where(col(AgreementVersion.agreement_id) == ag_id)
        .order_by(col(AgreementVersion.number))
    ).all()
    docs = _archived_documents(c)
    olas = c.s.execute(
        select(col(OLA.department), col(OLA.sla_version))
        .where(col(OLA.agreement_id) == ag_id, col(OLA.status).in_(CURRENT))
        .order_by(col(OLA.id))
    ).all()
    contracts = c.s.execute(
        select(col(SupplierContract.contract_no), col(SupplierContract.status))
        .where(col(SupplierContract.agreement_id) == ag_id)
        .order_by(col(SupplierContract.id))
    ).all()
    c.doc_data["archive"] = {
        "sla_versions": [{"number": n, "status": st} for n, st in versions],
        "documents": [{"id": d[0], "kind": d[1], "title": d[2]} for d in docs],
        "olas": [{"department": d, "sla_version": v} for d, v in olas],
        "supplier_contracts": [{"contract_no": n, "status": st} for n, st in contracts],
    }
