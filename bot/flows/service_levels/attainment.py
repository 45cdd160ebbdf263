"""A period's attainment (M11): availability against target, each incident's response and
resolution clocks against its priority's targets, and every missed target (a nonconformity).

Everything is computed from what was recorded; nothing is typed. The version of the SLA in
effect when an incident opened sets its targets; availability is cut at each effective date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.flows.business_time import Calendar
from bot.flows.service_levels.availability import (
    AvailabilityFigure,
    Outage,
    availability_over,
    combined,
)
from bot.flows.service_levels.clocks import ClockKind, ClockReading, Pause, read_clock
from bot.flows.service_levels.targets import Impact, Priority, ServiceTargets, TargetSchedule

#: a running clock at or past this share of its target is "at risk"
AT_RISK = 0.75


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What the store knows of one incident."""

    id: int
    priority: Priority
    impact: Impact
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    summary: str
    pauses: tuple[Pause, ...] = ()

    @property
    def outage(self) -> Outage | None:
        if self.impact is Impact.NONE:
            return None
        return Outage(self.opened_at, self.resolved_at, self.impact)


@dataclass(frozen=True, slots=True)
class IncidentClocks:
    incident: IncidentFacts
    sla_version: int
    response: ClockReading | None  # None: the version sets no target for the priority
    resolution: ClockReading | None

    @property
    def breached(self) -> tuple[ClockKind, ...]:
        return tuple(c.kind for c in (self.response, self.resolution) if c and c.breached)

    @property
    def at_risk(self) -> bool:
        return any(
            c is not None and c.running and not c.breached and c.used >= AT_RISK
            for c in (self.response, self.resolution)
        )


@dataclass(frozen=True, slots=True)
class Nonconformity:
    """A missed target: availability in the period, or one incident's clock."""

    kind: str  # availability | response | resolution
    incident_id: int | None
    target: str  # "99.900" or "240"
    achieved: str
    unit: str  # "pct" or "min"


@dataclass(frozen=True, slots=True)
class Attainment:
    agreement_id: str
    start: datetime
    end: datetime
    measured_at: datetime
    #: the zone of the service hours (the agreement's, or the company's)
    tz: str
    availability: AvailabilityFigure
    segments: tuple[AvailabilityFigure, ...]
    #: the targets (SLA version, tier, availability) of each segment, in the same order
    segment_targets: tuple[ServiceTargets, ...]
    incidents: tuple[IncidentClocks, ...]

    @property
    def nonconformities(self) -> list[Nonconformity]:
        out: list[Nonconformity] = []
        a = self.availability
        if not a.met:
            out.append(
                Nonconformity("availability", None, str(a.target_pct), str(a.achieved_pct), "pct")
            )
        for ic in self.incidents:
            for c in (ic.response, ic.resolution):
                if c is not None and c.breached:
                    out.append(
                        Nonconformity(
                            c.kind.value,
                            ic.incident.id,
                            str(_minutes(c.target.total_seconds())),
                            str(_minutes(c.elapsed.total_seconds())),
                            "min",
                        )
                    )
        return out

    @property
    def at_risk(self) -> tuple[IncidentClocks, ...]:
        return tuple(ic for ic in self.incidents if ic.at_risk)


def _minutes(seconds: float) -> int:
    return int(seconds // 60)


def incident_clocks(
    inc: IncidentFacts, schedule: TargetSchedule, cal: Calendar, *, now: datetime
) -> IncidentClocks:
    """Both clocks of one incident on the tier of the version in effect when it opened."""
    version = schedule.at(inc.opened_at)
    target = version.for_priority(inc.priority)
    if target is None:
        return IncidentClocks(inc, version.sla_version, None, None)

    def clock(kind: ClockKind, stop: datetime | None) -> ClockReading:
        goal = target.response if kind is ClockKind.RESPONSE else target.resolution
        return read_clock(
            cal, kind, start=inc.opened_at, stop=stop, target=goal, pauses=inc.pauses, now=now
        )

    return IncidentClocks(
        inc,
        version.sla_version,
        clock(ClockKind.RESPONSE, inc.acknowledged_at or inc.resolved_at),
        clock(ClockKind.RESOLUTION, inc.resolved_at),
    )


def measure(
    agreement_id: str,
    schedule: TargetSchedule,
    calendar_of: Callable[[int], Calendar],
    incidents: Sequence[IncidentFacts],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> Attainment:
    """The attainment of `[start, end)` as known at `now`."""
    outages = [o for o in (i.outage for i in incidents) if o is not None]
    cut = schedule.segments(start, end)
    segments = availability_over(cut, calendar_of, outages, now=now)
    inside = [i for i in incidents if start <= i.opened_at < end]
    clocks = tuple(
        incident_clocks(i, schedule, calendar_of(schedule.at(i.opened_at).tier), now=now)
        for i in inside
    )
    return Attainment(
        agreement_id=agreement_id,
        start=start,
        end=end,
        measured_at=now,
        tz=str(schedule.tz),
        availability=combined(segments),
        segments=tuple(segments),
        segment_targets=tuple(seg.targets for seg in cut),
        incidents=clocks,
    )
