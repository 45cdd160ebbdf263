"""Measured service levels: hand-computed answers for availability and the clocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from bot.flows.service_levels import (
    ClockKind,
    Impact,
    Outage,
    Pause,
    Priority,
    ServiceTargets,
    TargetSchedule,
    availability,
    availability_over,
    budget_warnings,
    combined,
    explain_days,
    merge,
    read_clock,
    resolution_warnings,
    service_calendar,
)
from bot.flows.service_levels.clocks import threshold_instant

SH = ZoneInfo("Asia/Shanghai")
BER = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def ber(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BER)


def test_5x8_shanghai_outage_over_a_night_a_weekend_and_a_makeup_sunday() -> None:
    # January 2025 on 5x8 (09:00-17:00) in China: 23 weekdays, minus New Year's Day and
    # the Spring Festival's 28-31 January, plus the makeup Sunday 26 January = 19 days.
    cal = service_calendar(3, tz="Asia/Shanghai")
    start, end = sh(2025, 1, 1), sh(2025, 2, 1)
    days = explain_days(cal, start, end)
    assert days.service_days == 19
    assert days.holidays_skipped == (
        date(2025, 1, 1), date(2025, 1, 28), date(2025, 1, 29), date(2025, 1, 30),
        date(2025, 1, 31),
    )  # fmt: skip
    assert days.makeup_days == (date(2025, 1, 26),)
    # Friday 24th 16:00 -> Monday 27th 10:00: Friday 16-17 (1 h), Saturday closed, the
    # makeup Sunday 09-17 (8 h), Monday 09-10 (1 h) = 10 h of 152 h.
    outage = Outage(sh(2025, 1, 24, 16), sh(2025, 1, 27, 10))
    fig = availability(cal, start, end, [outage], target_pct=Decimal("99"), now=end)
    assert fig.service_time == 152 * H
    assert fig.downtime == 10 * H
    assert fig.achieved_pct == Decimal("93.421")  # 1 - 10/152 = 0.934210..., floored
    assert fig.budget == timedelta(hours=1, minutes=31, seconds=12)  # 1 % of 152 h
    assert not fig.met
    assert fig.budget_left == fig.budget - 10 * H


def test_7x12_berlin_outage_across_the_spring_dst_change() -> None:
    # Saturday 29 March 2025 19:00 CET -> Sunday 30 March 09:00 CEST: 13 hours on the wall
    # clock (02:00 is skipped), 2 hours of service (19-20 and 08-09). March has 31 days of
    # 08:00-20:00 = 372 h (the change is outside the window).
    cal = service_calendar(2, tz="Europe/Berlin", country="DE")
    start, end = ber(2025, 3, 1), ber(2025, 4, 1)
    outage = Outage(ber(2025, 3, 29, 19), ber(2025, 3, 30, 9))
    assert outage.end is not None
    assert outage.end.astimezone(UTC) - outage.start.astimezone(UTC) == 13 * H
    fig = availability(cal, start, end, [outage], target_pct=Decimal("99.5"), now=end)
    assert fig.service_time == 372 * H
    assert fig.downtime == 2 * H
    assert fig.achieved_pct == Decimal("99.462")  # 1 - 2/372 = 0.994623...
    # budget 0.5 % of 372 h = 1 h 51 min 36 s: 8 min 24 s over
    assert fig.budget == timedelta(hours=1, minutes=51, seconds=36)
    assert fig.budget_left == -timedelta(minutes=8, seconds=24)
    assert not fig.met


def test_7x24_wall_clock_with_merged_overlaps_and_degraded_apart() -> None:
    # March 2025 in Berlin on 7x24 has 743 hours (the DST night loses one).
    cal = service_calendar(1, tz="Europe/Berlin")
    start, end = ber(2025, 3, 1), ber(2025, 4, 1)
    outages = [
        Outage(ber(2025, 3, 30, 1), ber(2025, 3, 30, 4)),  # 01:00 CET -> 04:00 CEST = 2 h
        Outage(ber(2025, 3, 30, 3), ber(2025, 3, 30, 5)),  # overlaps: union to 05:00 = 3 h
        Outage(ber(2025, 3, 10, 12), ber(2025, 3, 10, 18), Impact.DEGRADED),  # 6 h
        Outage(ber(2025, 3, 10, 17), ber(2025, 3, 10, 19)),  # 2 h down, 1 h of it degraded
        Outage(ber(2025, 2, 28, 23), ber(2025, 3, 1, 1)),  # 1 h inside March
    ]
    fig = availability(cal, start, end, outages, target_pct=Decimal("99.9"), now=end)
    assert fig.service_time == 743 * H
    assert fig.downtime == 3 * H + 2 * H + 1 * H
    assert fig.degraded == 5 * H  # 12:00-17:00; 17:00-18:00 is downtime
    assert fig.achieved_pct == Decimal("99.192")  # 1 - 6/743 = 0.991924...
    assert len(fig.outages) == 3


def test_an_open_outage_counts_until_now() -> None:
    cal = service_calendar(1, tz="UTC")
    start, end = datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)
    now = datetime(2025, 6, 10, 12, tzinfo=UTC)
    fig = availability(
        cal, start, end, [Outage(now - 3 * H, None)], target_pct=Decimal("99"), now=now
    )
    assert fig.downtime == 3 * H
    assert fig.service_time == 720 * H
    assert fig.budget == timedelta(hours=7, minutes=12)
    assert fig.budget_used == pytest.approx(3 / 7.2)


def test_response_and_resolution_with_a_pause() -> None:
    # P2 on 5x8 Shanghai: respond within 60 min, resolve within 8 h. Opened Thursday
    # 6 March 2025 16:00, acknowledged 16:30; waiting for the customer Friday 10:00-14:00;
    # resolved Monday 10 March 11:00. Resolution: Thursday 1 h + Friday 8 h - 4 h paused +
    # Monday 2 h = 7 h. Due: 1 h Thursday + 4 h Friday = 5 h, Monday 09:00 + 3 h = 12:00.
    cal = service_calendar(3, tz="Asia/Shanghai")
    opened = sh(2025, 3, 6, 16)
    pause = Pause(start=sh(2025, 3, 7, 10), end=sh(2025, 3, 7, 14), reason="logs from customer")
    response = read_clock(
        cal, ClockKind.RESPONSE, start=opened, stop=sh(2025, 3, 6, 16, 30),
        target=60 * timedelta(minutes=1), now=sh(2025, 3, 20),
    )  # fmt: skip
    assert response.elapsed == timedelta(minutes=30) and response.used == 0.5
    assert response.due == sh(2025, 3, 6, 17)  # 16:00 + 60 min, the earliest instant
    resolution = read_clock(
        cal, ClockKind.RESOLUTION, start=opened, stop=sh(2025, 3, 10, 11),
        target=8 * H, pauses=[pause], now=sh(2025, 3, 20),
    )  # fmt: skip
    assert resolution.paused == 4 * H
    assert resolution.elapsed == 7 * H
    assert resolution.used == 7 / 8 and not resolution.breached
    assert resolution.due == sh(2025, 3, 10, 12)
    assert resolution.pauses[0].reason == "logs from customer"
    # while running, Monday 14:00: 1 + 4 + 5 = 10 h, breached
    running = read_clock(
        cal, ClockKind.RESOLUTION, start=opened, stop=None, target=8 * H,
        pauses=[pause], now=sh(2025, 3, 10, 14),
    )  # fmt: skip
    assert running.elapsed == 10 * H and running.breached and running.running
    assert threshold_instant(running, cal, 0.5) == sh(2025, 3, 7, 16)  # 1 + 1 + 2 h: 4 h
    assert threshold_instant(running, cal, 0.75) == sh(2025, 3, 10, 10)  # 6 h


def test_a_pause_still_open_stops_the_clock() -> None:
    cal = service_calendar(1, tz="UTC")
    t0 = datetime(2025, 5, 1, tzinfo=UTC)
    r = read_clock(
        cal, ClockKind.RESOLUTION, start=t0, stop=None, target=4 * H,
        pauses=[Pause(start=t0 + H, reason="waiting")], now=t0 + 10 * H,
    )  # fmt: skip
    assert r.elapsed == H and r.paused == 9 * H
    assert r.due == t0 + 13 * H  # the pause taken to end now


def test_additional_sla_switches_targets_at_its_effective_date() -> None:
    v1 = ServiceTargets.from_catalogue(
        sla_version=1, effective_from=date(2025, 1, 1), tier=3, availability_pct="99",
        targets={"P1": {"response_min": 30, "resolution_min": 240}},
    )  # fmt: skip
    v2 = ServiceTargets.from_catalogue(
        sla_version=2, effective_from=date(2025, 1, 16), tier=1, availability_pct="99.9",
        targets={"P1": {"response_min": 15, "resolution_min": 120}},
    )  # fmt: skip
    sched = TargetSchedule([v2, v1], tz="Asia/Shanghai")
    assert sched.at(sh(2025, 1, 15, 23, 59)).sla_version == 1
    assert sched.at(sh(2025, 1, 16)).sla_version == 2
    p1 = sched.at(sh(2025, 1, 20)).for_priority(Priority.P1)
    assert p1 is not None and p1.resolution == 2 * H
    segs = sched.segments(sh(2025, 1, 1), sh(2025, 2, 1))
    assert [(s.start, s.end) for s in segs] == [
        (sh(2025, 1, 1), sh(2025, 1, 16)),
        (sh(2025, 1, 16), sh(2025, 2, 1)),
    ]
    figs = availability_over(
        segs, lambda tier: service_calendar(tier, tz="Asia/Shanghai"), [], now=sh(2025, 2, 1)
    )
    # 1-15 January on 5x8: 11 weekdays minus New Year's Day = 10 days = 80 h;
    # 16-31 January on 7x24: 16 days = 384 h. Target weighted by service hours.
    assert [f.service_time for f in figs] == [80 * H, 384 * H]
    total = combined(figs)
    assert total.service_time == 464 * H
    assert total.target_pct == Decimal("99.745")  # (99 * 80 + 99.9 * 384) / 464 = 99.7448..
    assert total.achieved_pct == 100


def test_merge_and_thresholds() -> None:
    t = datetime(2025, 1, 1, tzinfo=UTC)
    assert merge([(t + 2 * H, t + 3 * H), (t, t + H), (t + H, t + 2 * H)]) == [(t, t + 3 * H)]
    assert [w.threshold for w in resolution_warnings("SLA-2025-0001", 7, 0.8)] == [50, 75]
    keys = [w.key for w in budget_warnings("SLA-2025-0001", "2025-01", 1.2)]
    assert keys == [f"breach:SLA-2025-0001:budget:2025-01:{t}" for t in (50, 75, 100)]


def test_union_elapsed_batch_agrees_with_the_pure_form() -> None:
    cal = service_calendar(3, tz="Asia/Shanghai")
    rng = np.random.default_rng(7)
    base = np.datetime64("2025-01-01T00:00", "us")
    starts = base + rng.integers(0, 31 * 86400, 400).astype("timedelta64[s]")
    ends = starts + rng.integers(0, 3 * 86400, 400).astype("timedelta64[s]")
    groups = rng.integers(0, 9, 400)
    got = cal.union_elapsed_batch(starts, ends, groups, 9)
    for g in range(9):
        ivs = [
            (s.astype(datetime).replace(tzinfo=UTC), e.astype(datetime).replace(tzinfo=UTC))
            for s, e, k in zip(starts, ends, groups, strict=True)
            if k == g
        ]
        want = sum((cal.elapsed(s, e) for s, e in merge(ivs)), timedelta())
        assert got[g].astype("timedelta64[us]").astype(int) == want // timedelta(microseconds=1)
