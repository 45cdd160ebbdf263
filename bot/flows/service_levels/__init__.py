"""Measured service levels: targets, service hours, clocks, availability, breach warnings.

Pure (stdlib, pydantic and the business-time engine); the store feeds it incidents and the
catalogue's targets, time is a parameter.
"""

from bot.flows.service_levels.availability import (
    AvailabilityFigure,
    Outage,
    availability,
    availability_over,
    combined,
    merge,
)
from bot.flows.service_levels.breaches import (
    THRESHOLDS,
    BreachKind,
    BreachWarning,
    budget_warnings,
    resolution_warnings,
)
from bot.flows.service_levels.clocks import ClockKind, ClockReading, Pause, read_clock
from bot.flows.service_levels.hours import DaysExplained, explain_days, service_calendar
from bot.flows.service_levels.targets import (
    Impact,
    Priority,
    PriorityTarget,
    Segment,
    ServiceTargets,
    TargetSchedule,
)

__all__ = [
    "THRESHOLDS",
    "AvailabilityFigure",
    "BreachKind",
    "BreachWarning",
    "ClockKind",
    "ClockReading",
    "DaysExplained",
    "Impact",
    "Outage",
    "Pause",
    "Priority",
    "PriorityTarget",
    "Segment",
    "ServiceTargets",
    "TargetSchedule",
    "availability",
    "availability_over",
    "budget_warnings",
    "combined",
    "explain_days",
    "merge",
    "read_clock",
    "resolution_warnings",
    "service_calendar",
]
