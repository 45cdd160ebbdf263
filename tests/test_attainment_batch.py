"""The batch forms give the same figures as the per-agreement path (random incidents on the
three tiers, pauses included)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from bot.flows.service_levels import Impact, Pause, Priority, ServiceTargets, TargetSchedule
from bot.flows.service_levels.attainment import IncidentFacts, measure
from bot.flows.service_levels.batch import AgreementInput, batch_attainment
from bot.flows.service_levels.hours import service_calendar

TZ = "Asia/Shanghai"
START = datetime(2026, 2, 28, 16, tzinfo=UTC)  # 1 March 2026, local midnight
END = datetime(2026, 3, 31, 16, tzinfo=UTC)
NOW = datetime(2026, 4, 2, tzinfo=UTC)
TARGETS = {
    p: {"response_min": 15 * (i + 1), "resolution_min": 240 * (i + 1)}
    for i, p in enumerate(["P1", "P2", "P3", "P4"])
}


def agreements(n: int, per: int, rng: random.Random) -> list[AgreementInput]:
    out = []
    span = (END - START).total_seconds()
    for a in range(n):
        targets = ServiceTargets.from_catalogue(
            sla_version=1,
            effective_from=date(2026, 1, 1),
            tier=(1, 2, 3)[a % 3],
            availability_pct="99.5",
            targets=TARGETS,
        )
        incs = []
        for i in range(per):
            opened = START + timedelta(seconds=rng.uniform(-86400, span))
            resolved = None if i % 17 == 0 else opened + timedelta(minutes=rng.expovariate(1 / 300))
            incs.append(
                IncidentFacts(
                    id=a * per + i,
                    priority=rng.choice(list(Priority)),
                    impact=rng.choice(list(Impact)),
                    opened_at=opened,
                    acknowledged_at=None,
                    resolved_at=resolved,
                    summary="",
                )
            )
        out.append(AgreementInput(f"SLA-2026-{a:04d}", targets, incs))
    return out


def _with_pause(inc: IncidentFacts) -> IncidentFacts:
    ends = inc.opened_at + timedelta(hours=2)
    pause = Pause(start=inc.opened_at + timedelta(minutes=5), end=ends)
    return IncidentFacts(
        id=inc.id,
        priority=inc.priority,
        impact=inc.impact,
        opened_at=inc.opened_at,
        acknowledged_at=None,
        resolved_at=inc.resolved_at,
        summary="",
        pauses=(pause,) if inc.resolved_at and inc.resolved_at > ends else (),
    )


def test_batch_equals_per_agreement() -> None:
    rng = random.Random(7)
    items = agreements(30, 20, rng)
    items = [
        AgreementInput(
            it.agreement_id,
            it.targets,
            [_with_pause(i) if i.id % 3 == 0 else i for i in it.incidents],
        )
        for it in items
    ]
    cals = {t: service_calendar(t, tz=TZ) for t in (1, 2, 3)}
    batch = batch_attainment(items, cals.__getitem__, start=START, end=END, now=NOW)
    for b, it in zip(batch, items, strict=True):
        s = measure(
            it.agreement_id,
            TargetSchedule([it.targets], tz=TZ),
            cals.__getitem__,
            it.incidents,
            start=START,
            end=END,
            now=NOW,
        )
        assert b.downtime == s.availability.downtime
        assert b.achieved_pct == s.availability.achieved_pct
        assert b.resolution_breaches == sum(
            1 for ic in s.incidents if ic.resolution and ic.resolution.breached
        )
