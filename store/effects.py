"""What each action writes besides its step record: versions, OLAs, contracts, approvals...

`apply_effects` is called inside the use case's transaction, after `decide` (bot.flows.machine)
has accepted the action. Each function here reads the validated form; none commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from bot.flows.behaviour import Assignee, Effect
from bot.flows.departments import CURRENT, OlaStatus
from bot.flows.errors import FormInvalid
from bot.flows.forms import DeptLines, parse_form
from bot.flows.machine import Decision
from bot.flows.process import (
    ACTION_BY_ID,
    ACTIONS,
    ADDITIONAL_SIGNING,
    INITIATION,
    VersionEffect,
)
from bot.flows.sla_versions import OPEN_STATUSES, VersionStatus, takes_effect_at_signing
from store.models import (
    OLA,
    Agreement,
    AgreementVersion,
    Approval,
    CatalogueEntry,
    ImprovementAction,
    ReleaseTask,
    Review,
    StepRecord,
    SupplierContract,
)


@dataclass
class RecordDraft:
    """The step record being written (inserted after the effects ran)."""

    actor: str
    sla_version: int


class Ctx:
    """What an effect needs: the session, the agreement row, the decision, the new record."""

    def __init__(
        self, s: Session, ag: Agreement, d: Decision, rec: RecordDraft, now: datetime
    ) -> None:
        self.s, self.ag, self.d, self.rec, self.now = s, ag, d, rec, now
        self.form: Any = d.form
        self.values: dict[str, Any] = d.form.model_dump()
        #: document kind -> data to store instead of the form data
        self.doc_data: dict[str, dict[str, Any]] = {}
        #: the SLA version the documents belong to, when not the one in effect (drafts)
        self.doc_version: int | None = None
        #: derived figures the step record keeps beside the form (T6's variance)
        self.record_extra: dict[str, Any] = {}
        #: (user, action) task DMs beyond the actions this step opens (a handover)
        self.task_dms: list[tuple[str, str]] = []
        #: other outbox messages the effects cause (store.outbox.Message: department DMs)
        self.messages: list[Any] = []


#: one function per effect an action may declare (bot.flows.behaviour.Effect)
REGISTRY: dict[Effect, Callable[[Ctx], None]] = {}


def effect(name: Effect) -> Callable[[Callable[[Ctx], None]], Callable[[Ctx], None]]:
    """Register the store function of an effect (once: a second registration is a bug)."""

    def register(fn: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
        if name in REGISTRY:
            raise AssertionError(f"effect {name} registered twice")
        REGISTRY[name] = fn
        return fn

    return register


def resolve_entry(s: Session, ref: str) -> CatalogueEntry:
    """A catalogue entry by id (`12`) or by code (`DB-OPS`, its newest version)."""
    entry: CatalogueEntry | None = None
    if ref.isdigit():
        entry = s.get(CatalogueEntry, int(ref))
    if entry is None:
        entry = s.execute(
            select(CatalogueEntry)
            .where(col(CatalogueEntry.code) == ref)
            .order_by(col(CatalogueEntry.version).desc())
            .limit(1)
        ).scalar_one_or_none()
    if entry is None:
        raise FormInvalid.one("entry", "unknown_entry", f"no catalogue entry {ref!r}", entry=ref)
    return entry


def _version(s: Session, ag: Agreement, status: str) -> AgreementVersion | None:
    return s.execute(
        select(AgreementVersion)
        .where(
            col(AgreementVersion.agreement_id) == ag.id,
            col(AgreementVersion.status) == status,
        )
        .order_by(col(AgreementVersion.number).desc())
        .limit(1)
    ).scalar_one_or_none()


def _next_number(s: Session, ag: Agreement) -> int:
    n = s.execute(
        select(func.max(col(AgreementVersion.number))).where(
            col(AgreementVersion.agreement_id) == ag.id
        )
    ).scalar_one_or_none()
    return int(n or 0) + 1


def _draft(c: Ctx) -> None:
    v = c.values
    entry = resolve_entry(c.s, str(v["entry"]))
    start: date = v.get("start_date") or v["effective_from"]
    # a new draft replaces an unsigned one (negotiation goes on); signed versions stay
    c.s.execute(
        update(AgreementVersion)
        .where(
            col(AgreementVersion.agreement_id) == c.ag.id,
            col(AgreementVersion.status) == "draft",
        )
        .values(status="withdrawn")
    )
    number = _next_number(c.s, c.ag)
    c.doc_version = number
    c.s.add(
        AgreementVersion(
            agreement_id=c.ag.id,
            number=number,
            status="draft",
            catalogue_entry_id=entry.id,
            tier=int(v["tier"]),
            start_date=start,
            end_date=v["end_date"],
            price=v["price"],
            availability_pct=v["availability_pct"],
            review_cadence=str(v.get("review_cadence") or c.ag.review_cadence),
            created_step=c.d.action.id,
            created_at=c.now,
        )
    )


def _take_effect(c: Ctx, new: AgreementVersion) -> None:
    old = _version(c.s, c.ag, "in_effect")
    if old is not None and old.id != new.id:
        old.status = "superseded"
        c.s.add(old)
    new.status = "in_effect"
    c.s.add(new)
    c.ag.sla_version = new.number
    c.ag.tier = new.tier
    c.ag.start_date = c.ag.start_date if old is not None else new.start_date
    c.ag.end_date = new.end_date
    c.ag.review_cadence = new.review_cadence
    c.rec.sla_version = new.number


def _sign(c: Ctx) -> None:
    c.s.flush()
    draft = _version(c.s, c.ag, "draft")
    if draft is None:
        raise FormInvalid.one("__root__", "no_draft", "there is no SLA draft to sign")
    if c.d.action.id == ADDITIONAL_SIGNING and not takes_effect_at_signing(
        draft.start_date, c.now.astimezone(UTC).date()
    ):
        # the additional SLA waits for its effective date; the sweep switches (rule 9)
        draft.status = VersionStatus.SIGNED.value
        c.s.add(draft)
        c.rec.sla_version = draft.number
        return
    _take_effect(c, draft)


def _renew(c: Ctx) -> None:
    old = _version(c.s, c.ag, "in_effect")
    if old is None:
        raise FormInvalid.one("__root__", "no_sla", "there is no SLA in effect to renew")
    subject = c.d.action.approves
    if subject is None:  # a renewal: the end date is on this form
        end = c.values["service_end"]
    else:  # an approved extension: the end date the request named
        req = last_record(c.s, c.ag.id, subject)
        named = parse_form(ACTION_BY_ID[subject].form, req.data).model_dump() if req else {}
        end = named.get("service_end") or old.end_date
    if end <= old.end_date:
        raise FormInvalid.one(
            "service_end",
            "after_end",
            f"must be after the current end date ({old.end_date.isoformat()})",
            day=old.end_date.isoformat(),
        )
    new = AgreementVersion(
        agreement_id=c.ag.id,
        number=_next_number(c.s, c.ag),
        status="draft",
        catalogue_entry_id=old.catalogue_entry_id,
        tier=old.tier,
        start_date=old.start_date,
        end_date=end,
        price=old.price,
        availability_pct=old.availability_pct,
        review_cadence=old.review_cadence,
        created_step=c.d.action.id,
        created_at=c.now,
    )
    c.s.add(new)
    c.s.flush()
    _take_effect(c, new)


def last_record(s: Session, agreement_id: str, action: str) -> StepRecord | None:
    """The latest (not skipped) record of `action` on an agreement."""
    return s.execute(
        select(StepRecord)
        .where(
            col(StepRecord.agreement_id) == agreement_id,
            col(StepRecord.action) == action,
            col(StepRecord.skipped) == False,  # noqa: E712
        )
        .order_by(col(StepRecord.id).desc())
        .limit(1)
    ).scalar_one_or_none()


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
            status="active",
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
                col(SupplierContract.status) == "active",
            )
            .values(status="cancelled" if v["action"] == "cancel" else "changed")
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


def _olas(c: Ctx, lines: list[Any], *, version: int | None = None) -> None:
    for ln in lines:
        dept, text = (
            (ln["department"], ln["text"]) if isinstance(ln, dict) else (ln.department, ln.text)
        )
        c.s.add(
            OLA(
                agreement_id=c.ag.id,
                sla_version=version or c.ag.sla_version,
                step=c.d.action.step,
                department=dept,
                commitment=text,
                # C3's updates are agreed at C3 with the providers; M9's go to their signers
                status=OlaStatus.UNSIGNED if c.d.action.step == INITIATION else OlaStatus.SIGNED,
                signed_by=None if c.d.action.step == INITIATION else c.rec.actor,
                signed_at=None if c.d.action.step == INITIATION else c.now,
            )
        )


@effect(Effect.OLAS)
def _m9(c: Ctx) -> None:
    _olas(c, c.values["olas"])


@effect(Effect.OLA_UPDATES)
def _c3(c: Ctx) -> None:
    raw = c.values.get("ola_updates") or ""
    if raw:
        from pydantic import TypeAdapter, ValidationError

        from bot.flows.forms import field_problems

        try:
            lines = TypeAdapter(DeptLines).validate_python(raw)
        except ValidationError as exc:
            problem = field_problems(exc).popitem()[1]
            raise FormInvalid(
                {"ola_updates": problem.english}, problems={"ola_updates": problem}
            ) from None
        draft = _version(c.s, c.ag, VersionStatus.DRAFT.value)
        # the OLA changes belong to the additional SLA being signed (rule 9)
        _olas(c, [ln.model_dump() for ln in lines], version=draft.number if draft else None)


@effect(Effect.SUPERSEDE_REJECTED_OLAS)
def _supersede_rejected_olas(c: Ctx) -> None:
    """A rejected initiation round's OLAs are superseded (the owner writes new ones)."""
    if c.values["decision"] == "reject":
        c.s.execute(
            update(OLA)
            .where(
                col(OLA.agreement_id) == c.ag.id,
                col(OLA.step) == ACTION_BY_ID[c.d.action.approves or INITIATION].step,
                col(OLA.status).in_(CURRENT),
            )
            .values(status="superseded")
        )


