"""The outbox dispatcher: sends the Slack messages that state changes wrote to the outbox.

* **Exactly once per message, in order per key**, with any number of workers. A key is an
  agreement (its card and thread), a person's DMs, a person's confirmations, or the channel.
  A worker sends a key's rows only while it holds the key's lease (`store/outbox.py`); the
  lease is short (`lease_seconds`, default 10 s) and renewed every third of it while the
  worker works, so it covers the whole send, including the client's waits on `Retry-After`
  and the channel pacing. A key whose lease could not be renewed is dropped from the round
  before its next row. A dead worker's keys are taken over once its lease runs out
  (seconds).
* **At least once, bounded**: a worker killed (or cut off from the database for longer than
  its lease) after Slack accepted a message and before the row was marked sent: that one
  message is sent again by the worker that takes the key over, `lease_seconds` later (a
  duplicate thread reply or DM; card updates are idempotent edits).
* **Errors.** Exponential back-off; HTTP 429 honours `Retry-After`; a row that keeps failing
  is marked `failed` after `max_attempts` and kept (logged, listed by `slm-bot outbox`).
* **Slack's pace.** At most about one message per second per channel (`channel_interval`).
* **Cards.** The card's `ts` is recorded, so later updates edit it; queued card updates of
  one agreement coalesce (the newest state wins).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.scheduler.outbox_render import Renderer
from bot.user_locale import LocaleResolver
from store import outbox as ob
from store.db import Database

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Result:
    sent: int = 0
    coalesced: int = 0
    failed: int = 0
    deferred: int = 0
    errors: int = 0


class _Round:
    """The keys one round holds, renewed in the background while the round runs."""

    def __init__(self, d: Dispatcher, keys: list[str], shift: timedelta) -> None:
        self.d, self.held, self.shift = d, set(keys), shift
        self.confirmed = time.monotonic()

    async def renew(self) -> None:
        d = self.d
        started = time.monotonic()
        try:
            still = await asyncio.to_thread(
                ob.renew_leases,
                d.db,
                sorted(self.held),
                owner=d.worker_id,
                now=d.clock() + self.shift,
                seconds=d.lease_seconds,
            )
        except Exception:  # the database is unreachable: send nothing more this round
            log.warning("could not renew the outbox leases; stopping this round")
            self.held.clear()
            return
        lost = self.held - still
        if lost:
            log.warning("outbox leases taken over: %s", ", ".join(sorted(lost)))
        self.held &= still
        self.confirmed = started

    async def heartbeat(self) -> None:
        while self.held:
            await asyncio.sleep(self.d.lease_seconds / 3)
            await self.renew()

    async def holds(self, key: str) -> bool:
        """True when the key's lease is ours and has most of its time left."""
        if time.monotonic() - self.confirmed > self.d.lease_seconds / 3:
            await self.renew()
        return key in self.held


