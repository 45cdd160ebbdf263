"""A tier's service hours in words, derived from the business-time calendar of the tier.

7x12: every day 08:00-20:00 Asia/Shanghai, public holidays excluded
"""

from __future__ import annotations

import functools

from bot.flows.business_time import Calendar
from bot.flows.tiers import Tier

_DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def _days(days: list[int], zh: bool) -> str:
    names = _DAYS_ZH if zh else _DAYS_EN
    if days == list(range(7)):
        return "每天" if zh else "every day"
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return (
            f"{names[days[0]]}至{names[days[-1]]}"
            if zh
            else f"{names[days[0]]} to {names[days[-1]]}"
        )
    return "、".join(names[d] for d in days) if zh else ", ".join(names[d] for d in days)


def describe_calendar(cal: Calendar, coverage: str, locale: str) -> str:
    """`7x12: every day 08:00-20:00 Asia/Shanghai, public holidays excluded` (or in Chinese)."""
    zh = locale.lower().startswith("zh")
    # group weekdays with the same windows, in weekday order
    groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for day, windows in sorted(cal.weekly_hours.items()):
        groups.setdefault(windows, []).append(day)
    parts = []
    for windows, days in groups.items():
        spans = ", ".join(f"{a}-{b}" for a, b in windows)
        if spans == "00:00-24:00":
            spans = "全天24小时" if zh else "round the clock"
        parts.append(f"{_days(days, zh)} {spans}")
    tz = str(cal.tz)
    if zh:
        holidays = "法定节假日除外" if cal.skip_holidays else "含法定节假日"
        return f"{coverage}：{'；'.join(parts)}（{tz}），{holidays}"
    holidays = "public holidays excluded" if cal.skip_holidays else "public holidays included"
    return f"{coverage}: {'; '.join(parts)} {tz}, {holidays}"


@functools.cache
def service_hours(tier: int, locale: str, tz: str = "Asia/Shanghai", country: str = "CN") -> str:
    """The tier's hours in words, from `Calendar.for_tier` (the clocks use the same calendar)."""
    cal = Calendar.for_tier(tier, tz, country)
    return describe_calendar(cal, Tier(tier).coverage, locale)
