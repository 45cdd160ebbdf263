"""Property tests of the business-time engine against a straightforward reference.

The reference knows nothing of the engine's index: it lists each local day's opening
windows (weekly hours, holidays and makeup workdays read from the ``holidays`` package
here), converts them to UTC with the day's fixed offset, and on the days the offset
changes it walks the day minute by minute asking the wall clock. ``elapsed`` sums
overlaps, ``add`` walks the windows. A second, brute-force check counts open minutes one
by one on short intervals.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.flows.business_time import Calendar

H = 3600
ZONES = {"UTC": None, "Asia/Shanghai": "CN", "Europe/Berlin": "DE"}
#: instants the reference covers (UTC seconds); test intervals stay well inside
DOMAIN = (date(2022, 12, 25), date(2028, 1, 10))
T0 = int(datetime(2023, 6, 1, tzinfo=UTC).timestamp())
T1 = int(datetime(2026, 6, 1, tzinfo=UTC).timestamp())
MAX_MINUTES = 400 * 1440


@dataclass(frozen=True)
class Spec:
    week: dict[int, tuple[tuple[int, int], ...]]
    skip_holidays: bool
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)


CUSTOM_OFF = frozenset({date(2024, 3, 15), date(2025, 7, 4), date(2025, 10, 8)})
CUSTOM_ON = frozenset({date(2024, 10, 3), date(2025, 1, 1), date(2025, 12, 27)})
SPECS = {
    "7x24": Spec({d: ((0, 24 * H),) for d in range(7)}, skip_holidays=False),
    "7x12": Spec({d: ((8 * H, 20 * H),) for d in range(7)}, skip_holidays=True),
    "5x8": Spec({d: ((9 * H, 17 * H),) for d in range(5)}, skip_holidays=True),
    "custom": Spec(
        {d: ((9 * H, 12 * H), (13 * H + 1800, 18 * H)) for d in range(5)}
        | {5: ((10 * H, 14 * H),)},
        skip_holidays=True,
        extra_holidays=CUSTOM_OFF,
        extra_workdays=CUSTOM_ON,
    ),
}


def make_calendar(spec_name: str, tz: str) -> Calendar:
    country = ZONES[tz]
    if spec_name != "custom":
        return Calendar.for_tier({"7x24": 1, "7x12": 2, "5x8": 3}[spec_name], tz, country)
    return Calendar(
        {
            0: [("09:00", "12:00"), ("13:30", "18:00")],
            1: [("13:30", "18:00"), ("09:00", "12:00")],
            2: [("09:00", "10:00"), ("10:00", "12:00"), ("13:30", "18:00")],
            3: [("09:00", "12:00"), ("13:30", "18:00")],
            4: [("09:00", "11:00"), ("10:00", "12:00"), ("13:30", "18:00")],
            5: [("10:00", "14:00")],
        },
        tz=tz,
        country=country,
        extra_holidays=CUSTOM_OFF,
        extra_workdays=CUSTOM_ON,
    )


# ---------------------------------------------------------------------- the reference


@cache
def package_days(country: str | None, year: int) -> tuple[frozenset[date], frozenset[date]]:
    if country is None:
        return frozenset(), frozenset()
    data = holidays.country_holidays(country, years=year)
    return frozenset(data), frozenset(getattr(data, "weekend_workdays", ()))


def day_windows(spec: Spec, country: str | None, day: date) -> tuple[tuple[int, int], ...]:
    own = spec.week.get(day.weekday(), ())
    if not spec.skip_holidays:
        return own
    off, makeup = package_days(country, day.year)
    if day in spec.extra_workdays:
        return own or spec.week[0]
    if day in spec.extra_holidays:
        return ()
    if day in makeup:
        return own or spec.week[0]
    if day in off:
        return ()
    return own


def open_by_wall_clock(spec: Spec, country: str | None, tz: ZoneInfo, t: int) -> bool:
    local = datetime.fromtimestamp(t, tz)
    second = local.hour * H + local.minute * 60 + local.second
    return any(a <= second < b for a, b in day_windows(spec, country, local.date()))


def _days(first: date, last: date) -> Iterator[date]:
    while first < last:
        yield first
        first += timedelta(days=1)


@cache
def reference_intervals(spec_name: str, tz_name: str) -> tuple[tuple[int, int], ...]:
    """Sorted, merged open intervals (UTC seconds) over DOMAIN."""
    spec, country, tz = SPECS[spec_name], ZONES[tz_name], ZoneInfo(tz_name)
    pieces: list[tuple[int, int]] = []
    for day in _days(*DOMAIN):
        windows = day_windows(spec, country, day)
        if not windows:
            continue
        midnight = (day - date(1970, 1, 1)).days * 86400
        this = datetime(day.year, day.month, day.day, tzinfo=tz)
        nxt = this + timedelta(days=1)
        off, off_next = this.utcoffset(), nxt.utcoffset()
        assert off is not None
        regular = off == off_next and all(
            d.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == d.replace(tzinfo=None)
            for d in (this, nxt)
        )
        if regular:
            shift = int(off.total_seconds())
            pieces += [(midnight + a - shift, midnight + b - shift) for a, b in windows]
            continue
        # the offset changes today: ask the wall clock, minute by minute
        run: int | None = None
        for t in range(midnight - 15 * H, midnight + 39 * H + 60, 60):
            local = datetime.fromtimestamp(t, tz)
            second = local.hour * H + local.minute * 60
            inside = local.date() == day and any(a <= second < b for a, b in windows)
            if inside and run is None:
                run = t
            elif not inside and run is not None:
                pieces.append((run, t))
                run = None
    merged: list[tuple[int, int]] = []
    for a, b in sorted(pieces):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return tuple(merged)


def ref_elapsed(intervals: tuple[tuple[int, int], ...], s: int, e: int) -> int:
    if e < s:
        return -ref_elapsed(intervals, e, s)
    return sum(max(0, min(b, e) - max(a, s)) for a, b in intervals)


def ref_add(intervals: tuple[tuple[int, int], ...], s: int, d: int) -> int:
    """Earliest t >= s with d of business time in [s, t) (latest t <= s for d < 0)."""
    if d == 0:
        return s
    if d > 0:
        for a, b in intervals:
            if b > s:
                a = max(a, s)
                if d <= b - a:
                    return a + d
                d -= b - a
    else:
        d = -d
        for a, b in reversed(intervals):
            if a < s:
                b = min(b, s)
                if d <= b - a:
                    return b - d
                d -= b - a
    raise AssertionError("outside the reference domain")


# ---------------------------------------------------------------------- the properties

COMBOS = [(spec, tz) for spec in SPECS for tz in ZONES]
INPUT_ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), None]  # None: the calendar's
PROPS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
starts = st.integers(T0 // 60, T1 // 60).map(lambda m: m * 60)
lengths = st.one_of(st.integers(1, 3 * 1440), st.integers(1, MAX_MINUTES)).map(lambda m: m * 60)


def aware(t: int, zone: timezone | None, cal: Calendar) -> datetime:
    return datetime.fromtimestamp(t, zone or cal.tz)


@pytest.fixture(scope="module", params=COMBOS, ids=[f"{s}-{z}" for s, z in COMBOS])
def combo(request: pytest.FixtureRequest) -> tuple[Calendar, tuple[tuple[int, int], ...], str]:
    spec, tz = request.param
    return make_calendar(spec, tz), reference_intervals(spec, tz), spec


Combo = tuple[Calendar, tuple[tuple[int, int], ...], str]


@PROPS
@given(s=starts, length=lengths, zs=st.sampled_from(INPUT_ZONES), ze=st.sampled_from(INPUT_ZONES))
def test_elapsed_matches_reference(
    combo: Combo, s: int, length: int, zs: timezone | None, ze: timezone | None
) -> None:
    cal, intervals, _ = combo
    e = s + length
    want = timedelta(seconds=ref_elapsed(intervals, s, e))
    start, end = aware(s, zs, cal), aware(e, ze, cal)
    assert cal.elapsed(start, end) == want
    assert cal.elapsed(end, start) == -want


@PROPS
@given(s=starts, length=lengths, zs=st.sampled_from(INPUT_ZONES))
def test_add_gives_earliest_instant(combo: Combo, s: int, length: int, zs: timezone | None) -> None:
    cal, intervals, _ = combo
    e = s + length
    start, end = aware(s, zs, cal), aware(e, zs, cal)
    spent = cal.elapsed(start, end)
    due = cal.add(start, spent)
    # compare instants (timestamps): Python compares datetimes of one zone by wall clock,
    # and never finds an ambiguous local time equal to a datetime of another zone
    assert due.timestamp() == ref_add(intervals, s, int(spent.total_seconds()))
    assert due.tzinfo is start.tzinfo
    assert due.timestamp() <= e
    assert cal.elapsed(start, due) == spent
    # e itself when it is inside hours (open < e <= close), else the last close before it
    if spent and ref_elapsed(intervals, e - 60, e) == 60:
        assert due.timestamp() == e
    # and backwards: the latest instant before `end` with that much business time
    back = cal.add(end, -spent)
    assert back.timestamp() == ref_add(intervals, e, -int(spent.total_seconds()))
    assert cal.elapsed(back, end) == spent


@PROPS
@given(s=starts, minutes=st.integers(1, 60 * 1440), zs=st.sampled_from(INPUT_ZONES))
def test_add_matches_reference(combo: Combo, s: int, minutes: int, zs: timezone | None) -> None:
    cal, intervals, _ = combo
    start = aware(s, zs, cal)
    d = timedelta(minutes=minutes)
    due = cal.add(start, d)
    assert due.timestamp() == ref_add(intervals, s, minutes * 60)
    assert cal.elapsed(start, due) == d


@settings(max_examples=25, deadline=None, derandomize=True)
@given(s=starts, minutes=st.integers(1, 2 * 1440))
def test_minute_by_minute(combo: Combo, s: int, minutes: int) -> None:
    """Brute force on short intervals: count the open minutes, asking the wall clock."""
    cal, _, spec_name = combo
    tz = ZoneInfo(str(cal.tz))
    country = ZONES[str(cal.tz)]
    spec = SPECS[spec_name]
    count = sum(open_by_wall_clock(spec, country, tz, t) for t in range(s, s + minutes * 60, 60))
    assert cal.elapsed(aware(s, UTC, cal), aware(s + minutes * 60, UTC, cal)) == timedelta(
        minutes=count
    )


def test_reference_sees_dst_days() -> None:
    """The reference itself: Berlin's 7x24 days around the changes last 23 and 25 hours."""
    intervals = reference_intervals("7x24", "Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")

    def day(y: int, m: int, d: int) -> int:
        a = int(datetime(y, m, d, tzinfo=berlin).timestamp())
        b = int((datetime(y, m, d, tzinfo=berlin) + timedelta(days=1)).timestamp())
        return ref_elapsed(intervals, a, b)

    assert day(2025, 3, 30) == 23 * H
    assert day(2025, 10, 26) == 25 * H
    assert day(2025, 6, 1) == 24 * H


def test_batch_matches_scalar(combo: Combo) -> None:
    np = pytest.importorskip("numpy")
    cal, intervals, _ = combo
    rng = np.random.default_rng(7)
    n = 300
    s = rng.integers(T0 // 60, T1 // 60, n) * 60
    e = s + rng.integers(-60 * 1440, 60 * 1440, n) * 60
    got = cal.elapsed_batch(s.astype("datetime64[s]"), e.astype("datetime64[s]"))
    want = [ref_elapsed(intervals, int(a), int(b)) for a, b in zip(s, e, strict=True)]
    assert (got.astype("timedelta64[s]").astype(np.int64) == want).all()
    d = rng.integers(-30 * 1440, 30 * 1440, n) * 60
    d[:10] = 0
    due = cal.add_batch(s.astype("datetime64[s]"), d.astype("timedelta64[s]"))
    want = [ref_add(intervals, int(a), int(b)) for a, b in zip(s, d, strict=True)]
    assert (due.astype("datetime64[s]").astype(np.int64) == want).all()