class Dispatcher:
    def __init__(
        self,
        db: Database,
        client: AsyncWebClient,
        *,
        channel: str,
        locale: str = "en",
        clock: Callable[[], datetime] = utcnow,
        batch: int = 200,
        max_attempts: int = 12,
        base_delay: float = 2.0,
        max_delay: float = 900.0,
        lease_seconds: float = 10.0,
        channel_interval: float = 1.0,
        worker_id: str | None = None,
        due_date: Callable[[datetime], date] | None = None,
    ) -> None:
        self.db, self.client, self.channel, self.locale = db, client, channel, locale
        #: each DM in its recipient's language; channel posts in the workspace default
        self.people = LocaleResolver(db, locale)
        self.clock, self.batch, self.max_attempts = clock, batch, max_attempts
        self.base_delay, self.max_delay = base_delay, max_delay
        self.lease_seconds, self.channel_interval = lease_seconds, channel_interval
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        #: when a task opened at an instant is due (working days; shown on the card)
        self.due_date = due_date
        self.wakeup = asyncio.Event()
        self._last_post: dict[str, float] = {}
        self.renderer = Renderer(self)

    # -- sending ------------------------------------------------------------------------
    async def pace(self, channel: str) -> None:
        if self.channel_interval <= 0:
            return
        last = self._last_post.get(channel)
        if last is not None:
            wait = last + self.channel_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        self._last_post[channel] = time.monotonic()

    async def post(self, channel: str, **kw: Any) -> Any:
        await self.pace(channel)
        return await self.client.chat_postMessage(channel=channel, **kw)

    def _mark_error(
        self, row: ob.OutboxRow, now: datetime, error: str, retry_after: float | None = None
    ) -> bool:
        """Back off (or give up after max_attempts); returns True when marked failed."""
        attempts = row.attempts + 1
        failed = attempts >= self.max_attempts
        delay = (
            retry_after
            if retry_after is not None
            else min(self.max_delay, self.base_delay * (2 ** (attempts - 1)))
        )
        ob.mark_error(
            self.db,
            row.id,
            attempts=attempts,
            failed=failed,
            error=error,
            retry_at=now + timedelta(seconds=delay),
        )
        log.log(
            logging.ERROR if failed else logging.WARNING,
            "outbox row %s (%s, %s) attempt %s: %s",
            row.id,
            row.kind,
            row.agreement_id,
            attempts,
            error,
            extra={"agreement_id": row.agreement_id},
        )
        return failed

    async def _try_send(self, row: ob.OutboxRow, now: datetime, result: Result) -> bool:
        """Send one row; False when it failed (its key waits for the back-off)."""
        try:
            ts = await self.renderer.send(row)
        except SlackApiError as exc:
            resp = exc.response
            err = str(resp.get("error", "")) if resp is not None else ""
            retry = None
            if resp is not None and resp.status_code == 429:
                retry = float(resp.headers.get("Retry-After", 1) or 1)
            metrics.SENDS.labels("error").inc()
            result.failed += await asyncio.to_thread(
                self._mark_error, row, now, f"slack: {err or exc}", retry
            )
            result.errors += 1
            return False
        except Exception as exc:  # connection refused, timeouts: back off, keep
            metrics.SENDS.labels("error").inc()
            result.failed += await asyncio.to_thread(
                self._mark_error, row, now, f"{exc.__class__.__name__}: {exc}"
            )
            result.errors += 1
            return False
        await asyncio.to_thread(ob.mark_sent, self.db, [row.id], now=now, ts=ts)
        metrics.SENDS.labels("sent").inc()
        result.sent += 1
        return True

    async def run_once(self, now: datetime | None = None) -> Result:
        """Send everything due now; returns what happened."""
        now = now or self.clock()
        keys = await asyncio.to_thread(ob.candidate_keys, self.db, limit=self.batch)
        return await self._round(keys, now)

    async def send_key(self, key: str) -> Result:
        """Send what is due now for one key (a person's DMs: a confirmation just queued), under
        its lease like any round: a worker holding the key sends it instead, and a fault leaves
        the row to the worker's retries."""
        return await self._round([key], self.clock())

    async def _round(self, keys: list[str], now: datetime) -> Result:
        shift = now - self.clock()
        result = Result()
        leased = await asyncio.to_thread(
            ob.take_leases,
            self.db,
            keys,
            owner=self.worker_id,
            now=now,
            seconds=self.lease_seconds,
        )
        if not leased:
            return result
        held = _Round(self, leased, shift)
        beat = asyncio.create_task(held.heartbeat())
        try:
            await self._send_rows(held, leased, now, shift, result)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            await asyncio.to_thread(ob.release_leases, self.db, leased, owner=self.worker_id)
        return result

    async def _send_rows(
        self, held: _Round, leased: list[str], now: datetime, shift: timedelta, result: Result
    ) -> None:
        rows = await asyncio.to_thread(ob.pending_rows, self.db, leased, limit=self.batch * 5)
        last_card = {r.agreement_id: r.id for r in rows if r.kind == "card"}
        blocked: set[str] = set()
        for row in rows:
            key = row.key
            if key in blocked or not await held.holds(key):
                result.deferred += 1
                continue
            if row.next_attempt_at > now:  # backing off: hold back the key's rest
                blocked.add(key)
                result.deferred += 1
                continue
            if row.kind == "card" and last_card.get(row.agreement_id) != row.id:
                await asyncio.to_thread(ob.mark_sent, self.db, [row.id], now=now, ts=None)
                result.coalesced += 1
                continue
            if not await self._try_send(row, self.clock() + shift, result):
                blocked.add(key)

    async def drain(self, *, rounds: int = 50) -> Result:
        """Run rounds until nothing is left to send now (tests, `slm-bot sweep`)."""
        total = Result()
        for _ in range(rounds):
            r = await self.run_once()
            for f in ("sent", "coalesced", "failed", "deferred", "errors"):
                setattr(total, f, getattr(total, f) + getattr(r, f))
            if r.sent == 0 and r.coalesced == 0:
                break
        return total

    async def run_forever(self, *, interval: float = 1.0) -> None:
        """Send as soon as handlers signal new rows (`wakeup`), else every `interval` s."""
        while True:
            try:
                await self.run_once()
            except Exception:  # keep the loop alive; the rows stay in the outbox
                log.exception("outbox dispatch round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=interval)
            self.wakeup.clear()
