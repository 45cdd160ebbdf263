"""Business-time engine: exact 7x24 / 7x12 / 5x8 and custom calendars.

Pure code (stdlib, plus the ``holidays`` package for holiday data and numpy for the
batch forms, imported on first use) for the scheduler (working days), SLA measurement
(response and resolution clocks, availability inside service hours) and task due dates::

    from bot.flows.business_time import Calendar

    cal = Calendar.for_tier(3)  # 5x8, Asia/Shanghai, CN holidays and makeup workdays
    cal.elapsed(start, end)  # -> timedelta of business time in [start, end)
    cal.add(start, timedelta(hours=8))  # -> due instant
    cal.add_working_days(date(2025, 1, 24), 1)  # -> date(2025, 1, 26), a makeup Sunday

See :class:`Calendar` for the exact semantics (DST, makeup days, earliest due instant).
"""

from bot.flows.business_time._calendar import Calendar
from bot.flows.business_time._schedule import (
    MAX_YEAR,
    MIN_YEAR,
    NaiveDatetimeError,
    OutOfRangeError,
    TimeLike,
    WindowSpec,
)

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "Calendar",
    "NaiveDatetimeError",
    "OutOfRangeError",
    "TimeLike",
    "WindowSpec",
]
