"""The catalogue is real (issue 9, rule 8): pure checks of M3, C1, M4 and C2 against it.

M3 (and C1 in a change) offers existing, active catalogue entries; M4 (and C2) picks one of
the entries offered, and what the draft promises is compared with the entry: a lower price,
a stricter availability target or another tier is a deviation, flagged in the step's thread.
The store supplies the facts (the newest version of each entry, what was offered).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.flows.errors import FormInvalid
from bot.flows.process import ADDITIONAL_DRAFTING, CATALOGUE_STEP, CATALOGUE_UPDATE, SLA_DRAFTING
from bot.flows.target_lines import as_lines

#: the steps that offer entries, and the drafting step that picks from each one's offer
OFFERING: dict[str, str] = {SLA_DRAFTING: CATALOGUE_STEP, ADDITIONAL_DRAFTING: CATALOGUE_UPDATE}
#: every action whose checks need the catalogue
NEEDS_CATALOGUE = frozenset({CATALOGUE_STEP, CATALOGUE_UPDATE, *OFFERING})
#: the step record key that keeps a draft's deviations from its entry
DEVIATIONS = "catalogue_deviations"


@dataclass(frozen=True)
class Entry:
    """The newest version of a catalogue entry."""

    code: str
    version: int
    tier: int
    price: Decimal
    availability_pct: Decimal
    active: bool
    #: response/resolution per priority (`{"P1": {"response_min": 15, ...}}`)
    targets: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CatalogueFacts:
    """The catalogue by code, and the codes the offering step (M3 or C1) offered."""

    entries: Mapping[str, Entry] = field(default_factory=dict)
    offered: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deviation:
    """A drafted value that departs from the catalogue's in the customer's favour or by tier."""

    field: str
    catalogue: str
    drafted: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "catalogue": self.catalogue, "drafted": self.drafted}


def _usable(name: str, code: str, facts: CatalogueFacts) -> Entry:
    entry = facts.entries.get(code)
    if entry is None:
        raise FormInvalid.one(name, "unknown_entry", f"no catalogue entry {code!r}", entry=code)
    if not entry.active:
        raise FormInvalid.one(
            name, "inactive_entry", f"catalogue entry {code!r} is no longer offered", entry=code
        )
    return entry


def check_offer(values: Mapping[str, Any], facts: CatalogueFacts) -> None:
    """M3 and C1: every entry offered exists in the catalogue and is active."""
    for code in values.get("entries") or ():
        _usable("entries", str(code), facts)


def check_pick(values: Mapping[str, Any], facts: CatalogueFacts, offering: str) -> Entry:
    """M4 and C2: the entry is one the offering step offered, and still active."""
    code = str(values.get("entry") or "")
    if code not in facts.entries:
        return _usable("entry", code, facts)  # unknown: said as such
    if facts.offered and code not in facts.offered:
        raise FormInvalid.one(
            "entry",
            "entry_not_offered",
            f"{code!r} was not offered at {offering} (offered: {', '.join(facts.offered)})",
            entry=code,
            step=offering,
            offered=", ".join(facts.offered),
        )
    return _usable("entry", code, facts)


def deviations(entry: Entry, values: Mapping[str, Any]) -> list[Deviation]:
    """What the draft promises beyond the catalogue: a lower price, a stricter (higher)
    availability target, another tier."""
    out: list[Deviation] = []
    tier = values.get("tier")
    if tier is not None and int(str(tier)) != entry.tier:
        out.append(Deviation("tier", str(entry.tier), str(int(str(tier)))))
    price = values.get("price")
    if price is not None and Decimal(str(price)) < entry.price:
        out.append(Deviation("price", _num(entry.price), _num(Decimal(str(price)))))
    avail = values.get("availability_pct")
    if avail is not None and Decimal(str(avail)) > entry.availability_pct:
        out.append(
            Deviation("availability_pct", _num(entry.availability_pct), _num(Decimal(str(avail))))
        )
    return out


def _num(d: Decimal) -> str:
    """A decimal as people write it: 120000, 99.9 (no exponent, no trailing zeros)."""
    return format(d.normalize(), "f")


def check_catalogue(
    action_id: str, values: Mapping[str, Any], facts: CatalogueFacts | None
) -> list[Deviation]:
    """The catalogue checks of an action; the deviations of a draft (empty otherwise)."""
    if facts is None or action_id not in NEEDS_CATALOGUE:
        return []
    if action_id in OFFERING:
        return deviations(check_pick(values, facts, OFFERING[action_id]), values)
    check_offer(values, facts)
    return []


def prefill(entry: Entry) -> dict[str, str]:
    """A draft's fields as the entry gives them (M4 and C2 start from the catalogue)."""
    return {
        "entry": entry.code,
        "tier": str(entry.tier),
        "price": _num(entry.price),
        "availability_pct": _num(entry.availability_pct),
        "targets": as_lines(entry.targets),
    }
