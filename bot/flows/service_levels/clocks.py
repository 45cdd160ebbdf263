"""Response and resolution clocks in service time, with pauses.

A clock runs from `start` (the incident opened) to `stop` (acknowledged for response,
resolved for resolution) in the tier's service hours, minus the service time of its pauses
(waiting for the customer). `due` is the earliest instant at which the clock reaches its
target given the pauses known so far (a pause still open is taken to end now).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from bot.flows.business_time import Calendar
from bot.flows.service_levels.availability import Interval, clip, merge, service_time


class ClockKind(StrEnum):
    RESPONSE = "response"
    RESOLUTION = "resolution"


class Pause(BaseModel):
    """The clock stopped: waiting for the customer (`reason` says what for)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    start: AwareDatetime
    end: AwareDatetime | None = None
    reason: Annotated[str, Field(max_length=500)] = ""

    @model_validator(mode="after")
    def _ordered(self) -> Pause:
        if self.end is not None and self.end < self.start:
            raise ValueError("a pause cannot end before it starts")
        return self


@dataclass(frozen=True, slots=True)
class PauseCounted:
    start: datetime
    end: datetime
    service_time: timedelta
    reason: str


@dataclass(frozen=True, slots=True)
class ClockReading:
    kind: ClockKind
    target: timedelta
    start: datetime
    stop: datetime | None  # None while running
    measured_until: datetime
    elapsed: timedelta  # service time, pauses taken out
    paused: timedelta  # service time inside pauses
    due: datetime
    pauses: tuple[PauseCounted, ...]

    @property
    def used(self) -> float:
        """Share of the target used (1.0 = reached)."""
        return self.elapsed / self.target

    @property
    def breached(self) -> bool:
        return self.elapsed > self.target

    @property
    def running(self) -> bool:
        return self.stop is None


def _pause_intervals(pauses: Sequence[Pause], now: datetime) -> list[Interval]:
    return merge((p.start, p.end or max(now, p.start)) for p in pauses)


def _paused(cal: Calendar, pauses: list[Interval], start: datetime, end: datetime) -> timedelta:
    return service_time(cal, clip(pauses, start, end))


def _due(cal: Calendar, start: datetime, target: timedelta, pauses: list[Interval]) -> datetime:
    """Earliest t with elapsed(start, t) - paused(start, t) == target."""
    due = cal.add(start, target)
    for _ in range(len(pauses) + 2):
        later = cal.add(start, target + _paused(cal, pauses, start, due))
        if later == due:
            break
        due = later
    return due


def read_clock(
    cal: Calendar,
    kind: ClockKind,
    *,
    start: datetime,
    stop: datetime | None,
    target: timedelta,
    pauses: Sequence[Pause] = (),
    now: datetime,
) -> ClockReading:
    """The clock at `now` (or at `stop` when it has stopped)."""
    until = stop if stop is not None else max(now, start)
    merged = _pause_intervals(pauses, now)
    inside = clip(merged, start, until)
    counted = tuple(PauseCounted(s, e, cal.elapsed(s, e), _reason(pauses, s)) for s, e in inside)
    paused = sum((p.service_time for p in counted), timedelta())
    return ClockReading(
        kind=kind,
        target=target,
        start=start,
        stop=stop,
        measured_until=until,
        elapsed=cal.elapsed(start, until) - paused,
        paused=paused,
        due=_due(cal, start, target, merged),
        pauses=counted,
    )


def _reason(pauses: Sequence[Pause], at: datetime) -> str:
    reasons = [p.reason for p in pauses if p.start <= at and (p.end is None or at < p.end)]
    return "; ".join(r for r in reasons if r) or (reasons[0] if reasons else "")


def threshold_instant(reading: ClockReading, cal: Calendar, share: float) -> datetime:
    """When the clock reaches `share` of its target (0.5, 0.75, 1.0), pauses considered."""
    return _due(
        cal, reading.start, reading.target * share, [(p.start, p.end) for p in reading.pauses]
    )
