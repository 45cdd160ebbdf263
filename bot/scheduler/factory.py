"""The one place that builds the outbox dispatcher: `slm-bot serve`, `slm-bot worker`,
`slm-bot sweep --send` and the sandbox all get the same one (the card's due date, pacing,
language and channel from the settings)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.scheduler.dispatcher import Dispatcher, utcnow
from bot.settings import Settings
from store.db import Database


def task_due_date(settings: Settings, db: Database) -> Callable[[datetime], date]:
    """A task is due `SLM_STALE_DAYS` working days after it opened (the company's calendar:
    weekends, public holidays and makeup workdays, the override table); the card shows it
    and the sweep re-sends the task when it passes."""
    from zoneinfo import ZoneInfo

    from bot.scheduler.runner import sweeper_for

    sweeper = sweeper_for(settings, db)
    tz = ZoneInfo(settings.timezone)

    def due(opened: datetime) -> date:
        return sweeper.calendar().add_working_days(
            opened.astimezone(tz).date(), settings.stale_days
        )

    return due


def build_dispatcher(
    settings: Settings,
    db: Database,
    client: AsyncWebClient | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> Dispatcher:
    if client is None:
        from bot.app import web_client

        client = web_client(settings)
    return Dispatcher(
        db,
        client,
        channel=settings.agreements_channel,
        locale=settings.locale,
        clock=clock,
        channel_interval=settings.channel_interval,
        lease_seconds=settings.outbox_lease_seconds,
        due_date=task_due_date(settings, db),
    )
