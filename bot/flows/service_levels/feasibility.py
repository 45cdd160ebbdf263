"""Feasibility at drafting (M4, C2): an SLA must not promise more than what underpins it.

The SLA's promise is its availability and the catalogue entry's response and resolution times
per priority. What underpins it are the OLAs of the supporting departments and the supplier
contracts, whose commitments state their own figures in the catalogue's notation: `99.95%`
for availability, `P1 15/240` for the response and resolution minutes of a priority. A
commitment weaker than the SLA (lower availability, longer times) is a gap; a commitment that
states no figure is not checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.flows.service_levels.targets import Priority

_PCT = re.compile(r"(\d{1,3}(?:\.\d{1,4})?)\s*%")
_TIMES = re.compile(r"\b(P[1-4])\s*[:：]?\s*(\d{1,6})\s*/\s*(\d{1,6})\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Promise:
    """Availability (%) and (response, resolution) minutes per priority; None: not stated."""

    availability_pct: Decimal | None = None
    times: Mapping[Priority, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Underpinning:
    kind: str  # ola | supplier
    name: str  # the department or the supplier (and contract number)
    promise: Promise


@dataclass(frozen=True, slots=True)
class Gap:
    """Where an underpinning commitment is weaker than the SLA."""

    kind: str  # ola | supplier
    name: str
    measure: str  # availability | response | resolution
    priority: str | None
    sla: str
    underpinning: str

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "measure": self.measure,
            "priority": self.priority,
            "sla": self.sla,
            "underpinning": self.underpinning,
        }


def parse_promise(text: str) -> Promise:
    """The figures a commitment states: the lowest availability it names and the times per
    priority (`P1 15/240`)."""
    pcts = []
    for m in _PCT.finditer(text):
        try:
            value = Decimal(m[1])
        except InvalidOperation:
            continue
        if 0 < value <= 100:
            pcts.append(value)
    times = {Priority(m[1].upper()): (int(m[2]), int(m[3])) for m in _TIMES.finditer(text)}
    return Promise(min(pcts) if pcts else None, times)


def sla_promise(availability_pct: Decimal | str | None, targets: Mapping[str, Any]) -> Promise:
    """The SLA draft's promise: its availability and its catalogue entry's targets."""
    times = {
        Priority(p): (int(v["response_min"]), int(v["resolution_min"]))
        for p, v in targets.items()
        if p in Priority.__members__ and isinstance(v, Mapping)
    }
    pct = Decimal(str(availability_pct)) if availability_pct not in (None, "") else None
    return Promise(pct, times)


def gaps(sla: Promise, underpinning: Sequence[Underpinning]) -> list[Gap]:
    """Every commitment weaker than the SLA, in the order given."""
    out: list[Gap] = []
    for u in underpinning:
        p = u.promise
        if (
            sla.availability_pct is not None
            and p.availability_pct is not None
            and p.availability_pct < sla.availability_pct
        ):
            out.append(
                Gap(
                    u.kind,
                    u.name,
                    "availability",
                    None,
                    f"{sla.availability_pct}",
                    f"{p.availability_pct}",
                )
            )
        for prio, (resp, res) in sorted(sla.times.items()):
            if prio not in p.times:
                continue
            u_resp, u_res = p.times[prio]
            if u_resp > resp:
                out.append(Gap(u.kind, u.name, "response", prio.value, str(resp), str(u_resp)))
            if u_res > res:
                out.append(Gap(u.kind, u.name, "resolution", prio.value, str(res), str(u_res)))
    return out
