"""What a document is rendered from: the agreement's whole context at the moment it is issued.

`load_facts` reads it once per step (inside the step's transaction); `context_for` turns it
into the template context of one document in one language. Pure data in, dicts out: the
templates under `templates/documents/` name every key they use (StrictUndefined).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from bot.documents.hours import service_hours
from bot.flows.documents import DocKind, DocStatus, doc_name
from bot.flows.forms import UI, ui_of
from bot.flows.process import ACTION_BY_ID, CATALOGUE_STEP, CATALOGUE_UPDATE, STEP_BY_ID
from bot.flows.roles import Role
from bot.flows.tiers import CADENCE_LABELS, Tier
from store.db import DEFAULT_TZ
from store.models import (
    OLA,
    Agreement,
    AgreementVersion,
    CatalogueEntry,
    Customer,
    Document,
    StepRecord,
    SupplierContract,
)
from store.roles import roles_of


@dataclass
class Facts:
    """Everything about one agreement that documents may quote (locale-independent)."""

    agreement: dict[str, Any]
    customer: dict[str, Any]
    versions: list[dict[str, Any]]
    entries: dict[int, dict[str, Any]]
    #: action id -> the data of its latest (not skipped) record
    records: dict[str, dict[str, Any]]
    #: action id -> who did it last
    actors: dict[str, str]
    #: (role, user, [steps]) in the order people first acted
    people: list[tuple[Role, str, list[str]]]
    olas: list[dict[str, Any]]
    suppliers: list[dict[str, Any]]
    #: the catalogue entries offered (M3, C1): the newest version of each code
    catalogue: list[dict[str, Any]] = field(default_factory=list)
    #: kind -> numbers of its documents so far, oldest first
    numbers: dict[str, list[str]] = field(default_factory=dict)
    #: documents issued so far (number, kind, title, status, version), oldest first
    documents: list[dict[str, Any]] = field(default_factory=list)
    #: the company's time zone (SLM_TIMEZONE): the service hours are stated in it
    timezone: str = DEFAULT_TZ


def _row(obj: Any, *names: str) -> dict[str, Any]:
    return {n: getattr(obj, n) for n in names}


def _entry_row(e: CatalogueEntry) -> dict[str, Any]:
    return _row(e, "code", "version", "name", "name_zh", "description", "tier", "price") | {
        "availability_pct": e.availability_pct,
        "targets": dict(e.targets),
    }


def _people(s: Session, records: list[StepRecord]) -> list[tuple[Role, str, list[str]]]:
    held: dict[str, set[Role]] = {}
    seen: dict[tuple[Role, str], list[str]] = {}
    for r in records:
        act = ACTION_BY_ID.get(r.action)
        if act is None or act.system or r.skipped:
            continue
        if r.actor not in held:
            held[r.actor] = roles_of(s, r.actor)
        role = next((x for x in act.roles if x in held[r.actor]), act.roles[0])
        steps = seen.setdefault((role, r.actor), [])
        if r.step not in steps:
            steps.append(r.step)
    return [(role, user, steps) for (role, user), steps in seen.items()]


_AGREEMENT_FIELDS = (
    "id",
    "title",
    "status",
    "sla_version",
    "tier",
    "start_date",
    "end_date",
    "review_cadence",
    "sales_user",
    "owner",
)
_VERSION_FIELDS = (
    "number",
    "status",
    "catalogue_entry_id",
    "tier",
    "start_date",
    "end_date",
    "price",
    "availability_pct",
    "review_cadence",
    "created_step",
)
_SUPPLIER_FIELDS = ("supplier", "contract_no", "scope", "start_date", "end_date", "cost", "status")


def load_facts(s: Session, ag: Agreement) -> Facts:
    """Read the agreement's context (one query per table; flushed ORM rows included)."""
    cust = s.get(Customer, ag.customer_id)
    versions = (
        s.execute(
            select(AgreementVersion)
            .where(col(AgreementVersion.agreement_id) == ag.id)
            .order_by(col(AgreementVersion.number))
        )
        .scalars()
        .all()
    )
    entries = _entries_of(s, {v.catalogue_entry_id for v in versions if v.catalogue_entry_id})
    records = list(
        s.execute(
            select(StepRecord)
            .where(col(StepRecord.agreement_id) == ag.id)
            .order_by(col(StepRecord.id))
        ).scalars()
    )
    docs = s.execute(
        select(Document).where(col(Document.agreement_id) == ag.id).order_by(col(Document.id))
    ).scalars()
    facts = Facts(
        timezone=str(s.info.get("timezone") or DEFAULT_TZ),
        agreement=_row(ag, *_AGREEMENT_FIELDS),
        customer={"name": cust.name if cust else "", "contact": cust.contact if cust else ""},
        versions=[_row(v, *_VERSION_FIELDS) for v in versions],
        entries=entries,
        records={r.action: dict(r.data) for r in records if not r.skipped},
        actors={r.action: r.actor for r in records if not r.skipped},
        people=_people(s, records),
        olas=_olas(s, ag),
        suppliers=_suppliers(s, ag),
    )
    _add_catalogue(s, facts)
    for d in docs:
        facts.numbers.setdefault(d.kind, []).append(d.number)
        facts.documents.append(_row(d, "number", "kind", "title", "status", "version", "subject"))
    return facts


def _entries_of(s: Session, entry_ids: set[int]) -> dict[int, dict[str, Any]]:
    """The catalogue entries the SLA versions name, by id."""
    entries: dict[int, dict[str, Any]] = {}
    if entry_ids:
        for e in s.execute(
            select(CatalogueEntry).where(col(CatalogueEntry.id).in_(entry_ids))
        ).scalars():
            assert e.id is not None
            entries[e.id] = _entry_row(e)
    return entries


