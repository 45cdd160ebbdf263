"""What the catalogue rules (bot.flows.catalogue_rules) need from the database, read in the
use case's transaction: the newest version of every entry, and what M3 / C1 offered."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from bot.flows.behaviour import Effect
from bot.flows.catalogue_rules import (
    DEVIATIONS,
    NEEDS_CATALOGUE,
    OFFERING,
    CatalogueFacts,
    Entry,
    check_catalogue,
)
from store.catalogue import current_entries
from store.effects import Ctx, effect, last_record
from store.models import Agreement, CatalogueEntry


def _entry(e: CatalogueEntry) -> Entry:
    return Entry(
        code=e.code,
        version=e.version,
        tier=e.tier,
        price=Decimal(str(e.price)),
        availability_pct=Decimal(str(e.availability_pct)),
        active=e.active,
        targets=dict(e.targets or {}),
    )


def entries(s: Session) -> dict[str, Entry]:
    """The newest version of every entry (inactive ones too), by code."""
    return {e.code: _entry(e) for e in current_entries(s, include_inactive=True)}


def offered(s: Session, agreement_id: str, action_id: str) -> tuple[str, ...]:
    """The codes the offering step of `action_id` (M4: M3, C2: C1) offered."""
    offering = OFFERING.get(action_id)
    if offering is None:
        return ()
    rec = last_record(s, agreement_id, offering)  # C1: the running change's (the latest)
    return tuple(str(c) for c in (rec.data.get("entries") or [])) if rec else ()


def catalogue_facts(s: Session, ag: Agreement, action_id: str) -> CatalogueFacts | None:
    if action_id not in NEEDS_CATALOGUE:
        return None
    return CatalogueFacts(entries=entries(s), offered=offered(s, ag.id, action_id))


def offered_entries(s: Session, agreement_id: str, action_id: str) -> list[Entry]:
    """The active entries a draft may pick from (in the order offered)."""
    known = entries(s)
    codes = offered(s, agreement_id, action_id)
    return [known[c] for c in codes if c in known and known[c].active]


@effect(Effect.CATALOGUE_DEVIATIONS)
def _deviations(c: Ctx) -> None:
    """M4 and C2: the draft's deviations from its catalogue entry, kept on the step record
    (the thread reply and `show` name them with both values)."""
    facts = catalogue_facts(c.s, c.ag, c.d.action.id)
    found = check_catalogue(c.d.action.id, c.values, facts)
    c.record_extra[DEVIATIONS] = [d.as_json() for d in found]
