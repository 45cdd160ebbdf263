"""Running the time-driven work: APScheduler's AsyncIOScheduler fires the sweep every
`SLM_SWEEP_INTERVAL` seconds; the outbox dispatcher runs beside it. Used by `slm-bot serve`
(in the web process, unless `--no-scheduler`) and `slm-bot worker` (nothing else).

APScheduler holds no jobs of ours in a shared store: the sweep derives everything from the
database and records each reminder under a unique key, so any number of processes may run
it (PostgreSQL; on SQLite run one worker).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot import metrics
from bot.flows.reminders import ExpiryPolicy, StalePolicy
from bot.scheduler.dispatcher import Dispatcher
from bot.scheduler.sweeps import SweepConfig, Sweeper, SweepReport
from bot.settings import Settings
from store.db import Database

log = logging.getLogger("slm_bot.scheduler")


def sweeper_for(settings: Settings, db: Database) -> Sweeper:
    return Sweeper(
        db,
        SweepConfig(
            tz=settings.timezone,
            country=settings.country,
            expiry=ExpiryPolicy(offsets=tuple(settings.expiry_offsets)),
            stale=StalePolicy(
                resend_after=settings.stale_days, escalate_after=settings.stale_days * 2
            ),
        ),
    )


class Scheduler:
    """The sweep on an interval, and a wake-up of the dispatcher after each sweep."""

    def __init__(self, settings: Settings, db: Database, dispatcher: Dispatcher) -> None:
        self.sweeper = sweeper_for(settings, db)
        self.dispatcher = dispatcher
        self.interval = settings.sweep_interval
        self.scheduler = AsyncIOScheduler(timezone=UTC)

    async def sweep(self) -> SweepReport | None:
        started = time.perf_counter()
        try:
            report = await asyncio.to_thread(self.sweeper.run, datetime.now(UTC))
        except Exception:  # logged; the next sweep derives the same work again
            log.exception("sweep failed")
            return None
        finally:
            metrics.SWEEP_SECONDS.observe(time.perf_counter() - started)
        if report.recorded or report.deemed or report.delivered.reminders:
            log.info("sweep: %s", report)
        self.dispatcher.wakeup.set()
        return report

    def start(self) -> None:
        self.scheduler.add_job(
            self.sweep,
            IntervalTrigger(seconds=self.interval),
            id="sweep",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.shutdown(wait=False)


async def run_worker(settings: Settings, db: Database, dispatcher: Dispatcher) -> None:
    """`slm-bot worker`: the sweeps and the dispatcher, until cancelled."""
    scheduler = Scheduler(settings, db, dispatcher)
    scheduler.start()
    try:
        await dispatcher.run_forever()
    finally:
        scheduler.stop()
