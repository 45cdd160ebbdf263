"""Buttons: open an action's modal, one-click approvals, details, App Home, catalogue edit."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.ids import ActionId, field_action, field_block
from bot.flows.errors import DomainError
from bot.flows.process import ACTION_BY_ID, ENTRY
from bot.flows.roles import Role
from bot.handlers import payloads
from bot.handlers.catalog_modal import catalog_modal
from bot.handlers.common import (
    Deps,
    domain_text,
    open_step,
    read,
    run,
    send_confirmations,
    step_view,
    tell,
)
from bot.handlers.events import publish_home
from bot.handlers.modals import ENTRY_FIELD, parse_state
from bot.handlers.replies import show_blocks
from bot.i18n import t
from store.improvements import complete_improvement
from store.lifecycle import check_new_request, perform, prepare
from store.models import ImprovementAction
from store.outbox import Confirm, NoticeTo
from store.queries import get_agreement
from store.reminders import snooze
from store.roles import user_roles

log = logging.getLogger(__name__)


def _pattern(action_id: ActionId) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(action_id.value)}(-\d+)?$")


#: a button's work, after its ack
Button = Callable[[AsyncWebClient, Deps, Mapping[str, Any]], Awaitable[None]]


def _listener(deps: Deps, handle: Button) -> Callable[..., Awaitable[None]]:
    async def listener(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await handle(client, deps, body)

    listener.__name__ = f"handle_{handle.__name__.strip('_')}"
    return listener


def register(app: AsyncApp, deps: Deps) -> None:
    for action_id, handle in BUTTONS:
        app.action(_pattern(action_id))(_listener(deps, handle))
    app.action(field_action(ENTRY_FIELD))(_listener(deps, entry_chosen))


async def _show(client: AsyncWebClient, deps: Deps, body: Mapping[str, Any]) -> None:
    ref = payloads.step_ref(body)
    if ref is None:
        return
    try:
        detail = await read(get_agreement, deps.db, ref.a, recent=15)
    except DomainError as exc:
        await tell(client, body, domain_text(exc, deps))
        return
    text, blocks = show_blocks(detail, deps.locale)
    await tell(client, body, text, blocks)


async def _home_refresh(client: AsyncWebClient, deps: Deps, body: Mapping[str, Any]) -> None:
    await publish_home(client, deps, payloads.user_id(body))


async def _snooze(client: AsyncWebClient, deps: Deps, body: Mapping[str, Any]) -> None:
    try:
        value = json.loads(payloads.action_value(body) or "{}")
        reminder, days = int(value["r"]), int(value["n"])
    except (ValueError, KeyError, TypeError):
        return
    user, loc = payloads.user_id(body), deps.locale

    def words(due: datetime) -> str:
        return t("reminder_snoozed", loc, when=f"{due:%Y-%m-%d %H:%M} UTC")

    try:
        await run(
            snooze,
            deps.db,
            reminder,
            user=user,
            days=days,
            now=deps.clock(),
            notice=NoticeTo(user, payloads.channel_id(body), words),
        )
    except DomainError as exc:
        await tell(client, body, domain_text(exc, deps))
        return
    await send_confirmations(deps, user)  # queued with the snooze


async def _improvement_done(client: AsyncWebClient, deps: Deps, body: Mapping[str, Any]) -> None:
    value = payloads.action_value(body)
    if not value.isdigit():
        return
    user, loc = payloads.user_id(body), deps.locale

    def words(item: ImprovementAction) -> str:
        return t("improvement_done", loc, description=item.description)

    try:
        await run(
            complete_improvement,
            deps.db,
            int(value),
            actor=user,
            now=deps.clock(),
            notice=NoticeTo(user, payloads.channel_id(body), words),
        )
    except DomainError as exc:
        await tell(client, body, domain_text(exc, deps))
        return
    await send_confirmations(deps, user)  # queued with the change


async def _catalog_edit(client: AsyncWebClient, deps: Deps, body: Mapping[str, Any]) -> None:
    user = payloads.user_id(body)

    if Role.SLM not in await read(user_roles, deps.db, user):
        await tell(
            client,
            body,
            t(
                "err_permission",
                deps.locale,
                roles=Role.SLM.label(deps.locale),
                what=t("catalog_edit", deps.locale),
            ),
        )
        return
    # from a step modal (M3, C1): pushed on top of it, for that agreement's step
    ctx = payloads.step_context(body)
    view = catalog_modal(deps.locale, private_metadata=ctx.dumps() if ctx else None)
    if ctx is not None and payloads.view(body).get("id"):
        await client.views_push(trigger_id=payloads.trigger_id(body), view=view)
        return
    await client.views_open(trigger_id=payloads.trigger_id(body), view=view)


async def open_from_button(client: AsyncWebClient, deps: Deps, body: Mapping[str, Any]) -> None:
    ref = payloads.step_ref(body)
    if ref is None:
        return
    user = payloads.user_id(body)
    try:
        if not ref.a:
            await read(check_new_request, deps.db, actor=user)
            await open_step(client, deps, body, agreement_id=None, action=ENTRY, lock_version=None)
            return
        prep = await read(prepare, deps.db, ref.a, ref.s, actor=user, seen_version=ref.v)
    except DomainError as exc:
        await tell(client, body, domain_text(exc, deps))
        return
    preset = None
    if ref.d:  # a preset choice: the decision (approve/reject) or T1's kind of notice
        form = ACTION_BY_ID[ref.s].form if ref.s in ACTION_BY_ID else None
        field = "decision" if form is None or "decision" in form.model_fields else "kind"
        preset = {field: ref.d}
    await open_step(
        client,
        deps,
        body,
        agreement_id=ref.a,
        action=ref.s,
        lock_version=prep.lock_version,
        preset=preset,
        agreement_label=ref.a,
    )


async def entry_chosen(client: AsyncWebClient, deps: Deps, body: Mapping[str, Any]) -> None:
    """M4, C2: another catalogue entry was chosen in the draft's modal; the modal is rebuilt
    with that entry's tier, price, availability and targets, keeping what else was typed.
    A modal changed meanwhile (its hash) is left as the user has it."""
    ctx, view = payloads.step_context(body), payloads.view(body)
    chosen = payloads.selected_value(body)
    if ctx is None or not chosen or not view.get("id") or chosen == _entry_shown(view):
        return
    typed = parse_state(ctx.action, payloads.view_values(body))
    new = await step_view(
        deps, ctx, typed=typed, chosen=chosen, agreement_label=ctx.agreement_id or ""
    )
    try:
        await client.views_update(view_id=str(view["id"]), hash=view.get("hash"), view=new)
    except SlackApiError as exc:
        if exc.response.get("error") != "hash_conflict":
            raise
        log.info("entry change on %s: the modal changed meanwhile, left as it is", view["id"])


def _entry_shown(view: Mapping[str, Any]) -> str | None:
    """The entry the modal was built with (its select's initial option)."""
    for block in view.get("blocks") or ():
        if isinstance(block, Mapping) and block.get("block_id") == field_block(ENTRY_FIELD):
            option = (block.get("element") or {}).get("initial_option") or {}
            return str(option.get("value") or "") or None
    return None


async def approve_from_button(client: AsyncWebClient, deps: Deps, body: Mapping[str, Any]) -> None:
    ref = payloads.step_ref(body)
    if ref is None or not ref.a:
        return
    user = payloads.user_id(body)
    try:
        await run(
            perform,
            deps.db,
            ref.a,
            ref.s,
            {"decision": ref.d or "approve"},
            actor=user,
            now=deps.clock(),
            expected_version=ref.v,
            confirm=Confirm(user=user, channel=payloads.channel_id(body), locale=deps.locale),
        )
    except DomainError as exc:
        await tell(client, body, domain_text(exc, deps))
        return
    deps.notify()
    await send_confirmations(deps, user)  # queued with the decision


#: the buttons and what each does, in the order they are registered
BUTTONS: tuple[tuple[ActionId, Button], ...] = (
    (ActionId.NEW_REQUEST, open_from_button),  # App Home's "New request (M1)"
    (ActionId.OPEN_STEP, open_from_button),
    (ActionId.APPROVE, approve_from_button),
    (ActionId.SHOW, _show),
    (ActionId.HOME_REFRESH, _home_refresh),
    (ActionId.SNOOZE, _snooze),
    (ActionId.IMPROVEMENT_DONE, _improvement_done),
    (ActionId.CATALOG_EDIT, _catalog_edit),
)