@effect(Effect.APPROVAL)
def _approval(c: Ctx) -> None:
    subject = c.d.action.approves
    rec = last_record(c.s, c.ag.id, subject) if subject else None
    c.s.add(
        Approval(
            agreement_id=c.ag.id,
            step=c.d.action.id,
            subject_record_id=rec.id if rec else None,
            decision=c.values["decision"],
            reason=c.values.get("reason", ""),
            approver=c.rec.actor,
            at=c.now,
        )
    )


def _review(c: Ctx) -> None:
    v = c.values
    rv = Review(
        agreement_id=c.ag.id,
        step=c.d.action.id,
        period_start=v.get("period_start"),
        period_end=v.get("period_end"),
        data=c.d.form.model_dump(mode="json"),
        actor=c.rec.actor,
        at=c.now,
    )
    c.s.add(rv)
    c.s.flush()
    assert rv.id is not None
    for text in v.get("improvements", []):
        c.s.add(ImprovementAction(agreement_id=c.ag.id, review_id=rv.id, description=text))
    for text in v.get("changes", []):
        c.s.add(
            ImprovementAction(
                agreement_id=c.ag.id, review_id=rv.id, description=text, needs_change=True
            )
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
            col(SupplierContract.status) == "active",
        )
        .values(status="released")
    )


