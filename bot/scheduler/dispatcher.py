"""The outbox dispatcher: sends the Slack messages that state changes wrote to the outbox.

At least once, in order per agreement: rows are sent in id order; a row that fails stops the
rest of its agreement's rows for this round and is retried with exponential back-off (HTTP 429
honours Retry-After). Queued card updates of one agreement coalesce: the newest state wins.
A row that keeps failing is marked `failed` after `max_attempts` and kept (reported, never
dropped). The message `ts` is recorded so that card updates edit the existing message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select, update

from bot.handlers.cards import card_blocks, event_blocks, task_blocks
from bot.handlers.kit import escape
from bot.i18n import t
from store.db import Database
from store.desk import Card, load_card, set_card_ts
from store.models import Document, OutboxMessage, StepRecord, table_of

log = logging.getLogger(__name__)
_OUT, _DOC, _REC = table_of(OutboxMessage), table_of(Document), table_of(StepRecord)

#: Slack errors that retrying will not fix without an operator (still kept, reported)
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "is_archived",
        "user_not_found",
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "missing_scope",
    }
)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Result:
    sent: int = 0
    coalesced: int = 0
    failed: int = 0
    deferred: int = 0


class Dispatcher:
    def __init__(
        self,
        db: Database,
        client: AsyncWebClient,
        *,
        channel: str,
        locale: str = "en",
        clock: Callable[[], datetime] = utcnow,
        batch: int = 100,
        max_attempts: int = 12,
        base_delay: float = 2.0,
        max_delay: float = 900.0,
    ) -> None:
        self.db, self.client, self.channel, self.locale = db, client, channel, locale
        self.clock, self.batch, self.max_attempts = clock, batch, max_attempts
        self.base_delay, self.max_delay = base_delay, max_delay
        self.wakeup = asyncio.Event()

    # -- database ---------------------------------------------------------------------
    def _due(self, now: datetime) -> list[dict[str, Any]]:
        with self.db.read() as s:
            rows = (
                s.connection()
                .execute(
                    select(_OUT)
                    .where(_OUT.c.status == "pending", _OUT.c.next_attempt_at <= now)
                    .order_by(_OUT.c.id)
                    .limit(self.batch)
                )
                .mappings()
                .all()
            )
        return [dict(r) for r in rows]

    def _mark_sent(self, ids: list[int], now: datetime, ts: str | None) -> None:
        with self.db.write() as s:
            s.connection().execute(
                update(_OUT)
                .where(_OUT.c.id.in_(ids))
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
        level = logging.ERROR if failed else logging.WARNING
        log.log(
            level,
            "outbox row %s (%s, %s) attempt %s: %s",
            row["id"],
            row["kind"],
            row["agreement_id"],
            attempts,
            error,
        )
        return failed

    def _event_details(self, payload: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        with self.db.read() as s:
            conn = s.connection()
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
    async def _post_card(self, card: Card) -> tuple[str, str]:
        text, blocks = card_blocks(card, self.locale)
        if card.card_ts and card.card_channel:
            await self.client.chat_update(
                channel=card.card_channel, ts=card.card_ts, text=text, blocks=blocks
            )
            return card.card_channel, card.card_ts
        if not self.channel:
            raise RuntimeError("SLM_AGREEMENTS_CHANNEL is not set: cannot post the card")
        resp = await self.client.chat_postMessage(channel=self.channel, text=text, blocks=blocks)
        channel, ts = str(resp["channel"]), str(resp["ts"])
        await asyncio.to_thread(set_card_ts, self.db, card.id, channel, ts)
        return channel, ts

    async def _send(self, row: dict[str, Any]) -> str | None:
        blocks: list[dict[str, Any]]
        kind, payload = row["kind"], dict(row["payload"])
        agreement_id = row["agreement_id"]
        if kind == "dm":
            card = await asyncio.to_thread(load_card, self.db, agreement_id)
            customer = card.customer if card else ""
            lock = card.lock_version if card else None
            text, dm_blocks = task_blocks(
                agreement_id, customer, str(payload["action"]), lock, self.locale
            )
            resp = await self.client.chat_postMessage(
                channel=row["recipient"], text=text, blocks=dm_blocks
            )
            return str(resp["ts"])
        card = await asyncio.to_thread(load_card, self.db, agreement_id)
        if card is None:
            raise RuntimeError(f"agreement {agreement_id} not found")
        if kind == "card":
            _, ts = await self._post_card(card)
            return ts
        if kind == "thread":
            channel, parent = (card.card_channel, card.card_ts)
            if not parent or not channel:
                channel, parent = await self._post_card(card)
            if payload.get("template") == "improvement_done":
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
            resp = await self.client.chat_postMessage(
                channel=channel, thread_ts=parent, text=text, blocks=blocks
            )
            return str(resp["ts"])
        raise RuntimeError(f"unknown outbox kind {kind!r}")

    async def run_once(self, now: datetime | None = None) -> Result:
        """Send everything due now; returns what happened."""
        now = now or self.clock()
        result = Result()
        rows = await asyncio.to_thread(self._due, now)
        # coalesce card updates: only the newest per agreement in this batch is sent
        last_card: dict[str, int] = {}
        for r in rows:
            if r["kind"] == "card":
                last_card[r["agreement_id"]] = r["id"]
        blocked: set[str | None] = set()
        for row in rows:
            key = row["agreement_id"] if row["kind"] != "dm" else f"dm:{row['recipient']}"
            if key in blocked:
                result.deferred += 1
                continue
            if row["kind"] == "card" and last_card.get(row["agreement_id"]) != row["id"]:
                await asyncio.to_thread(self._mark_sent, [row["id"]], now, None)
                result.coalesced += 1
                continue
            try:
                ts = await self._send(row)
            except SlackApiError as exc:
                err = str(exc.response.get("error", "")) if exc.response else ""
                retry = None
                if exc.response is not None and exc.response.status_code == 429:
                    retry = float(exc.response.headers.get("Retry-After", 1) or 1)
                failed = await asyncio.to_thread(
                    self._mark_error, row, now, f"slack: {err or exc}", retry
                )
                result.failed += failed
                blocked.add(key)
                continue
            except Exception as exc:  # connection errors, missing channel: back off, keep
                failed = await asyncio.to_thread(
                    self._mark_error, row, now, f"{exc.__class__.__name__}: {exc}"
                )
                result.failed += failed
                blocked.add(key)
                continue
            await asyncio.to_thread(self._mark_sent, [row["id"]], now, ts)
            result.sent += 1
        return result

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
