"""The index behind a Calendar: each local year's opening windows as UTC microseconds, merged
over a range of years, with the business time before each window and a bucket table for
O(1) lookups (see the Calendar's module)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import accumulate, pairwise
from typing import Any

from bot.flows.business_time._schedule import (
    MAX_YEAR,
    MIN_YEAR,
    NaiveDatetimeError,
    OutOfRangeError,
    Week,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NAIVE_EPOCH = datetime(1970, 1, 1)
US = timedelta(microseconds=1)
_S = 1_000_000
#: below 2**31 s from the epoch (1901-12-13 .. 2038-01-19) ``round(dt.timestamp() * 1e6)``
#: is exact: the float timestamp is within 0.12 us, the product within 0.13 us more
FAST = 2**31 * _S

Fast = tuple[int, int, int, list[int], list[int], list[int], list[int], list[int]]


@dataclass(frozen=True, slots=True, eq=False)
class Year:
    windows: tuple[tuple[int, int], ...]  # UTC microseconds, sorted, merged
    workdays: tuple[int, ...]  # ordinals of the days with opening hours


@dataclass(slots=True, eq=False)
class Index:
    """Windows of local years ``y0..y1``, covering UTC ``[lo, hi)``.

    ``k = bisect_right(opens, t)`` is the position of ``t``: ``opens[0]`` is a zero-length
    sentinel window at ``lo - 1`` and positions have a dummy at 0, so that
    ``F(t) = t + base[k] if t < close[k] else cumc[k]`` for ``lo <= t < hi``.
    ``r_open[j]``/``r_cum[j]`` are the open and the business time before real window
    ``j``; ``r_cum[-1]`` is ``total``. ``fast`` serves the pure-Python hot paths in O(1):
    ``(origin, end, shift, table, opens + [inf], close, base, cumc)`` where ``table[b]`` is
    the position of ``origin + (b << shift)``, stepped forward over the later openings in
    its bucket (a bucket is no longer than the smallest gap between openings, so it holds
    at most one, unless that would make the table longer than 4 entries per window).
    """

    y0: int
    y1: int
    lo: int
    hi: int
    opens: list[int]
    close: list[int]
    base: list[int]
    cumc: list[int]
    r_open: list[int]
    r_cum: list[int]
    total: int
    workdays: list[int]
    fast: Fast
    arrays: Any = None  # numpy form, built by the first batch call


EMPTY = Index(1, 0, 0, 0, [], [], [], [], [], [0], 0, [], (0, 0, 0, [], [], [], [], []))


def build_index(y0: int, y1: int, years: Iterable[Year], lo: int, hi: int) -> Index:
    """The index of local years ``y0..y1`` (their ``years``), covering UTC ``[lo, hi)``."""
    r_open: list[int] = []
    r_close: list[int] = []
    workdays: list[int] = []
    for year in years:
        for o, c in year.windows:
            if r_close and r_close[-1] == o:
                r_close[-1] = c
            else:
                r_open.append(o)
                r_close.append(c)
        workdays.extend(year.workdays)
    r_cum = [0, *accumulate(c - o for o, c in zip(r_open, r_close, strict=True))]
    sentinel = lo - 1
    opens = [sentinel, *r_open]
    close = [sentinel, sentinel, *r_close]
    base = [0, -sentinel, *(cb - o for cb, o in zip(r_cum, r_open, strict=False))]
    cumc = [0, 0, *r_cum[1:]]
    origin, end = max(lo, 1 - FAST), min(hi, FAST)
    span = max(end - origin, 1)
    gaps = [b - a for a, b in pairwise(r_open)]
    step = max(min(gaps, default=span), span // (4 * len(opens)), 1)
    shift = step.bit_length() - 1  # buckets of 2**shift <= step microseconds
    padded = [*opens, 2**62]
    table: list[int] = []
    k = 0
    for b in range((span >> shift) + 1):
        while padded[k] <= origin + (b << shift):
            k += 1
        table.append(k)
    fast = (origin, end, shift, table, padded, close, base, cumc)
    return Index(y0, y1, lo, hi, opens, close, base, cumc, r_open, r_cum, r_cum[-1], workdays, fast)


def build_year(
    year: int,
    week: Week,
    makeup: tuple[tuple[int, int], ...],
    off: frozenset[date],
    on: frozenset[date],
    tz: tzinfo,
) -> Year:
    """The merged UTC opening windows and the working days of local ``year``."""
    windows: list[tuple[int, int]] = []
    workdays: list[int] = []
    for o in range(date(year, 1, 1).toordinal(), date(year + 1, 1, 1).toordinal()):
        day = date.fromordinal(o)
        own = week[(o - 1) % 7]
        hours = (own or makeup) if day in on else () if day in off else own
        if not hours:
            continue
        workdays.append(o)
        for a, b in hours:
            u0, u1 = edge(tz, o, a), edge(tz, o, b)
            if u1 <= u0:
                continue  # swallowed by a DST gap
            if windows and windows[-1][1] >= u0:
                windows[-1] = (windows[-1][0], max(u1, windows[-1][1]))
            else:
                windows.append((u0, u1))
    return Year(tuple(windows), tuple(workdays))


def wall(tz: tzinfo, u: int) -> datetime:
    """The local wall clock (naive) at UTC microseconds ``u``."""
    return (EPOCH + timedelta(microseconds=u)).astimezone(tz).replace(tzinfo=None)


def edge(tz: tzinfo, ordinal: int, second: int) -> int:
    """UTC microseconds of the first instant whose local wall clock reads at least
    ``second`` seconds into the day ``ordinal`` (``86400`` = the next midnight)."""
    naive = datetime.fromordinal(ordinal) + timedelta(seconds=second)
    naive_us = (naive - NAIVE_EPOCH) // US
    offset = naive.replace(tzinfo=tz).utcoffset()
    assert offset is not None
    u = naive_us - offset // US  # fold=0: the first occurrence of a repeated time
    if wall(tz, u) == naive:
        return u
    # a wall time the clock skips: find the transition between the two readings
    offset1 = naive.replace(tzinfo=tz, fold=1).utcoffset()
    assert offset1 is not None
    below, above = sorted((naive_us - offset1 // US, u))
    if wall(tz, below) >= naive or wall(tz, above) < naive:
        return u  # not a plain gap: keep zoneinfo's reading
    while above - below > 1:
        mid = (below + above) // 2
        if wall(tz, mid) >= naive:
            above = mid
        else:
            below = mid
    return above


def exact_us(dt: datetime, argument: str) -> int:
    """An aware datetime as UTC microseconds since the epoch (exact)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise NaiveDatetimeError(argument, dt)
    return (dt - EPOCH) // US


