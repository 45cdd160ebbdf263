"""Breach warnings: 50 %, 75 % and 100 % of a resolution target or of a period's downtime
budget. Each threshold is one warning under a unique key, so a sweep repeated, restarted or
run by several workers records it once."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

THRESHOLDS: tuple[int, ...] = (50, 75, 100)


class BreachKind(StrEnum):
    RESOLUTION = "resolution"
    BUDGET = "budget"


@dataclass(frozen=True, slots=True)
class BreachWarning:
    key: str
    kind: BreachKind
    agreement_id: str
    threshold: int
    subject: str  # incident number or period label


def reached(used: float) -> list[int]:
    """Thresholds reached by a share used (0.8 -> [50, 75])."""
    return [t for t in THRESHOLDS if used * 100 >= t]


def resolution_warnings(agreement_id: str, incident_id: int, used: float) -> list[BreachWarning]:
    return [
        BreachWarning(
            key=f"breach:{agreement_id}:incident:{incident_id}:{t}",
            kind=BreachKind.RESOLUTION,
            agreement_id=agreement_id,
            threshold=t,
            subject=str(incident_id),
        )
        for t in reached(used)
    ]


def budget_warnings(agreement_id: str, period: str, used: float) -> list[BreachWarning]:
    return [
        BreachWarning(
            key=f"breach:{agreement_id}:budget:{period}:{t}",
            kind=BreachKind.BUDGET,
            agreement_id=agreement_id,
            threshold=t,
            subject=period,
        )
        for t in reached(used)
    ]
