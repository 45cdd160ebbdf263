"""Attainment of many agreements at once (App Home, lists, the monthly report run): the batch
forms of the business-time engine over every agreement's incidents, one call per tier.

Gives the same figures as `measure` per agreement (a test compares them) for one period and
one set of targets per agreement; numpy stays inside the engine's batch forms (their arrays
are read back with `tolist()`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
    horizon = min(end, max(now, start))
    out: dict[str, BatchFigure] = {}
    by_tier: dict[int, list[int]] = {}
    for i, it in enumerate(items):
        by_tier.setdefault(it.targets.tier, []).append(i)
    for tier, idx in by_tier.items():
        cal = calendar_of(tier)
        period = cal.elapsed(start, end)
        starts: list[datetime] = []
        ends: list[datetime] = []
        groups: list[int] = []
        r_start: list[datetime] = []
        r_stop: list[datetime] = []
        r_target: list[timedelta] = []
        r_owner: list[int] = []
        paused_breaches: dict[int, int] = {}
        for g, i in enumerate(idx):
            it = items[i]
            for inc in it.incidents:
                if inc.impact is Impact.DOWN:
                    s = max(inc.opened_at, start)
                    e = min(inc.resolved_at or now, horizon)
                    if e > s:
                        starts.append(s)
                        ends.append(e)
                        groups.append(g)
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
                    paused_breaches[g] = paused_breaches.get(g, 0) + c.breached
                else:
                    r_start.append(inc.opened_at)
                    r_stop.append(max(inc.resolved_at or now, inc.opened_at))
                    r_target.append(goal.resolution)
                    r_owner.append(g)
        down: list[timedelta] = (
            cal.union_elapsed_batch(starts, ends, groups, len(idx)).tolist()
            if starts
            else [timedelta()] * len(idx)
        )
        breaches = [0] * len(idx)
        if r_start:
            elapsed: list[timedelta] = cal.elapsed_batch(r_start, r_stop).tolist()
            for owner, took, limit in zip(r_owner, elapsed, r_target, strict=True):
                breaches[owner] += took > limit
        for g, i in enumerate(idx):
            it = items[i]
            out[it.agreement_id] = BatchFigure(
                agreement_id=it.agreement_id,
                service_time=period,
                downtime=down[g],
                target_pct=it.targets.availability_pct,
                resolution_breaches=int(breaches[g]) + paused_breaches.get(g, 0),
            )
    return [out[it.agreement_id] for it in items]
