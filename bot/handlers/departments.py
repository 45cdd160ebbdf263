"""Slack surface of rules 6 and 7 (issue 9): the Acknowledge, Sign, Query and Answer buttons,
the query and answer modals, and `/sla dept` (the department directory)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.cards import mention
from bot.blocks.department_blocks import (
    answer_modal,
    notice_blocks,
    query_modal,
    sign_blocks,
)
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.flows.errors import DomainError
from bot.handlers import payloads
from bot.handlers.common import Deps, domain_text, read, run, tell
from bot.handlers.views import notice_view
from bot.i18n import t
from store import acknowledgements, ola_signatures
from store.departments import directory, set_head
from store.desk import load_card


def _pattern(action_id: ActionId) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(action_id.value)}(-\d+)?$")


def _ref(body: Mapping[str, Any]) -> int | None:
    value = payloads.action_value(body)
    return int(value) if value.isdigit() else None


def _customer(deps: Deps, agreement_id: str) -> str:
    card = load_card(deps.db, agreement_id)
    return f"{agreement_id} · {card.customer}" if card else agreement_id


async def _replace(body: Mapping[str, Any], text: str, blocks: list[dict[str, Any]]) -> None:
    """The clicked DM shows what became of it (no button left to click)."""
    url = payloads.response_url(body)
    if url:
        from slack_sdk.webhook.async_client import AsyncWebhookClient

        await AsyncWebhookClient(url).send(text=text, blocks=blocks, replace_original=True)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(_pattern(ActionId.DEPT_ACKNOWLEDGE))
    async def handle_acknowledge_button(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        await acknowledge_from_button(client, deps, body)

    @app.action(_pattern(ActionId.OLA_SIGN))
    async def handle_sign_button(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        await sign_from_button(client, deps, body)

    @app.action(_pattern(ActionId.OLA_QUERY))
    @app.action(_pattern(ActionId.OLA_ANSWER))
    async def handle_query_or_answer_button(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        ref = _ref(body)
        ola = await read(ola_signatures.get_ola, deps.db, ref) if ref is not None else None
        if ola is None:
            return
        answering = str(body["actions"][0].get("action_id", "")).startswith(ActionId.OLA_ANSWER)
        view = answer_modal(ola, deps.locale) if answering else query_modal(ola, deps.locale)
        await client.views_open(trigger_id=payloads.trigger_id(body), view=view)

    @app.view(CallbackId.OLA_QUERY)
    @app.view(CallbackId.OLA_ANSWER)
    async def handle_query_or_answer_submission(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await submit_query_or_answer(ack, body, client, deps)


async def acknowledge_from_button(
    client: AsyncWebClient, deps: Deps, body: Mapping[str, Any]
) -> None:
    """A head's Acknowledge: the DM then shows who acknowledged when."""
    ref = _ref(body)
    if ref is None:
        return
    try:
        notice = await run(
            acknowledgements.acknowledge,
            deps.db,
            ref,
            actor=payloads.user_id(body),
            now=deps.clock(),
        )
        agreement = await read(_customer, deps, notice.agreement_id)
    except DomainError as exc:
        await tell(client, body, domain_text(exc, deps))
        return
    deps.notify()
    card = await read(load_card, deps.db, notice.agreement_id)
    await _replace(body, *notice_blocks(notice, card.customer if card else "", deps.locale))
    text = t("dept_acknowledged", deps.locale, department=notice.department, agreement=agreement)
    await tell(client, body, text)


async def sign_from_button(client: AsyncWebClient, deps: Deps, body: Mapping[str, Any]) -> None:
    """A signer's Sign: the DM then shows who signed when."""
    ref = _ref(body)
    if ref is None:
        return
    try:
        ola = await run(
            ola_signatures.sign, deps.db, ref, actor=payloads.user_id(body), now=deps.clock()
        )
        agreement = await read(_customer, deps, ola.agreement_id)
    except DomainError as exc:
        await tell(client, body, domain_text(exc, deps))
        return
    deps.notify()
    card = await read(load_card, deps.db, ola.agreement_id)
    customer, owner = (card.customer, card.owner) if card else ("", None)
    await _replace(body, *sign_blocks(ola, customer, owner, deps.locale))
    text = t("dept_signed_you", deps.locale, department=ola.department, agreement=agreement)
    await tell(client, body, text)


def _typed(body: Mapping[str, Any], block: str, action: str) -> str:
    state = payloads.view_values(body).get(block, {}).get(action, {})
    return str(state.get("value") or "").strip()


async def submit_query_or_answer(
    ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    view = payloads.view(body)
    meta = str(view.get("private_metadata") or "")
    if not meta.isdigit():
        await ack()
        return
    user, loc = payloads.user_id(body), deps.locale
    text = _typed(body, BlockId.DEPT_TEXT, ActionId.DEPT_TEXT)
    answering = view.get("callback_id") == CallbackId.OLA_ANSWER
    try:
        if answering:
            commitment = _typed(body, BlockId.DEPT_COMMITMENT, ActionId.DEPT_COMMITMENT)
            ola = await run(
                ola_signatures.answer,
                deps.db,
                int(meta),
                text,
                actor=user,
                now=deps.clock(),
                commitment=commitment or None,
            )
        else:
            ola = await run(
                ola_signatures.query, deps.db, int(meta), text, actor=user, now=deps.clock()
            )
    except DomainError as exc:
        await ack(response_action="update", view=notice_view(domain_text(exc, deps), loc))
        return
    await ack()
    deps.notify()
    key = "dept_answered_you" if answering else "dept_queried_you"
    await client.chat_postMessage(channel=user, text=t(key, loc, department=ola.department))


async def dept_text(deps: Deps, actor: str, args: list[str]) -> str:
    """`/sla dept` lists the department heads; `/sla dept set Department @head` names one."""
    loc = deps.locale
    if not args:
        found = [(d.name, d.head) for d in await read(directory, deps.db)]
        if not found:
            return t("dept_directory_empty", loc)
        return "\n".join(
            t("dept_directory_line", loc, department=n, head=mention(h)) for n, h in found
        )
    head = payloads.mentioned_user(args[-1]) if len(args) >= 3 else None
    if args[0].lower() != "set" or head is None:
        return t("dept_directory_usage", loc)
    name = " ".join(args[1:-1])
    changed = await run(set_head, deps.db, name, head, by=actor, now=deps.clock())
    key = "dept_directory_set" if changed else "dept_directory_same"
    return t(key, loc, department=name, head=mention(head))