def m9_budget(s: Session, agreement_id: str) -> Decimal | None:
    """The budget of the approved (latest) initiation report (M9)."""
    rec = last_record(s, agreement_id, INITIATION)
    if rec is None or rec.data.get("budget") in (None, ""):
        return None
    return Decimal(str(rec.data["budget"]))


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


@effect(Effect.ARCHIVE)
def _t7(c: Ctx) -> None:
    """Archive: the SLA versions, proposal, OLAs and supplier contracts, by id.

    No version stays in effect after the archive (issue 9, rule 10)."""
    ag_id = c.ag.id
    c.s.execute(
        update(AgreementVersion)
        .where(
            col(AgreementVersion.agreement_id) == ag_id,
            col(AgreementVersion.status).in_([st.value for st in OPEN_STATUSES]),
        )
        .values(status="archived")
    )
    versions = c.s.execute(
        select(col(AgreementVersion.number), col(AgreementVersion.status))
        .where(col(AgreementVersion.agreement_id) == ag_id)
        .order_by(col(AgreementVersion.number))
    ).all()
    from store.models import Document

    docs = c.s.execute(
        select(
            col(Document.id),
            col(Document.kind),
            col(Document.title),
            col(Document.step),
            col(Document.record_id),
        )
        .where(
            col(Document.agreement_id) == ag_id,
            col(Document.kind).in_(
                [
                    "sla",
                    "additional_sla",
                    "signed_contract",
                    "proposal",
                    "ola",
                    "supplier_contract",
                ]
            ),
        )
        .order_by(col(Document.id))
    ).all()
    olas = c.s.execute(
        select(col(OLA.department), col(OLA.sla_version))
        .where(col(OLA.agreement_id) == ag_id, col(OLA.status).in_(CURRENT))
        .order_by(col(OLA.id))
    ).all()
    current_m9 = last_record(c.s, ag_id, INITIATION)
    docs = [
        d
        for d in docs
        if not (d[1] == "ola" and d[3] == INITIATION and current_m9 and d[4] != current_m9.id)
    ]
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


