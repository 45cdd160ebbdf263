"""Modal submissions: an action's form, the roles modal, the catalogue entry modal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.field_errors import localized_errors
from bot.flows.errors import DomainError, FormInvalid
from bot.flows.process import ACTION_BY_ID
from bot.flows.roles import Role
from bot.handlers import payloads
from bot.handlers.catalog_modal import catalog_block, parse_catalog
from bot.handlers.common import Deps, domain_text, run
from bot.handlers.errors import next_actions, step_name
from bot.handlers.ids import CallbackId
from bot.handlers.kit import plain, section
from bot.handlers.modals import errors_for, parse_state
from bot.handlers.replies import parse_roles
from bot.i18n import t, truncate
from store.catalogue import CatalogueInput, save_entry
from store.lifecycle import Outcome, perform, submit_request
from store.roles import all_assignments, grant_role, revoke_role


def notice_view(text: str, locale: str) -> dict[str, Any]:
    """What replaces a modal whose submission cannot be taken (it changes nothing)."""
    return {
        "type": "modal",
        "title": plain(t("notice_title", locale), 24),
        "close": plain(t("button_cancel", locale), 24),
        "blocks": [section(text)],
    }


async def confirm(client: AsyncWebClient, user: str, channel: str | None, text: str) -> None:
    if channel and not channel.startswith("D"):
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
    else:
        await client.chat_postMessage(channel=user, text=text)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.view(CallbackId.STEP)
    async def handle_step_view_submission(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await submit_step(ack, body, client, deps)

    @app.view(CallbackId.ROLES)
    async def handle_roles_view_submission(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await submit_roles(ack, body, client, deps)

    @app.view(CallbackId.CATALOG)
    async def handle_catalog_view_submission(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await submit_catalog(ack, body, client, deps)


async def submit_step(
    ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    loc = deps.locale
    ctx = payloads.step_context(body)
    if ctx is None:
        await ack()
        return
    user = payloads.user_id(body)
    data = parse_state(ctx.action, payloads.view_values(body))
    out: Outcome
    try:
        if ctx.action == "M1" and not ctx.agreement_id:
            out = await run(submit_request, deps.db, data, actor=user, now=deps.clock())
        else:
            out = await run(
                perform,
                deps.db,
                ctx.agreement_id or "",
                ctx.action,
                data,
                actor=user,
                now=deps.clock(),
                expected_version=ctx.lock_version,
            )
    except FormInvalid as exc:
        form = ACTION_BY_ID[ctx.action].form if ctx.action in ACTION_BY_ID else None
        errors = localized_errors(exc, loc, form=form)
        await ack(response_action="errors", errors=errors_for(ctx.action, errors))
        return
    except DomainError as exc:
        await ack(response_action="update", view=notice_view(domain_text(exc, deps), loc))
        return
    await ack()
    deps.notify()
    nxt = next_actions(out.pending, loc) or t("done_nothing_next", loc)
    if ctx.action == "M1" and not ctx.agreement_id:
        text = t(
            "done_created",
            loc,
            agreement=out.agreement_id,
            customer=str(data.get("customer", "")),
            next=nxt,
        )
    else:
        text = t(
            "done_action",
            loc,
            step=step_name(ctx.action, loc),
            agreement=out.agreement_id,
            next=nxt,
        )
    await confirm(client, user, ctx.channel, text)


async def submit_roles(
    ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    loc = deps.locale
    user = payloads.user_id(body)
    wanted = parse_roles(payloads.view_values(body))

    def apply() -> list[str]:
        with deps.db.read() as s:
            current = all_assignments(s)
        changes: list[str] = []
        now = deps.clock()
        for role, users in wanted.items():
            have = set(current.get(role.value, []))
            for u in sorted(set(users) - have):
                if grant_role(deps.db, u, role, by=user, now=now):
                    changes.append(f"+{role.value} <@{u}>")
            for u in sorted(have - set(users)):
                if role is Role.ADMIN and u == user:
                    continue  # never lock yourself out from the modal
                if revoke_role(deps.db, u, role, by=user, now=now):
                    changes.append(f"-{role.value} <@{u}>")
        return changes

    try:
        changes = await run(apply)
    except DomainError as exc:
        await ack(response_action="update", view=notice_view(domain_text(exc, deps), loc))
        return
    await ack()
    text = (
        t("roles_saved", loc, changes=", ".join(changes)) if changes else t("roles_unchanged", loc)
    )
    await client.chat_postMessage(channel=user, text=text)


async def submit_catalog(
    ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    loc = deps.locale
    user = payloads.user_id(body)
    data, errors = parse_catalog(payloads.view_values(body))
    try:
        if errors:
            raise errors
        entry = await run(save_entry, deps.db, data, actor=user, now=deps.clock())
    except FormInvalid as exc:
        texts = localized_errors(exc, loc, form=CatalogueInput)
        await ack(
            response_action="errors",
            errors={catalog_block(k): truncate(v, 150) for k, v in texts.items()},
        )
        return
    except DomainError as exc:
        await ack(response_action="update", view=notice_view(domain_text(exc, deps), loc))
        return
    await ack()
    await client.chat_postMessage(
        channel=user, text=t("catalog_saved", loc, code=entry.code, version=entry.version)
    )
