"""What falls due when: expiry reminders (T1), review prompts (M11, M12), stale tasks.

Pure: dates in, decisions out. The sweep (bot/scheduler/sweeps.py) feeds it facts from the
database and records each reminder under a unique key, so it is sent once.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from bot.flows.process import CHANGE, NOTICE, TERMINATION


@dataclass(frozen=True)
class Offer:
    """A button on a reminder: open `action`, with `preset` as its decision or kind."""

    action: str
    label_key: str
    preset: str | None = None
    style: str | None = None


#: what sales is offered when an agreement approaches its end date
EXPIRY_OFFERS: tuple[Offer, ...] = (
    Offer(NOTICE, "reminder_renew", "renewal", "primary"),
    Offer(CHANGE, "reminder_change"),
    Offer(NOTICE, "reminder_terminate", "expiry", "danger"),
    Offer(NOTICE, "reminder_extension", "extension"),
)
#: what a service level manager is offered when sales did not act on an expiry
EXPIRY_ESCALATION: tuple[Offer, ...] = (Offer(TERMINATION, "", style="danger"),)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's end."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ExpiryPolicy:
    """From one month before the end date (the process's rule), then at these offsets."""

    offsets: tuple[int, ...] = (14, 7, 1)
    #: the service level manager is told at this offset if sales did nothing
    escalate_at: int = 7

    def first_day(self, end: date) -> date:
        return add_months(end, -1)

    def points(self, end: date) -> list[tuple[str, date]]:
        """(label, day) of every expiry reminder for an agreement ending on `end`."""
        out = [("1m", self.first_day(end))]
        out += [(f"{n}d", end - timedelta(days=n)) for n in sorted(self.offsets, reverse=True)]
        return sorted(set(out), key=lambda p: p[1])

    def due(self, end: date, today: date) -> tuple[str, date] | None:
        """The latest reminder point reached by `today` (earlier ones it supersedes), if any;
        none once the end date has passed."""
        if today > end:
            return None
        reached = [p for p in self.points(end) if p[1] <= today]
        return reached[-1] if reached else None

    def horizon(self, today: date) -> date:
        """Agreements ending on or before this day may have a reminder due today (a superset:
        "one month before" 31 March is 28 February, so look 31 days ahead and let `due`
        decide)."""
        return today + timedelta(days=31)


def next_review(after: date, cadence_months: int) -> date:
    return add_months(after, cadence_months)


@dataclass(frozen=True)
class StalePolicy:
    """A task untouched for `resend_after` working days is re-sent; after `escalate_after`
    working days the service level manager is told."""

    resend_after: int = 3
    escalate_after: int = 6
