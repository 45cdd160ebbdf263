"""Service level targets per agreement and SLA version (M4/C2 from the catalogue entry).

An SLA version promises an availability % inside the tier's service hours and, per priority
P1-P4, a response and a resolution time (minutes of service time). An additional SLA (C2/C3)
switches the targets at its effective date: `TargetSchedule.at(day)` picks the version in
effect on a local day, `segments` cuts a period at those dates.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Impact(StrEnum):
    """What an incident did to the service: down counts against availability, degraded is
    reported apart, none is an incident without an outage."""

    DOWN = "down"
    DEGRADED = "degraded"
    NONE = "none"


Minutes = Annotated[int, Field(gt=0, le=60 * 24 * 90)]


class PriorityTarget(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    response_min: Minutes
    resolution_min: Minutes

    @property
    def response(self) -> timedelta:
        return timedelta(minutes=self.response_min)

    @property
    def resolution(self) -> timedelta:
        return timedelta(minutes=self.resolution_min)


def as_written(pct: Decimal) -> Decimal:
    """A percentage as people write it: 99.9, not 99.900 as a database column keeps it (a
    whole number stays whole: 100)."""
    plain = pct.normalize()
    return plain.quantize(Decimal(1)) if plain == plain.to_integral() else plain


class ServiceTargets(BaseModel):
    """The targets of one SLA version, in effect from `effective_from` (a local day)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    sla_version: Annotated[int, Field(ge=1)]
    effective_from: date
    tier: Annotated[int, Field(ge=1, le=3)]
    availability_pct: Annotated[Decimal, Field(gt=0, le=100), AfterValidator(as_written)]
    priorities: dict[Priority, PriorityTarget] = {}

    @classmethod
    def from_catalogue(
        cls,
        *,
        sla_version: int,
        effective_from: date,
        tier: int,
        availability_pct: Decimal | float | str,
        targets: Mapping[str, Mapping[str, Any]],
    ) -> ServiceTargets:
        """From a catalogue entry's `targets` JSON (`{"P1": {"response_min": ..}}`)."""
        return cls(
            sla_version=sla_version,
            effective_from=effective_from,
            tier=tier,
            availability_pct=Decimal(str(availability_pct)),
            priorities={
                Priority(k): PriorityTarget.model_validate(v)
                for k, v in targets.items()
                if k in Priority.__members__
            },
        )

    def for_priority(self, priority: Priority) -> PriorityTarget | None:
        return self.priorities.get(priority)


@dataclass(frozen=True, slots=True)
class Segment:
    """Part of a period under one set of targets: `[start, end)`, aware instants."""

    start: datetime
    end: datetime
    targets: ServiceTargets


class TargetSchedule:
    """The targets of an agreement over time: each version from its effective day (local
    midnight in the agreement's time zone) until the next one's."""

    def __init__(self, versions: Iterable[ServiceTargets], *, tz: str) -> None:
        items = sorted(versions, key=lambda v: (v.effective_from, v.sla_version))
        if not items:
            raise ValueError("an agreement without SLA versions has no targets")
        self.tz = ZoneInfo(tz)
        self.versions: tuple[ServiceTargets, ...] = tuple(items)
        self._days = [v.effective_from for v in items]

    def _start(self, v: ServiceTargets) -> datetime:
        return datetime.combine(v.effective_from, time(0), self.tz)

    def at(self, instant: datetime) -> ServiceTargets:
        """The version in effect at `instant` (the first version before its own start)."""
        day = instant.astimezone(self.tz).date()
        return self.versions[max(bisect_right(self._days, day) - 1, 0)]

    def segments(self, start: datetime, end: datetime) -> list[Segment]:
        """`[start, end)` cut at every effective date inside it."""
        cuts = [self._start(v) for v in self.versions[1:]]
        bounds = [start, *(c for c in cuts if start < c < end), end]
        return [Segment(a, b, self.at(a)) for a, b in pairwise(bounds)]
