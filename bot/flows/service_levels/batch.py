"""Attainment of many agreements at once (App Home, lists, the monthly report run): the batch
forms of the business-time engine over every agreement's incidents, one call per tier.

Gives the same figures as `measure` per agreement (a test compares them) for one period and
one set of targets per agreement; numpy stays inside the engine's batch forms (their arrays
are read back with `tolist()`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from bot.flows.business_time import Calendar
from bot.flows.service_levels.attainment import IncidentFacts
from bot.flows.service_levels.clocks import ClockKind, read_clock
from bot.flows.service_levels.targets import Impact, ServiceTargets

_PCT = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class AgreementInput:
    agreement_id: str
    targets: ServiceTargets
    incidents: Sequence[IncidentFacts]


@dataclass(frozen=True, slots=True)
class BatchFigure:
    agreement_id: str
    service_time: timedelta
    downtime: timedelta
    target_pct: Decimal
    resolution_breaches: int  # incidents whose resolution exceeded (or exceeds) its target

    @property
    def budget(self) -> timedelta:
        """Downtime the target allows in the period's service hours."""
        us = self.service_time // timedelta(microseconds=1)
        return timedelta(microseconds=int(Decimal(us) * (100 - self.target_pct) / 100))

    @property
    def achieved_pct(self) -> Decimal:
        if not self.service_time:
            return Decimal(100)
        us = self.service_time // timedelta(microseconds=1)
        down = self.downtime // timedelta(microseconds=1)
        return ((1 - Decimal(down) / Decimal(us)) * 100).quantize(_PCT, rounding=ROUND_FLOOR)


def batch_attainment(
    items: Sequence[AgreementInput],
    calendar_of: Callable[[int], Calendar],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[BatchFigure]:
    """Availability and resolution breaches of each agreement in `[start, end)` at `now`."""
    out: dict[str, BatchFigure] = {}
    by_tier: dict[int, list[int]] = {}
    for i, it in enumerate(items):
        by_tier.setdefault(it.targets.tier, []).append(i)
    for tier, idx in by_tier.items():
        tier_items = [items[i] for i in idx]
        for figure in _tier_figures(calendar_of(tier), tier_items, start, end, now):
            out[figure.agreement_id] = figure
    return [out[it.agreement_id] for it in items]


@dataclass
class _Spans:
    """One tier's intervals for the batch forms, each owned by an agreement (its group)."""

    starts: list[datetime] = field(default_factory=list)
    ends: list[datetime] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    r_start: list[datetime] = field(default_factory=list)
    r_stop: list[datetime] = field(default_factory=list)
    r_target: list[timedelta] = field(default_factory=list)
    r_owner: list[int] = field(default_factory=list)
    #: breaches read by the scalar clock (incidents with pauses), by group
    paused_breaches: dict[int, int] = field(default_factory=dict)


def _spans(
    cal: Calendar, items: Sequence[AgreementInput], start: datetime, end: datetime, now: datetime
) -> _Spans:
    """Downtime within `[start, min(end, now))` and the resolution clocks of the incidents
    opened in the period (those with pauses read one by one)."""
    horizon = min(end, max(now, start))
    sp = _Spans()
    for g, it in enumerate(items):
        for inc in it.incidents:
            if inc.impact is Impact.DOWN:
                s = max(inc.opened_at, start)
                e = min(inc.resolved_at or now, horizon)
                if e > s:
                    sp.starts.append(s)
                    sp.ends.append(e)
                    sp.groups.append(g)
            goal = it.targets.for_priority(inc.priority)
            if goal is None or not start <= inc.opened_at < end:
                continue
            if inc.pauses:  # few: the scalar clock takes the pauses out
                c = read_clock(
                    cal,
                    ClockKind.RESOLUTION,
                    start=inc.opened_at,
                    stop=inc.resolved_at,
                    target=goal.resolution,
                    pauses=inc.pauses,
                    now=now,
                )
                sp.paused_breaches[g] = sp.paused_breaches.get(g, 0) + c.breached
            else:
                sp.r_start.append(inc.opened_at)
                sp.r_stop.append(max(inc.resolved_at or now, inc.opened_at))
                sp.r_target.append(goal.resolution)
                sp.r_owner.append(g)
    return sp


def _tier_figures(
    cal: Calendar, items: Sequence[AgreementInput], start: datetime, end: datetime, now: datetime
) -> list[BatchFigure]:
    """The figures of the agreements of one tier (one calendar), in their order."""
    period = cal.elapsed(start, end)
    sp = _spans(cal, items, start, end, now)
    n = len(items)
    down: list[timedelta] = (
        cal.union_elapsed_batch(sp.starts, sp.ends, sp.groups, n).tolist()
        if sp.starts
        else [timedelta()] * n
    )
    breaches = [0] * n
    if sp.r_start:
        elapsed: list[timedelta] = cal.elapsed_batch(sp.r_start, sp.r_stop).tolist()
        for owner, took, limit in zip(sp.r_owner, elapsed, sp.r_target, strict=True):
            breaches[owner] += took > limit
    return [
        BatchFigure(
            agreement_id=it.agreement_id,
            service_time=period,
            downtime=down[g],
            target_pct=it.targets.availability_pct,
            resolution_breaches=int(breaches[g]) + sp.paused_breaches.get(g, 0),
        )
        for g, it in enumerate(items)
    ]
