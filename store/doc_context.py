"""A document's template context: `store.doc_facts.load_facts` reads the agreement's whole
context once per step (inside the step's transaction); `context_for` turns it into the
template context of one document in one language. Pure data in, dicts out: the
templates under `templates/documents/` name every key they use (StrictUndefined).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.documents.hours import service_hours
from bot.flows.documents import DocKind, DocStatus, doc_name
from bot.flows.forms import UI, ui_of
from bot.flows.process import ACTION_BY_ID, STEP_BY_ID
from bot.flows.tiers import CADENCE_LABELS, Tier
from store.doc_facts import Facts


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
