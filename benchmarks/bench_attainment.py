"""Attainment of many agreements for one month (M11): the batch forms of the business-time
engine against the per-agreement path, on the same random incidents in the same run.

    python benchmarks/bench_attainment.py [--agreements 1000] [--incidents 50] [--seed 1]

Each agreement has a random tier (7x24, 7x12, 5x8 in Asia/Shanghai with CN holidays) and 50
incidents in March 2026 (P1-P4, down/degraded/none, some still open). The aim is the batch
path under 1 s for 1,000 agreements x 50 incidents; both paths must give the same figures.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.flows.service_levels import Impact, Priority, ServiceTargets, TargetSchedule
from bot.flows.service_levels.attainment import IncidentFacts, measure
from bot.flows.service_levels.batch import AgreementInput, batch_attainment
from bot.flows.service_levels.hours import service_calendar

TZ = "Asia/Shanghai"
IMPACTS = (Impact.DOWN, Impact.DEGRADED, Impact.NONE)
START = datetime(2026, 3, 1, tzinfo=UTC) - timedelta(hours=8)  # local midnight
END = datetime(2026, 4, 1, tzinfo=UTC) - timedelta(hours=8)
NOW = datetime(2026, 4, 2, tzinfo=UTC)
TARGETS = {
    "P1": {"response_min": 15, "resolution_min": 240},
    "P2": {"response_min": 30, "resolution_min": 480},
    "P3": {"response_min": 120, "resolution_min": 1440},
    "P4": {"response_min": 480, "resolution_min": 4320},
}


def agreements(n: int, per: int, rng: random.Random) -> list[AgreementInput]:
    out = []
    span = (END - START).total_seconds()
    for a in range(n):
        targets = ServiceTargets.from_catalogue(
            sla_version=1,
            effective_from=date(2026, 1, 1),
            tier=rng.choice((1, 2, 3)),
            availability_pct=rng.choice(("99.9", "99.5", "99.0")),
            targets=TARGETS,
        )
        incs = []
        for i in range(per):
            opened = START + timedelta(seconds=rng.uniform(0, span))
            minutes = rng.expovariate(1 / 90)
            resolved = None if rng.random() < 0.05 else opened + timedelta(minutes=minutes)
            incs.append(
                IncidentFacts(
                    id=a * per + i,
                    priority=rng.choice(list(Priority)),
                    impact=rng.choices(IMPACTS, weights=(1, 2, 7))[0],
                    opened_at=opened,
                    acknowledged_at=None,
                    resolved_at=resolved,
                    summary="",
                )
            )
        out.append(AgreementInput(f"SLA-2026-{a:04d}", targets, incs))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agreements", type=int, default=1000)
    ap.add_argument("--incidents", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    items = agreements(args.agreements, args.incidents, random.Random(args.seed))
    cals = {t: service_calendar(t, tz=TZ) for t in (1, 2, 3)}
    for cal in cals.values():  # build the calendars' index outside the timing
        cal.elapsed(START, END)
    batch_t, scalar_t = [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        batch = batch_attainment(items, cals.__getitem__, start=START, end=END, now=NOW)
        batch_t.append(time.perf_counter() - t0)
    for _ in range(args.runs):
        t0 = time.perf_counter()
        scalar = [
            measure(
                it.agreement_id,
                TargetSchedule([it.targets], tz=TZ),
                cals.__getitem__,
                it.incidents,
                start=START,
                end=END,
                now=NOW,
            )
            for it in items
        ]
        scalar_t.append(time.perf_counter() - t0)
    same = all(
        b.downtime == s.availability.downtime
        and b.achieved_pct == s.availability.achieved_pct
        and b.resolution_breaches
        == sum(1 for ic in s.incidents if ic.resolution and ic.resolution.breached)
        for b, s in zip(batch, scalar, strict=True)
    )
    n = args.agreements * args.incidents
    print(f"{args.agreements} agreements x {args.incidents} incidents ({n:,}), one month")
    print(f"batch forms:      best {min(batch_t):.3f} s of {args.runs}")
    print(f"per agreement:    best {min(scalar_t):.3f} s of {args.runs}")
    mean = sum(b.achieved_pct for b in batch) / len(batch)
    print(f"same figures: {same}; mean availability {mean:.3f} %")
    if not same:
        raise SystemExit("the two paths disagree")


if __name__ == "__main__":
    main()
