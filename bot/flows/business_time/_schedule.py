"""Weekly opening hours, their parsing and the errors of the business-time engine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time

#: a local wall-clock time of day: ``time(9)``, ``"09:00"``, ``"09:00:30"``; ``"24:00"`` as an end
TimeLike = time | str
#: weekday (0 = Monday .. 6 = Sunday) -> that day's ``(open, close)`` local windows
WindowSpec = Mapping[int, Iterable[tuple[TimeLike, TimeLike]]]
#: normalised week: 7 tuples (Monday first) of sorted, disjoint (open, close) seconds of day
Week = tuple[tuple[tuple[int, int], ...], ...]

DAY = 86_400
MIN_YEAR = 1900
MAX_YEAR = 2200


class NaiveDatetimeError(ValueError):
    """A naive datetime was given where an aware one (with a tzinfo) is required."""

    def __init__(self, argument: str, value: object) -> None:
        self.argument = argument
        super().__init__(
            f"{argument} must be a timezone-aware datetime, got naive {value!r}; "
            f"attach a tzinfo (e.g. datetime.UTC or a ZoneInfo)"
        )


class OutOfRangeError(ValueError):
    """An instant or a result outside the years the engine supports (1900-2200)."""


def _seconds(value: TimeLike, *, end: bool) -> int:
    if isinstance(value, str):
        parts = value.strip().split(":")
        if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
            raise ValueError(f"bad time of day {value!r}: expected 'HH:MM' or 'HH:MM:SS'")
        h, m, s = (int(p) for p in [*parts, "0"][:3])
        if m > 59 or s > 59 or h > 24 or (h == 24 and (m or s)):
            raise ValueError(f"bad time of day {value!r}")
        if h == 24 and not end:
            raise ValueError(f"{value!r} can only close a window")
        return h * 3600 + m * 60 + s
    if isinstance(value, time):
        if value.tzinfo is not None or value.microsecond:
            raise ValueError(f"window times are whole-second local times, got {value!r}")
        sec = value.hour * 3600 + value.minute * 60 + value.second
        return DAY if end and sec == 0 else sec
    raise TypeError(f"window times are datetime.time or 'HH:MM' strings, got {value!r}")


def _hhmm(sec: int) -> str:
    h, rest = divmod(sec, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def normalise_week(windows: WindowSpec) -> Week:
    """Validate weekly windows and return them sorted and merged (overlaps and abutments)."""
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for weekday, pairs in windows.items():
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"weekday keys are 0 (Monday) .. 6 (Sunday), got {weekday!r}")
        for pair in pairs:
            start, stop = pair
            a, b = _seconds(start, end=False), _seconds(stop, end=True)
            if not a < b:
                raise ValueError(
                    f"window {_hhmm(a)}-{_hhmm(b)} must close after it opens "
                    "(split a window that crosses midnight into two days)"
                )
            days[weekday].append((a, b))
    week: list[tuple[tuple[int, int], ...]] = []
    for pairs_of_day in days:
        merged: list[tuple[int, int]] = []
        for a, b in sorted(pairs_of_day):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        week.append(tuple(merged))
    if not any(week):
        raise ValueError("a calendar needs at least one opening window in the week")
    return tuple(week)


def describe_week(week: Week) -> dict[int, tuple[tuple[str, str], ...]]:
    """The weekly windows as ``'HH:MM'`` strings (for display and storage)."""
    return {d: tuple((_hhmm(a), _hhmm(b)) for a, b in w) for d, w in enumerate(week) if w}


def tier_week(tier: int, hours: tuple[TimeLike, TimeLike] | None) -> tuple[Week, bool, str]:
    """Weekly windows, default ``skip_holidays`` and label of a service tier (1, 2, 3)."""
    if isinstance(tier, bool) or not isinstance(tier, int) or tier not in (1, 2, 3):
        raise ValueError(f"tier must be 1 (7x24), 2 (7x12) or 3 (5x8), got {tier!r}")
    if tier == 1:
        if hours is not None:
            raise ValueError("tier 1 is 7x24: it takes no hours")
        return normalise_week({d: [("00:00", "24:00")] for d in range(7)}), False, "7x24"
    if tier == 2:
        pair = hours or ("08:00", "20:00")
        return normalise_week({d: [pair] for d in range(7)}), True, "7x12"
    pair = hours or ("09:00", "17:00")
    return normalise_week({d: [pair] for d in range(5)}), True, "5x8"


def day_set(days: Iterable[date], argument: str) -> frozenset[date]:
    out: set[date] = set()
    for d in days:
        if isinstance(d, datetime) or not isinstance(d, date):
            raise TypeError(f"{argument} holds dates, got {d!r}")
        out.add(d)
    return frozenset(out)
