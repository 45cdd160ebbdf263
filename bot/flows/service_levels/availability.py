"""Availability inside service hours: 1 - downtime / service hours of the period.

Outages are merged first (two alerts for one outage count once); only the part of an outage
inside service hours counts; degraded time (service up but impaired) is reported apart and
never overlaps downtime in the figures. An outage still open counts until `now`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from bot.flows.business_time import Calendar
from bot.flows.service_levels.targets import Impact, Segment, as_written

Interval = tuple[datetime, datetime]
_PCT = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class Outage:
    start: datetime
    end: datetime | None  # None while it lasts
    impact: Impact = Impact.DOWN


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same instants (touching ones joined)."""
    out: list[Interval] = []
    for s, e in sorted((s, e) for s, e in intervals if e > s):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def clip(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in intervals if e > start and s < end]


def service_time(cal: Calendar, intervals: Iterable[Interval]) -> timedelta:
    """Service hours inside the union of `intervals`."""
    return sum((cal.elapsed(s, e) for s, e in merge(intervals)), timedelta())


def outage_intervals(outages: Iterable[Outage], impact: Impact, *, now: datetime) -> list[Interval]:
    return [(o.start, o.end or now) for o in outages if o.impact is impact]


@dataclass(frozen=True, slots=True)
class AvailabilityFigure:
    """The period's availability and the numbers it was computed from."""

    start: datetime
    end: datetime
    service_time: timedelta
    downtime: timedelta
    degraded: timedelta
    target_pct: Decimal
    outages: tuple[Interval, ...]  # merged, clipped to the period, wall-clock

    @property
    def achieved_pct(self) -> Decimal:
        """Rounded down to 0.001 % (a figure never looks better than it was)."""
        if not self.service_time:
            return Decimal(100)
        up = Decimal(1) - Decimal(self.downtime // timedelta(microseconds=1)) / Decimal(
            self.service_time // timedelta(microseconds=1)
        )
        return (up * 100).quantize(_PCT, rounding=ROUND_FLOOR)

    @property
    def budget(self) -> timedelta:
        """Downtime the target allows in the period's service hours."""
        us = self.service_time // timedelta(microseconds=1)
        allowed = Decimal(us) * (Decimal(100) - self.target_pct) / Decimal(100)
        return timedelta(microseconds=int(allowed))

    @property
    def budget_left(self) -> timedelta:
        return self.budget - self.downtime

    @property
    def budget_used(self) -> float:
        """Share of the downtime budget spent (1.0 = all of it); inf with no budget."""
        if not self.budget:
            return float("inf") if self.downtime else 0.0
        return self.downtime / self.budget

    @property
    def met(self) -> bool:
        return self.downtime <= self.budget


def availability(
    cal: Calendar,
    start: datetime,
    end: datetime,
    outages: Sequence[Outage],
    *,
    target_pct: Decimal,
    now: datetime,
) -> AvailabilityFigure:
    """Availability in `[start, end)` on the service hours `cal` (outages open at `now`
    count until `now`; nothing after `now` counts)."""
    horizon = min(end, max(now, start))
    down = clip(merge(outage_intervals(outages, Impact.DOWN, now=now)), start, horizon)
    impaired = outage_intervals(outages, Impact.DEGRADED, now=now)
    both = clip(merge([*down, *impaired]), start, horizon)
    downtime = service_time(cal, down)
    return AvailabilityFigure(
        start=start,
        end=end,
        service_time=cal.elapsed(start, end),
        downtime=downtime,
        degraded=service_time(cal, both) - downtime,
        target_pct=target_pct,
        outages=tuple(down),
    )


def combined(figures: Sequence[AvailabilityFigure]) -> AvailabilityFigure:
    """Segments of one period (targets switched at an effective date) as one figure; the
    target is the service-hours-weighted mean of the segments' targets."""
    if len(figures) == 1:
        return figures[0]
    total = sum((f.service_time for f in figures), timedelta())
    us = total // timedelta(microseconds=1)
    weighted = (
        sum(
            (f.target_pct * (f.service_time // timedelta(microseconds=1)) for f in figures),
            Decimal(0),
        )
        / us
        if us
        else figures[-1].target_pct
    )
    return AvailabilityFigure(
        start=figures[0].start,
        end=figures[-1].end,
        service_time=total,
        downtime=sum((f.downtime for f in figures), timedelta()),
        degraded=sum((f.degraded for f in figures), timedelta()),
        target_pct=as_written(weighted.quantize(_PCT)),
        outages=tuple(o for f in figures for o in f.outages),
    )


def availability_over(
    segments: Sequence[Segment],
    calendar_of: Callable[[int], Calendar],
    outages: Sequence[Outage],
    *,
    now: datetime,
) -> list[AvailabilityFigure]:
    """One figure per segment, each on its own tier's calendar (`calendar_of(tier)`)."""
    out = []
    for seg in segments:
        cal = calendar_of(seg.targets.tier)
        out.append(
            availability(
                cal, seg.start, seg.end, outages, target_pct=seg.targets.availability_pct, now=now
            )
        )
    return out
