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
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from bot.flows.business_time._holidays import check_country, day_overrides, resolve_zone
from bot.flows.business_time._index import EMPTY as _EMPTY
from bot.flows.business_time._index import US as _US
from bot.flows.business_time._index import Index as _Index
from bot.flows.business_time._index import Year as _Year
from bot.flows.business_time._index import (
    build_index,
    build_year,
    business_before,
    edge,
    exact_us,
    from_us,
    local_year,
    naive_error,
    ordinal_of,
)
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
        tz = resolve_zone(tz)
        off = day_set(extra_holidays, "extra_holidays")
        on = day_set(extra_workdays, "extra_workdays")
        if both := sorted(off & on):
            raise ValueError(f"days both in extra_holidays and extra_workdays: {both}")
        check_country(country, subdiv)
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
            raise naive_error(start, end)
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
        s, e = exact_us(start, "start"), exact_us(end, "end")
        ix = self._cover(min(s, e), max(s, e))
        return _US * (business_before(ix, e) - business_before(ix, s))

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
            s = exact_us(start, "start")
            ix = self._cover(s, s)
            target = business_before(ix, s) + d
        while True:
            if d > 0:
                if target <= ix.total:  # earliest: the first window reaching target
                    j = bisect_left(ix.r_cum, target) - 1
                    break
            elif target >= 0:  # latest: the last window starting at or before target
                j = bisect_right(ix.r_cum, target) - 1
                break
            ix = self._grow(ix, forward=d > 0)
            target = business_before(ix, s) + d
        return from_us(ix.r_open[j] + target - ix.r_cum[j], start.tzinfo)

    def is_open(self, instant: datetime) -> bool:
        """Whether ``instant`` is inside business hours (windows are ``[open, close)``)."""
        if instant.tzinfo is None:
            raise NaiveDatetimeError("instant", instant)
        t = round(instant.timestamp() * 1e6)
        ix = self._ix
        if not ix.fast[0] <= t < ix.fast[1]:
            t = exact_us(instant, "instant")
            ix = self._cover(t, t)
        return t < ix.close[bisect_right(ix.opens, t)]

    def next_open(self, instant: datetime) -> datetime:
        """``instant`` itself when open, else the next opening (in the tzinfo of ``instant``)."""
        t = exact_us(instant, "instant")
        ix = self._cover(t, t)
        while True:
            k = bisect_right(ix.opens, t)
            if t < ix.close[k]:
                return instant
            if k < len(ix.opens):
                return from_us(ix.opens[k], instant.tzinfo)
            ix = self._grow(ix, forward=True)

    def is_working_day(self, day: date) -> bool:
        """Whether the local date ``day`` has opening hours (after holidays and makeup days)."""
        o = ordinal_of(day)
        wd = self._cover_years(day.year, day.year).workdays
        i = bisect_left(wd, o)
        return i < len(wd) and wd[i] == o

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (before it when ``n < 0``; ``day`` itself
        does not count); ``n == 0`` rolls ``day`` forward to a working day."""
        o = ordinal_of(day)
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

    def _cover(self, u_min: int, u_max: int) -> _Index:
        """An index whose range holds the UTC microseconds ``u_min`` .. ``u_max``."""
        ix = self._ix
        while not (ix.lo <= u_min and u_max < ix.hi):
            ya, yb = local_year(self.tz, u_min), local_year(self.tz, u_max)
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
        years: list[_Year] = []
        for y in range(y0, y1 + 1):
            year = self._years.get(y) or self._build_year(y)
            self._years[y] = year
            years.append(year)
        lo = self._edge(date(y0, 1, 1).toordinal(), 0)
        hi = self._edge(date(y1 + 1, 1, 1).toordinal(), 0)
        return build_index(y0, y1, years, lo, hi)

    def _build_year(self, year: int) -> _Year:
        off, on = day_overrides(
            year,
            skip_holidays=self.skip_holidays,
            country=self.country,
            subdiv=self.subdiv,
            extra_holidays=self.extra_holidays,
            extra_workdays=self.extra_workdays,
        )
        return build_year(year, self._week, self._makeup, off, on, self.tz)

    def _edge(self, ordinal: int, second: int) -> int:
        return edge(self.tz, ordinal, second)
