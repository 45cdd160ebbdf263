"""The Calendar: business time over a flat, lazily built index of UTC windows.

Every local opening window of every day in a range of years becomes a half-open UTC
interval ``[open, close)`` in integer microseconds since the epoch; windows that touch
are merged (a 7x24 range is a single window). With ``cum`` the business time before
each window, ``F(t)`` (business time from the start of the range to ``t``) is a lookup of
``t``'s window plus a clamp, ``elapsed(s, e) = F(e) - F(s)``, and ``add`` inverts ``F`` by
bisecting ``cum``: the cost does not depend on the interval's length. The lookup is O(1)
(a bucket table) on the pure-Python fast path, which reads ``dt.timestamp()`` and so only
serves 1901-2038 where that float is exact to the microsecond; elsewhere an exact datetime
subtraction and a bisection (O(log n) in the number of windows) take over.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import accumulate, pairwise
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.flows.business_time._schedule import (
    MAX_YEAR,
    MIN_YEAR,
    NaiveDatetimeError,
    OutOfRangeError,
    TimeLike,
    Week,
    WindowSpec,
    day_set,
    describe_week,
    normalise_week,
    tier_week,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    #: ``datetime64`` values (read as UTC) or aware datetimes
    Instants = npt.ArrayLike | Sequence[datetime]
    #: ``timedelta64`` values or timedeltas
    Durations = npt.ArrayLike | Sequence[timedelta]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)
_S = 1_000_000
#: below 2**31 s from the epoch (1901-12-13 .. 2038-01-19) ``round(dt.timestamp() * 1e6)``
#: is exact: the float timestamp is within 0.12 us, the product within 0.13 us more
_FAST = 2**31 * _S

_Fast = tuple[int, int, int, list[int], list[int], list[int], list[int], list[int]]


@dataclass(frozen=True, slots=True, eq=False)
class _Year:
    windows: tuple[tuple[int, int], ...]  # UTC microseconds, sorted, merged
    workdays: tuple[int, ...]  # ordinals of the days with opening hours


@dataclass(slots=True, eq=False)
class _Index:
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
    fast: _Fast
    arrays: Any = None  # numpy form, built by the first batch call


_EMPTY = _Index(1, 0, 0, 0, [], [], [], [], [], [0], 0, [], (0, 0, 0, [], [], [], [], []))


def _exact_us(dt: datetime, argument: str) -> int:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise NaiveDatetimeError(argument, dt)
    return (dt - _EPOCH) // _US


def _from_us(u: int, tz: tzinfo | None) -> datetime:
    # exact: below 2**33 s (1697..2242) u / 1e6 is within 0.48 us of the true value and
    # fromtimestamp rounds to the nearest microsecond
    return datetime.fromtimestamp(u / 1e6, tz)


def _f(ix: _Index, t: int) -> int:
    k = bisect_right(ix.opens, t)
    return t + ix.base[k] if t < ix.close[k] else ix.cumc[k]


def _naive(start: datetime, end: datetime) -> NaiveDatetimeError:
    return (
        NaiveDatetimeError("start", start)
        if start.tzinfo is None
        else NaiveDatetimeError("end", end)
    )


class Calendar:
    """Business hours: weekly local windows in a time zone, minus holidays, plus makeup days.

    ``windows`` maps a weekday (0 = Monday .. 6 = Sunday) to ``(open, close)`` local
    times (``"09:00"``, ``time(9)``; ``"24:00"`` closes at midnight); a window may not
    cross midnight. With ``skip_holidays`` (the default) a day is closed when it is a
    holiday of ``country`` (the ``holidays`` package, ``subdiv`` optional) or in
    ``extra_holidays``, and open when it is an official makeup workday (the package's
    ``weekend_workdays``, e.g. China's 调休 Saturdays) or in ``extra_workdays``; the extras
    win over the package (``extra_workdays`` over everything). A reopened day keeps its own
    windows, or, when its weekday has none (a Saturday on 5x8), takes those of
    ``makeup_weekday`` (default: the first weekday with windows, Monday on 5x8). Without
    ``skip_holidays`` the week repeats unchanged (holidays and extras are ignored).

    Time: windows are local wall-clock times converted per day with the zone's rules, so
    a 7x24 day that loses an hour to DST counts 23 hours and one that gains counts 25. A
    window edge at a wall time the clock skips (spring forward) is the transition itself
    (the first instant the clock shows a later time); an edge at a wall time that occurs
    twice (fall back) is its first occurrence. Results are exact to the microsecond.

    Semantics: ``elapsed(s, e)`` is business time in ``[s, e)``, negative when ``e < s``.
    ``add(s, d)`` for ``d > 0`` is the *earliest* ``t >= s`` with ``elapsed(s, t) == d`` (so
    8 hours from Monday 09:00 on 5x8 is Monday 17:00, not Tuesday 09:00); for ``d < 0``
    the latest ``t <= s`` with ``elapsed(t, s) == -d``; ``add(s, 0) == s``. Results are in
    the tzinfo of the argument (with ``fold`` set in a repeated hour; mind that Python
    compares datetimes of one zone by wall clock and never finds a time in a repeated hour
    equal to one of another zone: compare instants in UTC). Supported instants: local years
    1900-2200.
    """

    def __init__(
        self,
        windows: WindowSpec,
        *,
        tz: str | tzinfo = "Asia/Shanghai",
        country: str | None = "CN",
        skip_holidays: bool = True,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        subdiv: str | None = None,
        makeup_weekday: int | None = None,
        name: str = "custom",
    ) -> None:
        self._init(
            normalise_week(windows),
            tz=tz,
            country=country,
            skip_holidays=skip_holidays,
            extra_holidays=extra_holidays,
            extra_workdays=extra_workdays,
            subdiv=subdiv,
            makeup_weekday=makeup_weekday,
            name=name,
        )

    @classmethod
    def for_tier(
        cls,
        tier: int,
        tz: str | tzinfo = "Asia/Shanghai",
        country: str | None = "CN",
        *,
        hours: tuple[TimeLike, TimeLike] | None = None,
        skip_holidays: bool | None = None,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        subdiv: str | None = None,
    ) -> Calendar:
        """Tier 1 = 7x24 (ignores holidays), 2 = 7x12 (08:00-20:00), 3 = 5x8 (Mon-Fri
        09:00-17:00); 2 and 3 skip holidays. ``hours`` replaces the default daily hours."""
        week, skip_default, label = tier_week(tier, hours)
        cal = cls.__new__(cls)
        cal._init(
            week,
            tz=tz,
            country=country,
            skip_holidays=skip_default if skip_holidays is None else skip_holidays,
            extra_holidays=extra_holidays,
            extra_workdays=extra_workdays,
            subdiv=subdiv,
            makeup_weekday=None,
            name=f"tier {tier} ({label})",
        )
        return cal

    def _init(
        self,
        week: Week,
        *,
        tz: str | tzinfo,
        country: str | None,
        skip_holidays: bool,
        extra_holidays: Iterable[date],
        extra_workdays: Iterable[date],
        subdiv: str | None,
        makeup_weekday: int | None,
        name: str,
    ) -> None:
        if isinstance(tz, str):
            try:
                tz = ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {tz!r}") from exc
        if not isinstance(tz, tzinfo):
            raise TypeError(f"tz must be a zone name or a tzinfo, got {tz!r}")
        off = day_set(extra_holidays, "extra_holidays")
        on = day_set(extra_workdays, "extra_workdays")
        if both := sorted(off & on):
            raise ValueError(f"days both in extra_holidays and extra_workdays: {both}")
        if country is not None:
            import holidays

            try:
                holidays.country_holidays(country, subdiv=subdiv, years=[])
            except NotImplementedError as exc:
                raise ValueError(f"no holiday data for {country!r}: {exc}") from exc
        if makeup_weekday is None:
            makeup_weekday = next(d for d in range(7) if week[d])
        elif not 0 <= makeup_weekday <= 6:
            raise ValueError(f"makeup_weekday is 0 (Monday) .. 6, got {makeup_weekday!r}")
        self.name = name
        self.tz: tzinfo = tz
        self.country = country
        self.subdiv = subdiv
        self.skip_holidays = skip_holidays
        self.extra_holidays = off
        self.extra_workdays = on
        self.makeup_weekday = makeup_weekday
        self._week = week
        self._makeup = week[makeup_weekday]
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()
        self._ix = _EMPTY

    @property
    def weekly_hours(self) -> dict[int, tuple[tuple[str, str], ...]]:
        """Weekday -> its ``('HH:MM', 'HH:MM')`` windows (days without hours are left out)."""
        return describe_week(self._week)

    def __repr__(self) -> str:
        return (
            f"Calendar({self.name}, tz={self.tz}, country={self.country}, "
            f"skip_holidays={self.skip_holidays}, hours={self.weekly_hours})"
        )

    # ------------------------------------------------------------------ operations

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time in ``[start, end)``; negative (``-elapsed(end, start)``) if end < start."""
        if start.tzinfo is None or end.tzinfo is None:
            raise _naive(start, end)
        s = round(start.timestamp() * 1e6)
        e = round(end.timestamp() * 1e6)
        lo, hi, shift, table, opens, close, base, cumc = self._ix.fast
        if lo <= s < hi and lo <= e < hi:
            k = table[(s - lo) >> shift]
            while opens[k] <= s:
                k += 1
            fs = s + base[k] if s < close[k] else cumc[k]
            k = table[(e - lo) >> shift]
            while opens[k] <= e:
                k += 1
            fe = e + base[k] if e < close[k] else cumc[k]
            return _US * (fe - fs)
        s, e = _exact_us(start, "start"), _exact_us(end, "end")
        ix = self._cover(min(s, e), max(s, e))
        return _US * (_f(ix, e) - _f(ix, s))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant when ``duration`` of business time has passed since ``start``."""
        if start.tzinfo is None:
            raise NaiveDatetimeError("start", start)
        if not isinstance(duration, timedelta):
            raise TypeError(f"duration must be a timedelta, got {duration!r}")
        d = duration // _US
        if d == 0:
            return start
        ix = self._ix
        s = round(start.timestamp() * 1e6)
        lo, hi, shift, table, opens, close, base, cumc = ix.fast
        if lo <= s < hi:
            k = table[(s - lo) >> shift]
            while opens[k] <= s:
                k += 1
            target = (s + base[k] if s < close[k] else cumc[k]) + d
        else:
            s = _exact_us(start, "start")
            ix = self._cover(s, s)
            target = _f(ix, s) + d
        while True:
            if d > 0:
                if target <= ix.total:  # earliest: the first window reaching target
                    j = bisect_left(ix.r_cum, target) - 1
                    break
            elif target >= 0:  # latest: the last window starting at or before target
                j = bisect_right(ix.r_cum, target) - 1
                break
            ix = self._grow(ix, forward=d > 0)
            target = _f(ix, s) + d
        return _from_us(ix.r_open[j] + target - ix.r_cum[j], start.tzinfo)

    def is_open(self, instant: datetime) -> bool:
        """Whether ``instant`` is inside business hours (windows are ``[open, close)``)."""
        if instant.tzinfo is None:
            raise NaiveDatetimeError("instant", instant)
        t = round(instant.timestamp() * 1e6)
        ix = self._ix
        if not ix.fast[0] <= t < ix.fast[1]:
            t = _exact_us(instant, "instant")
            ix = self._cover(t, t)
        return t < ix.close[bisect_right(ix.opens, t)]

    def next_open(self, instant: datetime) -> datetime:
        """``instant`` itself when open, else the next opening (in the tzinfo of ``instant``)."""
        t = _exact_us(instant, "instant")
        ix = self._cover(t, t)
        while True:
            k = bisect_right(ix.opens, t)
            if t < ix.close[k]:
                return instant
            if k < len(ix.opens):
                return _from_us(ix.opens[k], instant.tzinfo)
            ix = self._grow(ix, forward=True)

    def is_working_day(self, day: date) -> bool:
        """Whether the local date ``day`` has opening hours (after holidays and makeup days)."""
        o = self._ordinal(day)
        wd = self._cover_years(day.year, day.year).workdays
        i = bisect_left(wd, o)
        return i < len(wd) and wd[i] == o

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (before it when ``n < 0``; ``day`` itself
        does not count); ``n == 0`` rolls ``day`` forward to a working day."""
        o = self._ordinal(day)
        ix = self._cover_years(day.year, day.year)
        while True:
            wd = ix.workdays
            if n > 0:
                i = bisect_right(wd, o) + n - 1
                ok = i < len(wd)
            elif n < 0:
                i = bisect_left(wd, o) + n
                ok = i >= 0
            else:
                i = bisect_left(wd, o)
                ok = i < len(wd)
            if ok:
                return date.fromordinal(wd[i])
            ix = self._grow(ix, forward=n >= 0)

    # ------------------------------------------------------------------ batch forms

    def elapsed_batch(self, starts: Instants, ends: Instants) -> npt.NDArray[Any]:
        """Vectorised ``elapsed``: ``starts``/``ends`` are ``datetime64`` arrays (read as UTC)
        or sequences of aware datetimes; returns ``timedelta64[us]``."""
        from bot.flows.business_time import _batch

        return _batch.elapsed(self, starts, ends)

    def add_batch(self, starts: Instants, durations: Durations) -> npt.NDArray[Any]:
        """Vectorised ``add``: ``durations`` are ``timedelta64`` or timedeltas; returns
        ``datetime64[us]`` in UTC."""
        from bot.flows.business_time import _batch

        return _batch.add(self, starts, durations)

    def union_elapsed_batch(
        self, starts: Instants, ends: Instants, groups: npt.ArrayLike, n_groups: int
    ) -> npt.NDArray[Any]:
        """Business time inside the union of each group's intervals (overlapping ones count
        once): ``groups[i]`` in ``0 .. n_groups - 1`` names interval ``i``'s group; returns
        ``timedelta64[us]`` of length ``n_groups``."""
        from bot.flows.business_time import _batch

        return _batch.union_elapsed(self, starts, ends, groups, n_groups)

    # ------------------------------------------------------------------ index

    @staticmethod
    def _ordinal(day: date) -> int:
        if isinstance(day, datetime) or not isinstance(day, date):
            raise TypeError(f"day must be a datetime.date (not a datetime), got {day!r}")
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise OutOfRangeError(f"{day} is outside the supported years {MIN_YEAR}-{MAX_YEAR}")
        return day.toordinal()

    def _local_year(self, u: int) -> int:
        try:
            return (_EPOCH + timedelta(microseconds=u)).astimezone(self.tz).year
        except OverflowError:
            return MIN_YEAR - 1 if u < 0 else MAX_YEAR + 1

    def _cover(self, u_min: int, u_max: int) -> _Index:
        """An index whose range holds the UTC microseconds ``u_min`` .. ``u_max``."""
        ix = self._ix
        while not (ix.lo <= u_min and u_max < ix.hi):
            ya, yb = self._local_year(u_min), self._local_year(u_max)
            for y in (ya, yb):
                if not MIN_YEAR <= y <= MAX_YEAR:
                    raise OutOfRangeError(
                        f"an instant in local year {y} is outside the supported years "
                        f"{MIN_YEAR}-{MAX_YEAR}"
                    )
            years = (ix.y0, ix.y1)
            ix = self._cover_years(max(ya - 1, MIN_YEAR), min(yb + 1, MAX_YEAR), ix)
            if (ix.y0, ix.y1) == years:  # pragma: no cover - a zone with a broken year
                raise OutOfRangeError(f"cannot cover instants {u_min}..{u_max} (us)")
        return ix

    def _cover_years(self, y0: int, y1: int, ix: _Index | None = None) -> _Index:
        ix = ix or self._ix
        if ix.y0 <= y0 and y1 <= ix.y1:
            return ix
        with self._lock:
            cur = self._ix
            if cur.y0 <= cur.y1:
                y0, y1 = min(y0, cur.y0), max(y1, cur.y1)
            if not (cur.y0 <= y0 and y1 <= cur.y1):
                cur = self._build(y0, y1)
                self._ix = cur
            return cur

    def _grow(self, ix: _Index, *, forward: bool) -> _Index:
        span = ix.y1 - ix.y0 + 1
        if forward:
            if ix.y1 >= MAX_YEAR:
                raise OutOfRangeError(f"the result is after the supported years (>{MAX_YEAR})")
            return self._cover_years(ix.y0, min(ix.y1 + span, MAX_YEAR), ix)
        if ix.y0 <= MIN_YEAR:
            raise OutOfRangeError(f"the result is before the supported years (<{MIN_YEAR})")
        return self._cover_years(max(ix.y0 - span, MIN_YEAR), ix.y1, ix)

    def _build(self, y0: int, y1: int) -> _Index:
        lo = self._edge(date(y0, 1, 1).toordinal(), 0)
        hi = self._edge(date(y1 + 1, 1, 1).toordinal(), 0)
        r_open: list[int] = []
        r_close: list[int] = []
        workdays: list[int] = []
        for y in range(y0, y1 + 1):
            year = self._years.get(y) or self._build_year(y)
            self._years[y] = year
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
        origin, end = max(lo, 1 - _FAST), min(hi, _FAST)
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
        return _Index(
            y0, y1, lo, hi, opens, close, base, cumc, r_open, r_cum, r_cum[-1], workdays, fast
        )

    def _day_overrides(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        """(closed days, reopened days) of ``year``."""
        if not self.skip_holidays:
            return frozenset(), frozenset()
        pkg_off: set[date] = set()
        pkg_on: set[date] = set()
        if self.country is not None:
            import holidays

            data = holidays.country_holidays(self.country, subdiv=self.subdiv, years=year)
            pkg_off = {d for d in data if d.year == year}
            pkg_on = {d for d in getattr(data, "weekend_workdays", ()) if d.year == year}
        off = (pkg_off | self.extra_holidays) - self.extra_workdays
        on = (pkg_on - self.extra_holidays) | self.extra_workdays
        return frozenset(off), frozenset(on)

    def _build_year(self, year: int) -> _Year:
        off, on = self._day_overrides(year)
        week, makeup = self._week, self._makeup
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
                u0, u1 = self._edge(o, a), self._edge(o, b)
                if u1 <= u0:
                    continue  # swallowed by a DST gap
                if windows and windows[-1][1] >= u0:
                    windows[-1] = (windows[-1][0], max(u1, windows[-1][1]))
                else:
                    windows.append((u0, u1))
        return _Year(tuple(windows), tuple(workdays))

    def _wall(self, u: int) -> datetime:
        return (_EPOCH + timedelta(microseconds=u)).astimezone(self.tz).replace(tzinfo=None)

    def _edge(self, ordinal: int, second: int) -> int:
        """UTC microseconds of the first instant whose local wall clock reads at least
        ``second`` seconds into the day ``ordinal`` (``86400`` = the next midnight)."""
        naive = datetime.fromordinal(ordinal) + timedelta(seconds=second)
        naive_us = (naive - _NAIVE_EPOCH) // _US
        offset = naive.replace(tzinfo=self.tz).utcoffset()
        assert offset is not None
        u = naive_us - offset // _US  # fold=0: the first occurrence of a repeated time
        if self._wall(u) == naive:
            return u
        # a wall time the clock skips: find the transition between the two readings
        offset1 = naive.replace(tzinfo=self.tz, fold=1).utcoffset()
        assert offset1 is not None
        below, above = sorted((naive_us - offset1 // _US, u))
        if self._wall(below) >= naive or self._wall(above) < naive:
            return u  # not a plain gap: keep zoneinfo's reading
        while above - below > 1:
            mid = (below + above) // 2
            if self._wall(mid) >= naive:
                above = mid
            else:
                below = mid
        return above
