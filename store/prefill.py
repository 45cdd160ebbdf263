"""What a step's modal opens with (`modal_start`, one read for the handler that opens it): the
active catalogue (M3, C1), the entries the offering step offered (M4, C2), and defaults from
what earlier steps recorded, as each action declares (`Action.prefill`): M4 from M1's request,
M10 from M9's budget, M11 from the measured period, C2 from the SLA in effect, a redraft from
the draft it replaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.flows.behaviour import Prefill
from bot.flows.catalogue_rules import OFFERING, Entry
from bot.flows.process import ACTION_BY_ID, ENTRY
from store.catalogue import current_entries
from store.catalogue_facts import offered_entries
from store.db import Database
from store.effects import last_record, m9_budget
from store.measure_prefill import review_defaults
from store.models import Agreement
from store.zone import session_country, session_zone


@dataclass(frozen=True)
class CatalogueChoice:
    """An active catalogue entry as a modal offers it."""

    code: str
    name: str
    name_zh: str
    tier: int


@dataclass(frozen=True)
class ModalStart:
    """What a step's modal opens with: the active catalogue (M3, C1), the entries the
    offering step offered (M4, C2), and the initial values from earlier steps."""

    active: list[CatalogueChoice]
    offered: list[Entry]
    initial: dict[str, Any]
    #: `initial` is the draft a redraft replaces: its negotiated values win over the entry's
    from_draft: bool = False


def modal_start(
    db: Database, *, agreement_id: str | None, action: str, now: datetime, locale: str
) -> ModalStart:
    """One read: everything a step's modal needs before it opens."""
    with db.read() as s:
        active = [CatalogueChoice(e.code, e.name, e.name_zh, e.tier) for e in current_entries(s)]
        offer: list[Entry] = []
        if agreement_id and action in OFFERING:
            offer = offered_entries(s, agreement_id, action)
        initial = _initial(s, agreement_id, action, now, locale) if agreement_id else {}
        from_draft = bool(
            agreement_id
            and ACTION_BY_ID[action].redraft_while
            and last_record(s, agreement_id, action)
        )
    return ModalStart(active=active, offered=offer, initial=initial, from_draft=from_draft)


def _initial(
    s: Session, agreement_id: str, action: str, now: datetime, locale: str
) -> dict[str, Any]:
    """The modal's initial values for `action` on an agreement."""
    declared = ACTION_BY_ID[action]
    if declared.redraft_while:  # a redraft starts from the previous draft
        rec = last_record(s, agreement_id, action)
        if rec:
            return dict(rec.data)
    if declared.prefill is Prefill.REQUEST:
        rec = last_record(s, agreement_id, ENTRY)
        if rec:
            return {k: rec.data[k] for k in ("tier", "start_date", "end_date") if k in rec.data}
    if declared.prefill is Prefill.BUDGET:
        budget = m9_budget(s, agreement_id)
        return {} if budget is None else {"planned_cost": budget}
    if declared.prefill is Prefill.MEASURED:
        return review_defaults(
            s,
            agreement_id,
            now=now,
            tz=session_zone(s),
            country=session_country(s),
            locale=locale,
        )
    if declared.prefill is Prefill.AGREEMENT:
        ag = s.get(Agreement, agreement_id)
        if ag and ag.end_date:
            return {"tier": str(ag.tier or 3), "end_date": ag.end_date.isoformat()}
    return {}
