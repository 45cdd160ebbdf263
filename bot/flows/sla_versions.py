"""The additional SLA takes effect on its date (issue 9, rule 9): pure rules of SLA versions.

C3 signs the additional SLA drafted at C2. Signed on or after its effective date (UTC) it takes
effect at once; signed before, it waits (`signed`) and the version in effect stays in effect
until the sweep switches on the effective date (the local day in the bot's time zone): one
transaction, audited under C3, exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from bot.flows.process import ADDITIONAL_SIGNING


class VersionStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"  # signed (C3), waiting for its effective date
    IN_EFFECT = "in_effect"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"
    ARCHIVED = "archived"


#: the audit action of the switch (its step is C3, whose signature it carries out)
SWITCH_STEP = ADDITIONAL_SIGNING
SWITCH_ACTION = f"{ADDITIONAL_SIGNING}.in_effect"
#: statuses that no longer take part in the agreement's story after T7
OPEN_STATUSES = (VersionStatus.IN_EFFECT, VersionStatus.DRAFT, VersionStatus.SIGNED)


def takes_effect_at_signing(effective_from: date, today: date) -> bool:
    """A signed version takes effect at once when its effective day has come (`today`: the
    UTC day of the signature; the sweep, in the bot's time zone, switches the others)."""
    return effective_from <= today


@dataclass(frozen=True)
class Pending:
    """A signed version waiting for its day."""

    number: int
    effective_from: date
    tier: int


def due(pending: list[Pending], today: date) -> Pending | None:
    """The version to put into effect on `today`: the newest signed one whose day has come."""
    ready = [p for p in pending if p.effective_from <= today]
    return max(ready, key=lambda p: p.number) if ready else None


def pending_in(versions: Iterable[Mapping[str, Any]]) -> Pending | None:
    """The signed version waiting for its date among an agreement's versions (rows with
    number, status, start_date, tier), the newest if several."""
    signed = [
        Pending(int(v["number"]), v["start_date"], int(v["tier"]))
        for v in versions
        if v["status"] == VersionStatus.SIGNED.value
    ]
    return max(signed, key=lambda p: p.number) if signed else None