def _olas(s: Session, ag: Agreement) -> list[dict[str, Any]]:
    return [
        _row(o, "department", "commitment", "sla_version", "step")
        for o in s.execute(
            select(OLA).where(col(OLA.agreement_id) == ag.id).order_by(col(OLA.id))
        ).scalars()
    ]


def _suppliers(s: Session, ag: Agreement) -> list[dict[str, Any]]:
    return [
        _row(c, *_SUPPLIER_FIELDS)
        for c in s.execute(
            select(SupplierContract)
            .where(col(SupplierContract.agreement_id) == ag.id)
            .order_by(col(SupplierContract.id))
        ).scalars()
    ]


def _add_catalogue(s: Session, facts: Facts) -> None:
    """The newest version of each catalogue entry M3 and C1 recorded, in their order."""
    codes = [
        str(c)
        for a in (CATALOGUE_STEP, CATALOGUE_UPDATE)
        for c in facts.records.get(a, {}).get("entries", [])
    ]
    if codes:
        newest: dict[str, dict[str, Any]] = {}
        for e in s.execute(
            select(CatalogueEntry)
            .where(col(CatalogueEntry.code).in_(codes))
            .order_by(col(CatalogueEntry.version))
        ).scalars():
            newest[e.code] = _entry_row(e)
        facts.catalogue = [newest[c] for c in dict.fromkeys(codes) if c in newest]


def _version_ctx(facts: Facts, number: int, locale: str) -> dict[str, Any] | None:
    """The SLA version `number` (or the newest one) with its tier, hours and entry."""
    vs = [v for v in facts.versions if v["number"] == number] or facts.versions[-1:]
    if not vs:
        return None
    v = vs[0]
    zh = locale == "zh-CN"
    cadence = CADENCE_LABELS.get(v["review_cadence"], (v["review_cadence"],) * 2)
    return v | {
        "tier_label": Tier(v["tier"]).label(locale),
        "hours": service_hours(v["tier"], locale, facts.timezone),
        "cadence": cadence[1] if zh else cadence[0],
        "entry": _entry_ctx(facts.entries.get(v["catalogue_entry_id"] or -1), locale),
    }


def _entry_ctx(e: dict[str, Any] | None, locale: str) -> dict[str, Any] | None:
    if e is None:
        return None
    name = e["name_zh"] if locale == "zh-CN" and e["name_zh"] else e["name"]
    targets = [
        {
            "priority": p,
            "response_min": t.get("response_min", "-"),
            "resolution_min": t.get("resolution_min", "-"),
        }
        for p, t in sorted(e["targets"].items())
        if isinstance(t, dict)
    ]
    return e | {"label": name, "target_rows": targets}


def _ui(action: str, name: str) -> UI | None:
    info = ACTION_BY_ID[action].form.model_fields.get(name)
    try:
        return ui_of(info) if info is not None else None
    except LookupError:  # fields the scheduler fills (T2.deem) have no labels
        return None


def _field_label(action: str, name: str, locale: str) -> str:
    ui = _ui(action, name)
    return ui.label(locale) if ui else name


def _choice(action: str, name: str, value: Any, locale: str) -> str:
    """A choice's label (`expiry` -> `Expiry without renewal`), else the value itself."""
    ui = _ui(action, name)
    for v, en, zh in ui.choices if ui else ():
        if v == str(value):
            return zh if locale == "zh-CN" else en
    return str(value)


@dataclass(frozen=True)
class DocHead:
    """The issued document's identity (what its header says)."""

    kind: DocKind
    number: str
    version: int
    subject: str
    status: DocStatus
    issued_on: date
    step: str
    action: str
    actor: str
    sla_version: int


def context_for(
    facts: Facts, head: DocHead, data: dict[str, Any], form: dict[str, Any], locale: str
) -> dict[str, Any]:
    """The template context of one document in one language."""
    zh = locale == "zh-CN"
    tier = facts.agreement["tier"]
    step = STEP_BY_ID[head.step]
    return {
        "doc": {
            "kind": head.kind.value,
            "name": doc_name(head.kind, head.status, locale),
            "number": head.number,
            "version": head.version,
            "subject": head.subject,
            "status": head.status.label(locale),
            "issued_on": head.issued_on,
            "step": step.title(locale),
            "actor": head.actor,
            "action": head.action,
        },
        "label": lambda name: _field_label(head.action, name, locale),
        "choice": lambda name, value: _choice(head.action, name, value, locale),
        "agreement": facts.agreement
        | {
            "tier_label": Tier(tier).label(locale) if tier else "-",
            "hours": service_hours(tier, locale, facts.timezone) if tier else "-",
        },
        "customer": facts.customer,
        "sla": _version_ctx(facts, head.sla_version, locale),
        "versions": facts.versions,
        "records": facts.records,
        "actors": facts.actors,
        "people": [
            {"role": r.label(locale), "user": u, "steps": ", ".join(st)}
            for r, u, st in facts.people
        ],
        "catalogue": [_entry_ctx(e, locale) for e in facts.catalogue],
        "olas": facts.olas,
        "suppliers": facts.suppliers,
        "number_of": lambda kind: (facts.numbers.get(kind) or ["-"])[-1],
        "documents": facts.documents,
        "data": data,
        "form": form,
        "fields": [
            {
                "label": _field_label(head.action, k, locale),
                "value": _choice(head.action, k, v, locale),
            }
            for k, v in form.items()
        ],
        "zh": zh,
    }