def from_us(u: int, tz: tzinfo | None) -> datetime:
    """UTC microseconds as a datetime in ``tz``."""
    # exact: below 2**33 s (1697..2242) u / 1e6 is within 0.48 us of the true value and
    # fromtimestamp rounds to the nearest microsecond
    return datetime.fromtimestamp(u / 1e6, tz)


def business_before(ix: Index, t: int) -> int:
    """``F(t)``: business time from the start of the index's range to ``t``."""
    k = bisect_right(ix.opens, t)
    return t + ix.base[k] if t < ix.close[k] else ix.cumc[k]


def naive_error(start: datetime, end: datetime) -> NaiveDatetimeError:
    return (
        NaiveDatetimeError("start", start)
        if start.tzinfo is None
        else NaiveDatetimeError("end", end)
    )


def ordinal_of(day: date) -> int:
    """The ordinal of a supported day (a date, not a datetime)."""
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"day must be a datetime.date (not a datetime), got {day!r}")
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise OutOfRangeError(f"{day} is outside the supported years {MIN_YEAR}-{MAX_YEAR}")
    return day.toordinal()


def local_year(tz: tzinfo, u: int) -> int:
    """The local year at UTC microseconds ``u`` (just outside the range when it overflows)."""
    try:
        return (EPOCH + timedelta(microseconds=u)).astimezone(tz).year
    except OverflowError:
        return MIN_YEAR - 1 if u < 0 else MAX_YEAR + 1
