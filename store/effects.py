"""What each action writes besides its step record: versions, OLAs, contracts, approvals...

`apply_effects` is called inside the use case's transaction, after `decide` (bot.flows.machine)
has accepted the action. Each function here reads the validated form; none commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from bot.flows.behaviour import Effect
from bot.flows.errors import FormInvalid
from bot.flows.machine import Decision
from bot.flows.process import (
    INITIATION,
    VersionEffect,
)
from store.models import (
    Agreement,
    CatalogueEntry,
    StepRecord,
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


_LAST_RECORD = (
    select(StepRecord)
    .where(
        col(StepRecord.agreement_id) == bindparam("ag"),
        col(StepRecord.action) == bindparam("action"),
        col(StepRecord.skipped) == False,  # noqa: E712
    )
    .order_by(col(StepRecord.id).desc())
    .limit(1)
)


def last_record(s: Session, agreement_id: str, action: str) -> StepRecord | None:
    """The latest (not skipped) record of `action` on an agreement."""
    return s.execute(_LAST_RECORD, {"ag": agreement_id, "action": action}).scalar_one_or_none()


def m9_budget(s: Session, agreement_id: str) -> Decimal | None:
    """The budget of the approved (latest) initiation report (M9)."""
    rec = last_record(s, agreement_id, INITIATION)
    if rec is None or rec.data.get("budget") in (None, ""):
        return None
    return Decimal(str(rec.data["budget"]))


#: what an action does to the SLA versions (store.version_effects registers them)
VERSION_EFFECTS: dict[VersionEffect, Callable[[Ctx], None]] = {}


def version_effect(kind: VersionEffect) -> Callable[[Callable[[Ctx], None]], Callable[[Ctx], None]]:
    """Register the store function of a version effect (once)."""

    def register(fn: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
        if kind in VERSION_EFFECTS:
            raise AssertionError(f"version effect {kind} registered twice")
        VERSION_EFFECTS[kind] = fn
        return fn

    return register


def apply_effects(c: Ctx) -> None:
    for effect in c.d.action.effects:
        REGISTRY[effect](c)
    if c.d.version is not None:
        VERSION_EFFECTS[c.d.version](c)


# effects implemented in modules of their own register on import
from store import (  # noqa: E402, F401
    acknowledgements,
    closing_effects,
    contract_effects,
    ola_effects,
    ola_signatures,
    review_effects,
    version_effects,
)
from store import catalogue_facts as _catalogue_facts  # noqa: E402, F401
from store import feasibility_effect as _feasibility_effect  # noqa: E402, F401
from store import measure_effect as _measure_effect  # noqa: E402, F401
