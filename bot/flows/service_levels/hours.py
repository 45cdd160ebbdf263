"""Service hours: the tier's calendar in the agreement's time zone.

Tier 1 is 7x24 on the wall clock (holidays do not close it; a DST day has 23 or 25 hours);
tier 2 is 7x12 (08:00-20:00) and tier 3 is 5x8 (Monday-Friday 09:00-17:00), both closed on
the country's public holidays and open on its makeup workdays, with the company's
overrides (the `holiday_override` table) winning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from bot.flows.business_time import Calendar


@dataclass(frozen=True, slots=True)
class HoursKey:
    tier: int
    tz: str
    country: str | None
    extra_holidays: tuple[date, ...] = ()
    extra_workdays: tuple[date, ...] = ()


def service_calendar(
    tier: int,
    *,
    tz: str,
    country: str | None = "CN",
    extra_holidays: Iterable[date] = (),
    extra_workdays: Iterable[date] = (),
) -> Calendar:
    """The service hours of `tier` (cached: calendars build their index lazily once)."""
    return _calendar(
        HoursKey(tier, tz, country, tuple(sorted(extra_holidays)), tuple(sorted(extra_workdays)))
    )


@lru_cache(maxsize=64)
def _calendar(key: HoursKey) -> Calendar:
    if key.tier == 1:
        return Calendar.for_tier(1, key.tz, None)
    return Calendar.for_tier(
        key.tier,
        key.tz,
        key.country,
        extra_holidays=key.extra_holidays,
        extra_workdays=key.extra_workdays,
    )


@dataclass(frozen=True, slots=True)
class DaysExplained:
    """How the service hours of a range of local days were counted."""

    service_days: int
    holidays_skipped: tuple[date, ...]
    makeup_days: tuple[date, ...]


def explain_days(cal: Calendar, start: datetime, end: datetime) -> DaysExplained:
    """Days with service hours in `[start, end)`, the regular days a holiday closed and the
    weekend days a makeup workday opened (local days of the calendar's zone)."""
    if end <= start:
        return DaysExplained(0, (), ())
    weekly = cal.weekly_hours
    first = start.astimezone(cal.tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(cal.tz).date()
    counted, skipped, makeup = 0, [], []
    day = first
    while day <= last:
        regular = day.weekday() in weekly
        open_ = cal.is_working_day(day) if cal.skip_holidays else regular
        counted += open_
        if regular and not open_:
            skipped.append(day)
        elif open_ and not regular:
            makeup.append(day)
        day += timedelta(days=1)
    return DaysExplained(counted, tuple(skipped), tuple(makeup))
