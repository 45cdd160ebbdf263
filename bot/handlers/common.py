"""What every handler shares: dependencies, running store calls off the event loop,
telling a user something only they see, and opening an action's modal."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.context import StepContext
from bot.flows.behaviour import Effect
from bot.flows.errors import DomainError
from bot.flows.process import ACTION_BY_ID
from bot.handlers import payloads
from bot.handlers.catalogue_options import step_options
from bot.handlers.errors import user_text
from bot.handlers.modals import step_modal
from bot.settings import Settings
from bot.user_locale import current as current_locale
from store.db import Database
from store.events import first_delivery
from store.outbox import enqueue_notice, notice_key
from store.prefill import modal_start

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    db: Database
    settings: Settings
    notify: Callable[[], None] = lambda: None  # wake the outbox dispatcher
    #: send what is due for one outbox key now, under its lease (create_app sets it)
    deliver: Callable[[str], Awaitable[Any]] | None = None
    clock: Callable[[], datetime] = utcnow

    @property
    def locale(self) -> str:
        """The language of the person whose request is handled (their App Home choice, else
        their Slack client's), else the workspace default."""
        return current_locale() or self.settings.locale


async def run(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a database write (a use case) in a worker thread: it may wait for a lock."""
    return await asyncio.to_thread(fn, *args, **kwargs)


async def read(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a short read on the event loop itself.

    A `/sla list` or `/sla show` read takes about 0.3-0.4 ms on SQLite and one to two on
    PostgreSQL. `benchmarks/bench_slack.py` measured the alternatives on both databases
    (README, Performance): a worker thread (one or four), and an async engine (SQLAlchemy's
    asyncio extension with aiosqlite, psycopg's async connection or asyncpg, driven through
    a greenlet). None did better than this: on two cores the server is CPU-bound, so a
    read off the loop only adds hand-offs (GIL switches, greenlet and future bookkeeping)."""
    return fn(*args, **kwargs)


async def first_time(deps: Deps, body: Mapping[str, Any]) -> bool:
    """Whether this Events API delivery is the first: Slack redelivers an event (same
    `event_id`) and the retry may reach another web process, so a unique key in the database
    decides. Listeners call it after the ack (Bolt acks an event before its listener runs):
    the ack never waits for this write."""
    event_id = body.get("event_id")
    if not isinstance(event_id, str) or not event_id:
        return True
    return await run(first_delivery, deps.db, event_id, now=deps.clock())


async def tell(
    client: AsyncWebClient,
    body: Mapping[str, Any],
    text: str,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    """Something only the clicking user sees: ephemeral where possible, else a DM."""
    user = payloads.user_id(body)
    url = payloads.response_url(body)
    if url:
        from slack_sdk.webhook.async_client import AsyncWebhookClient

        hook = AsyncWebhookClient(url)
        await hook.send(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        return
    channel = payloads.channel_id(body)
    if channel and not channel.startswith("D"):
        await client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
        return
    await client.chat_postMessage(channel=user, text=text, blocks=blocks)


async def open_step(
    client: AsyncWebClient,
    deps: Deps,
    body: Mapping[str, Any],
    *,
    agreement_id: str | None,
    action: str,
    lock_version: int | None,
    preset: Mapping[str, Any] | None = None,
    agreement_label: str = "",
) -> None:
    ctx = StepContext(
        agreement_id=agreement_id,
        action=action,
        lock_version=lock_version,
        channel=payloads.channel_id(body),
    )
    view = await step_view(deps, ctx, preset=preset, agreement_label=agreement_label)
    await client.views_open(trigger_id=payloads.trigger_id(body), view=view)


async def step_view(
    deps: Deps,
    ctx: StepContext,
    *,
    preset: Mapping[str, Any] | None = None,
    agreement_label: str = "",
    typed: Mapping[str, Any] | None = None,
    chosen: str | None = None,
) -> dict[str, Any]:
    """An action's modal with its choices (the catalogue as the step may use it) and its
    prefill: earlier steps, the catalogue entry of a draft (a redraft's previous draft wins
    over it), then `preset`. Rebuilt after the entry of a draft was changed (M4, C2), it
    keeps what the user `typed` and takes the `chosen` entry's values."""
    action, agreement_id = ctx.action, ctx.agreement_id
    start = await read(
        modal_start,
        deps.db,
        agreement_id=agreement_id,
        action=action,
        now=deps.clock(),
        locale=deps.locale,
    )
    options, from_entry = step_options(start, action, deps.locale, chosen=chosen)
    if start.from_draft:
        initial = {**from_entry, **start.initial}
    else:
        initial = {**start.initial, **from_entry}
    if chosen:
        initial.update(typed or {})
        initial.update(from_entry)
    initial.update(preset or {})
    notes: list[str] = []
    if agreement_id and Effect.FEASIBILITY in ACTION_BY_ID[action].effects:
        from bot.blocks.measure_home import gap_lines
        from store.feasibility_effect import GAPS, draft_gaps

        found = await read(draft_gaps, deps.db, agreement_id, initial)
        notes = gap_lines({GAPS: found}, deps.locale)
    return step_modal(
        action,
        ctx,
        deps.locale,
        initial=initial,
        options=options,
        agreement_label=agreement_label,
        notes=notes,
    )


def domain_text(exc: DomainError, deps: Deps) -> str:
    return user_text(exc, deps.locale)


async def confirm(
    client: AsyncWebClient, deps: Deps, user: str, channel: str | None, text: str
) -> None:
    """What the user must see after a change (ephemeral in `channel` when there is one, else a
    DM) goes through the outbox: queued, then sent at once by this process under the row's
    lease, exactly once like every outbox row. When Slack fails, the row stays and the worker
    retries it (back-off, Retry-After); a process that dies after queueing leaves it to the
    worker; a success is marked sent, so nothing sends it again. A step's own confirmation is
    queued in the step's transaction (`perform(confirm=...)`): `send_confirmations` sends it."""
    await run(enqueue_notice, deps.db, user=user, channel=channel, text=text, now=deps.clock())
    await send_confirmations(deps, user)


async def send_confirmations(deps: Deps, user: str) -> None:
    """Send `user`'s queued confirmations now, under their lease (else the worker does)."""
    if deps.deliver is not None:
        try:
            await deps.deliver(notice_key(user))
        except Exception:  # the database or Slack failed: the worker sends the row later
            log.warning("confirmation to %s left to the outbox worker", user, exc_info=True)
    deps.notify()
