"""What a document is rendered from, read from the database: the agreement's whole context at
the moment it is issued (`Facts`).

`load_facts` runs inside the step's transaction, after the step's rows are flushed, so the
documents quote what the step wrote. It is on every transition's path: each table is read
once with a Core statement built at import (compiled once, no ORM bookkeeping), and the roles
of everyone who acted come in one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BindParameter, bindparam, or_, select
from sqlmodel import Session

from bot.flows.process import ACTION_BY_ID, CATALOGUE_STEP, CATALOGUE_UPDATE
from bot.flows.roles import Role
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
    table_of,
)
from store.roles import roles_of_many


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


AGREEMENT_FIELDS = (
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
_OLA_FIELDS = ("department", "commitment", "sla_version", "step")
_DOC_FIELDS = ("number", "kind", "title", "status", "version", "subject")
_ENTRY_FIELDS = (
    "id",
    "code",
    "version",
    "name",
    "name_zh",
    "description",
    "tier",
    "price",
    "availability_pct",
    "targets",
)

_CUST, _VER, _ENT = table_of(Customer), table_of(AgreementVersion), table_of(CatalogueEntry)
_REC, _DOC, _OLA = table_of(StepRecord), table_of(Document), table_of(OLA)
_SUP = table_of(SupplierContract)
_AG: BindParameter[str] = bindparam("ag")

_CUSTOMER = select(_CUST.c.name, _CUST.c.contact).where(_CUST.c.id == bindparam("id"))
_VERSIONS = (
    select(*(_VER.c[n] for n in _VERSION_FIELDS))
    .where(_VER.c.agreement_id == _AG)
    .order_by(_VER.c.number)
)
#: the entries the SLA versions name (by id) and those M3 and C1 offered (by code), at once
_ENTRIES = (
    select(*(_ENT.c[n] for n in _ENTRY_FIELDS))
    .where(
        or_(
            _ENT.c.id.in_(bindparam("ids", expanding=True)),
            _ENT.c.code.in_(bindparam("codes", expanding=True)),
        )
    )
    .order_by(_ENT.c.version)
)
_RECORDS = (
    select(_REC.c.action, _REC.c.step, _REC.c.actor, _REC.c.data)
    .where(_REC.c.agreement_id == _AG, _REC.c.skipped.is_(False))
    .order_by(_REC.c.id)
)
_DOCUMENTS = (
    select(*(_DOC.c[n] for n in _DOC_FIELDS)).where(_DOC.c.agreement_id == _AG).order_by(_DOC.c.id)
)
_OLAS = (
    select(*(_OLA.c[n] for n in _OLA_FIELDS)).where(_OLA.c.agreement_id == _AG).order_by(_OLA.c.id)
)
_SUPPLIERS = (
    select(*(_SUP.c[n] for n in _SUPPLIER_FIELDS))
    .where(_SUP.c.agreement_id == _AG)
    .order_by(_SUP.c.id)
)


def load_facts(s: Session, ag: Agreement) -> Facts:
    """Read the agreement's context (one query per table; flushed ORM rows included)."""
    conn = s.connection()
    at = {"ag": ag.id}
    cust = conn.execute(_CUSTOMER, {"id": ag.customer_id}).mappings().first()
    versions = [dict(v) for v in conn.execute(_VERSIONS, at).mappings()]
    records = list(conn.execute(_RECORDS, at).mappings())
    by_action = {r["action"]: dict(r["data"]) for r in records}
    ids = {v["catalogue_entry_id"] for v in versions if v["catalogue_entry_id"]}
    codes = offered_codes(by_action)
    named = {"ids": list(ids), "codes": codes}
    entries = _entries(conn.execute(_ENTRIES, named)) if ids or codes else []
    facts = Facts(
        timezone=str(s.info.get("timezone") or DEFAULT_TZ),
        agreement={n: getattr(ag, n) for n in AGREEMENT_FIELDS},
        customer={"name": cust["name"], "contact": cust["contact"]}
        if cust
        else {"name": "", "contact": ""},
        versions=versions,
        entries={e["id"]: entry_row(e) for e in entries if e["id"] in ids},
        records=by_action,
        actors={r["action"]: r["actor"] for r in records},
        people=_people(s, records),
        olas=[dict(o) for o in conn.execute(_OLAS, at).mappings()],
        suppliers=[dict(c) for c in conn.execute(_SUPPLIERS, at).mappings()],
    )
    facts.catalogue = _newest(entries, codes)
    for d in conn.execute(_DOCUMENTS, at).mappings():
        facts.numbers.setdefault(d["kind"], []).append(d["number"])
        facts.documents.append(dict(d))
    return facts


def _entries(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Catalogue entries as the templates read them (`id` kept out of the context)."""
    out = []
    for r in rows:
        e = dict(r._mapping)
        e["targets"] = dict(e["targets"] or {})
        out.append(e)
    return out


def entry_row(e: Mapping[str, Any]) -> dict[str, Any]:
    """One catalogue entry's facts (without its database id)."""
    return {k: v for k, v in e.items() if k != "id"}


def _people(s: Session, records: list[Any]) -> list[tuple[Role, str, list[str]]]:
    """Who acted, in the role they acted in, in the order they first acted."""
    acting = [r for r in records if (a := ACTION_BY_ID.get(r["action"])) and not a.system]
    held = roles_of_many(s, (r["actor"] for r in acting))
    seen: dict[tuple[Role, str], list[str]] = {}
    for r in acting:
        act = ACTION_BY_ID[r["action"]]
        role = next((x for x in act.roles if x in held[r["actor"]]), act.roles[0])
        steps = seen.setdefault((role, r["actor"]), [])
        if r["step"] not in steps:
            steps.append(r["step"])
    return [(role, user, steps) for (role, user), steps in seen.items()]


def offered_codes(records: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The catalogue codes M3 and C1 recorded, in their order."""
    return [
        str(c)
        for a in (CATALOGUE_STEP, CATALOGUE_UPDATE)
        for c in records.get(a, {}).get("entries", [])
    ]


def _newest(entries: list[dict[str, Any]], codes: list[str]) -> list[dict[str, Any]]:
    """The newest version of each offered entry (`entries` are oldest first), in `codes`'s
    order."""
    newest = {e["code"]: entry_row(e) for e in entries if e["code"] in codes}
    return [newest[c] for c in dict.fromkeys(codes) if c in newest]
