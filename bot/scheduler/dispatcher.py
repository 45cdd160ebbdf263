"""The outbox dispatcher: sends the Slack messages that state changes wrote to the outbox.

* **At least once, in order per key.** A key is an agreement (its card and thread), a
  person's DMs, or the channel. Rows go out in id order; a row that is not due yet (backing
  off) or fails holds back the later rows of its key.
* **Several workers.** A worker leases the keys it sends (table `outbox_lease`, expiring, so a
  killed worker's keys are taken over); rows are re-read under the lease, so no two workers
  send the same row or reorder a key.
* **Errors.** Exponential back-off; HTTP 429 honours `Retry-After`; a row that keeps failing
  is marked `failed` after `max_attempts` and kept (logged, listed by `slm-bot outbox`),
  never dropped.
* **Slack's pace.** At most about one message per second per channel (`channel_interval`).
* **Cards.** The card's `ts` is recorded, so later updates edit it; queued card updates of
  one agreement coalesce (the newest state wins).

The at-least-once window: a worker killed after Slack accepted a message and before the row
was marked sent sends that message again after the lease expires (a duplicate thread reply
or DM; card updates are idempotent edits).
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
from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.handlers.cards import card_blocks, event_blocks, informed_blocks, task_blocks
from bot.handlers.kit import escape
from bot.handlers.reminder_messages import grouped_blocks, reminder_blocks
from bot.i18n import t
from bot.user_locale import LocaleResolver
from store.db import Database
from store.desk import Card, load_card, set_card_ts
from store.models import Customer, Document, OutboxLease, OutboxMessage, StepRecord, table_of
from store.roles import user_roles

log = logging.getLogger(__name__)
_OUT, _DOC, _REC = table_of(OutboxMessage), table_of(Document), table_of(StepRecord)
_LEASE, _CUST = table_of(OutboxLease), table_of(Customer)


def utcnow() -> datetime:
    return datetime.now(UTC)


def row_key(row: dict[str, Any]) -> str:
    if row["kind"] == "dm":
        return f"dm:{row['recipient']}"
    if row["kind"] == "channel":
        return "channel"
    return f"ag:{row['agreement_id']}"


@dataclass
class Result:
    sent: int = 0
    coalesced: int = 0
    failed: int = 0
    deferred: int = 0
    errors: int = 0


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
        lease_seconds: float = 120.0,
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

    # -- database ---------------------------------------------------------------------
    def _candidate_keys(self) -> list[str]:
        with self.db.read_conn() as conn:
            rows = (
                conn.execute(
                    select(_OUT.c.kind, _OUT.c.agreement_id, _OUT.c.recipient)
                    .where(_OUT.c.status == "pending")
                    .order_by(_OUT.c.id)
                    .limit(self.batch)
                )
                .mappings()
                .all()
            )
        keys: dict[str, None] = {}
        for r in rows:
            keys[row_key(dict(r))] = None
        return list(keys)

    def _lease(self, keys: list[str], now: datetime) -> list[str]:
        """Take (or renew) the leases on `keys` that no live worker holds."""
        if not keys:
            return []
        until = now + timedelta(seconds=self.lease_seconds)
        ins = pg_insert(_LEASE) if self.db.dialect == "postgresql" else sqlite_insert(_LEASE)
        stmt = ins.on_conflict_do_update(
            index_elements=["key"],
            set_={"owner": self.worker_id, "until": until},
            where=or_(_LEASE.c.until < now, _LEASE.c.owner == self.worker_id),
        )
        with self.db.write() as s:
            conn = s.connection()
            conn.execute(stmt, [{"key": k, "owner": self.worker_id, "until": until} for k in keys])
            mine = set(
                conn.execute(
                    select(_LEASE.c.key).where(
                        _LEASE.c.key.in_(keys), _LEASE.c.owner == self.worker_id
                    )
                ).scalars()
            )
        return [k for k in keys if k in mine]

    def _release(self, keys: list[str]) -> None:
        if keys:
            with self.db.write() as s:
                s.connection().execute(
                    delete(_LEASE).where(_LEASE.c.key.in_(keys), _LEASE.c.owner == self.worker_id)
                )

    def _rows(self, keys: list[str]) -> list[dict[str, Any]]:
        """Pending rows of the leased keys, in id order (re-read under the lease)."""
        with self.db.read_conn() as conn:
            rows = (
                conn.execute(
                    select(_OUT)
                    .where(_OUT.c.status == "pending")
                    .order_by(_OUT.c.id)
                    .limit(self.batch * 5)
                )
                .mappings()
                .all()
            )
        wanted = set(keys)
        return [dict(r) for r in rows if row_key(dict(r)) in wanted]

    def _mark_sent(self, ids: list[int], now: datetime, ts: str | None) -> None:
        with self.db.write() as s:
            s.connection().execute(
                update(_OUT)
                .where(_OUT.c.id.in_(ids), _OUT.c.status == "pending")
                .values(
                    status="sent", sent_at=now, ts=ts, attempts=_OUT.c.attempts + 1, last_error=None
                )
            )

    def _mark_error(
        self, row: dict[str, Any], now: datetime, error: str, retry_after: float | None = None
    ) -> bool:
        """Back off (or give up after max_attempts); returns True when marked failed."""
        attempts = int(row["attempts"]) + 1
        failed = attempts >= self.max_attempts
        delay = (
            retry_after
            if retry_after is not None
            else min(self.max_delay, self.base_delay * (2 ** (attempts - 1)))
        )
        with self.db.write() as s:
            s.connection().execute(
                update(_OUT)
                .where(_OUT.c.id == row["id"])
                .values(
                    attempts=attempts,
                    last_error=error[:2000],
                    status="failed" if failed else "pending",
                    next_attempt_at=now + timedelta(seconds=delay),
                )
            )
        log.log(
            logging.ERROR if failed else logging.WARNING,
            "outbox row %s (%s, %s) attempt %s: %s",
            row["id"],
            row["kind"],
            row["agreement_id"],
            attempts,
            error,
        )
        return failed

    def _event_details(self, payload: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        with self.db.read_conn() as conn:
            data = (
                conn.execute(
                    select(_REC.c.data).where(_REC.c.id == payload.get("record_id"))
                ).scalar_one_or_none()
                or {}
            )
            titles = list(
                conn.execute(
                    select(_DOC.c.title)
                    .where(_DOC.c.id.in_(list(payload.get("documents") or [])))
                    .order_by(_DOC.c.id)
                ).scalars()
            )
        return dict(data), titles

    # -- sending ------------------------------------------------------------------------
    async def _pace(self, channel: str) -> None:
        if self.channel_interval <= 0:
            return
        last = self._last_post.get(channel)
        if last is not None:
            wait = last + self.channel_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        self._last_post[channel] = time.monotonic()

    async def _post(self, channel: str, **kw: Any) -> Any:
        await self._pace(channel)
        return await self.client.chat_postMessage(channel=channel, **kw)

    async def _post_card(self, card: Card) -> tuple[str, str]:
        due = None
        if self.due_date is not None and card.tasks:
            due = self.due_date(min(task.opened_at for task in card.tasks)).isoformat()
        text, blocks = card_blocks(card, self.locale, due=due)
        if card.card_ts and card.card_channel:
            await self._pace(card.card_channel)
            await self.client.chat_update(
                channel=card.card_channel, ts=card.card_ts, text=text, blocks=blocks
            )
            return card.card_channel, card.card_ts
        if not self.channel:
            raise RuntimeError("SLM_AGREEMENTS_CHANNEL is not set: cannot post the card")
        resp = await self._post(self.channel, text=text, blocks=blocks)
        channel, ts = str(resp["channel"]), str(resp["ts"])
        await asyncio.to_thread(set_card_ts, self.db, card.id, channel, ts)
        return channel, ts

    def _customers(self, ids: list[str]) -> dict[str, str]:
        from store.models import Agreement

        ag = table_of(Agreement)
        with self.db.read_conn() as conn:
            rows = conn.execute(
                select(ag.c.id, _CUST.c.name)
                .join(_CUST, _CUST.c.id == ag.c.customer_id)
                .where(ag.c.id.in_(ids))
            ).all()
        return {a: n for a, n in rows}

    async def _send(self, row: dict[str, Any]) -> str | None:
        blocks: list[dict[str, Any]]
        kind, payload = row["kind"], dict(row["payload"])
        agreement_id = row["agreement_id"]
        template = payload.get("template")
        recipient = str(row.get("recipient") or "")
        dm = kind == "dm" and bool(recipient)
        loc = await self.people.for_user(recipient, self.client) if dm else self.locale
        if template == "reminders":  # one message for many reminders (catch-up)
            items = list(payload["items"])
            ids = sorted({str(i["agreement_id"]) for i in items if i.get("agreement_id")})
            customers = await asyncio.to_thread(self._customers, ids)
            text, blocks = grouped_blocks(items, customers, loc)
            resp = await self._post(str(row["recipient"]), text=text, blocks=blocks)
            return str(resp["ts"])
        card = await asyncio.to_thread(load_card, self.db, agreement_id) if agreement_id else None
        if template == "reminder":
            customer = card.customer if card else ""
            text, blocks = reminder_blocks(
                payload, agreement_id or "", customer, loc, with_buttons=kind == "dm"
            )
            if kind == "dm":
                resp = await self._post(str(row["recipient"]), text=text, blocks=blocks)
            elif kind == "channel":
                resp = await self._post(self.channel, text=text, blocks=blocks)
            else:
                if card is None:
                    raise RuntimeError(f"agreement {agreement_id} not found")
                channel, parent = card.card_channel, card.card_ts
                if not channel or not parent:
                    channel, parent = await self._post_card(card)
                resp = await self._post(channel, thread_ts=parent, text=text, blocks=blocks)
            return str(resp["ts"])
        if kind == "dm" and template == "informed":  # told, no task (issue 9, rule 10)
            data, titles = await asyncio.to_thread(self._event_details, payload)
            text, blocks = informed_blocks(
                payload,
                agreement_id=agreement_id or "",
                customer=card.customer if card else "",
                data=data,
                documents=titles,
                locale=loc,
            )
            resp = await self._post(str(row["recipient"]), text=text, blocks=blocks)
            return str(resp["ts"])
        if kind == "dm":
            customer = card.customer if card else ""
            lock = card.lock_version if card else None
            held = await asyncio.to_thread(user_roles, self.db, str(row["recipient"]))
            text, blocks = task_blocks(
                agreement_id,
                customer,
                str(payload["action"]),
                lock,
                loc,
                held=held,
                because=payload.get("because"),
            )
            resp = await self._post(str(row["recipient"]), text=text, blocks=blocks)
            return str(resp["ts"])
        if card is None:
            raise RuntimeError(f"agreement {agreement_id} not found")
        if kind == "card":
            _, ts = await self._post_card(card)
            return ts
        if kind == "thread":
            channel, parent = card.card_channel, card.card_ts
            if not parent or not channel:
                channel, parent = await self._post_card(card)
            if template == "improvement_done":
                text = t(
                    "event_improvement_done",
                    self.locale,
                    actor=f"<@{payload['actor']}>",
                    description=escape(str(payload["description"])),
                )
                blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
            else:
                data, titles = await asyncio.to_thread(self._event_details, payload)
                text, blocks = event_blocks(
                    payload,
                    agreement_id=agreement_id,
                    data=data,
                    documents=titles,
                    lock_version=card.lock_version,
                    locale=self.locale,
                )
            resp = await self._post(channel, thread_ts=parent, text=text, blocks=blocks)
            return str(resp["ts"])
        raise RuntimeError(f"unknown outbox kind {kind!r}")

    async def run_once(self, now: datetime | None = None) -> Result:
        """Send everything due now; returns what happened."""
        now = now or self.clock()
        result = Result()
        keys = await asyncio.to_thread(self._candidate_keys)
        leased = await asyncio.to_thread(self._lease, keys, now)
        try:
            rows = await asyncio.to_thread(self._rows, leased)
            last_card: dict[str, int] = {}
            for r in rows:
                if r["kind"] == "card":
                    last_card[r["agreement_id"]] = r["id"]
            blocked: set[str] = set()
            for row in rows:
                key = row_key(row)
                if key in blocked:
                    result.deferred += 1
                    continue
                if row["next_attempt_at"] > now:  # backing off: hold back the key's rest
                    blocked.add(key)
                    result.deferred += 1
                    continue
                if row["kind"] == "card" and last_card.get(row["agreement_id"]) != row["id"]:
                    await asyncio.to_thread(self._mark_sent, [row["id"]], now, None)
                    result.coalesced += 1
                    continue
                try:
                    ts = await self._send(row)
                except SlackApiError as exc:
                    resp = exc.response
                    err = str(resp.get("error", "")) if resp is not None else ""
                    retry = None
                    if resp is not None and resp.status_code == 429:
                        retry = float(resp.headers.get("Retry-After", 1) or 1)
                    result.failed += await asyncio.to_thread(
                        self._mark_error, row, now, f"slack: {err or exc}", retry
                    )
                    result.errors += 1
                    blocked.add(key)
                    continue
                except Exception as exc:  # connection refused, timeouts: back off, keep
                    result.failed += await asyncio.to_thread(
                        self._mark_error, row, now, f"{exc.__class__.__name__}: {exc}"
                    )
                    result.errors += 1
                    blocked.add(key)
                    continue
                await asyncio.to_thread(self._mark_sent, [row["id"]], now, ts)
                result.sent += 1
        finally:
            await asyncio.to_thread(self._release, leased)
        return result

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