@effect(Effect.START_REVIEW_CLOCKS)
def _m10(c: Ctx) -> None:
    """The review clocks start when the service goes live."""
    from bot.flows.reminders import next_review
    from bot.flows.tiers import Cadence

    live = c.values["live_on"]
    c.ag.next_review_on = next_review(live, Cadence(c.ag.review_cadence).months)
    c.ag.next_sla_review_on = next_review(live, 12)


@effect(Effect.PERFORMANCE_REVIEW)
def _m11(c: Ctx) -> None:
    from bot.flows.reminders import next_review
    from bot.flows.tiers import Cadence

    _review(c)
    c.ag.next_review_on = next_review(c.values["period_end"], Cadence(c.ag.review_cadence).months)


@effect(Effect.SLA_REVIEW)
def _m12(c: Ctx) -> None:
    from bot.flows.reminders import next_review

    _review(c)
    c.ag.next_sla_review_on = next_review(c.now.date(), 12)


@effect(Effect.WITHDRAW_CHANGE_DRAFT)
def _withdraw_change(c: Ctx) -> None:
    """M13.withdraw: the unsigned additional SLA (C2's draft) is withdrawn with the change."""
    c.s.execute(
        update(AgreementVersion)
        .where(
            col(AgreementVersion.agreement_id) == c.ag.id,
            col(AgreementVersion.status) == "draft",
        )
        .values(status="withdrawn")
    )


VERSION_EFFECTS: dict[VersionEffect, Callable[[Ctx], None]] = {
    VersionEffect.DRAFT: _draft,
    VersionEffect.SIGN: _sign,
    VersionEffect.RENEW: _renew,
}


def apply_effects(c: Ctx) -> None:
    for effect in c.d.action.effects:
        REGISTRY[effect](c)
    if c.d.version is not None:
        VERSION_EFFECTS[c.d.version](c)


# effects implemented in modules of their own register on import
# the effects of rules 6 and 7 live in their own modules (registered on import)
from store import acknowledgements, ola_signatures  # noqa: E402, F401
from store import catalogue_facts as _catalogue_facts  # noqa: E402, F401
from store import feasibility_effect as _feasibility_effect  # noqa: E402, F401
from store import measure_effect as _measure_effect  # noqa: E402, F401
