"""Modal submissions: an action's form, the roles modal, the catalogue entry modal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.cards import mention
from bot.blocks.catalogue_offer import EDITS_CATALOGUE
from bot.blocks.confirmations import done_text
from bot.blocks.ids import CallbackId
from bot.blocks.kit import plain, section
from bot.field_errors import localized_errors
from bot.flows.errors import DomainError, FormInvalid
from bot.flows.process import ACTION_BY_ID, ENTRY
from bot.handlers import payloads
from bot.handlers.catalog_modal import catalog_block, parse_catalog
from bot.handlers.common import Deps, confirm, domain_text, run, send_confirmations, step_view
from bot.handlers.modals import errors_for, parse_state
from bot.handlers.roles_modal import parse_roles
from bot.i18n import Safe, t, truncate
from store.catalogue import CatalogueInput, save_entry
from store.lifecycle import Outcome, perform
from store.models import CatalogueEntry
from store.outbox import Confirm, NoticeTo
from store.requests import submit_request_once
from store.role_changes import RolesSaved, save_roles


def notice_view(text: str, locale: str) -> dict[str, Any]:
    """What replaces a modal whose submission cannot be taken (it changes nothing)."""
    return {
        "type": "modal",
        "title": plain(t("notice_title", locale), 24),
        "close": plain(t("button_cancel", locale), 24),
        "blocks": [section(text)],
    }


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
    confirm_to = Confirm(user=user, channel=ctx.channel, locale=loc)
    out: Outcome
    try:
        if ctx.action == ENTRY and not ctx.agreement_id:
            v = payloads.view(body)
            key = f"{v['id']}:{v.get('hash', '')}"[:120] if v.get("id") else None
            out = await run(
                submit_request_once,
                deps.db,
                data,
                actor=user,
                now=deps.clock(),
                key=key,
                confirm=confirm_to,
            )
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
                confirm=confirm_to,
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
    if out.confirmed:  # queued with the step: sent now (or by the worker)
        await send_confirmations(deps, user)
        return
    created = (
        str(data.get("customer", "")) if ctx.action == ENTRY and not ctx.agreement_id else None
    )
    text = done_text(ctx.action, out.agreement_id, out.pending, loc, created_for=created)
    await confirm(client, deps, user, ctx.channel, text)  # a repeated submission: told again


async def submit_roles(
    ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    """Only what the admin changed, against the version the modal was opened on (store)."""
    loc = deps.locale
    user = payloads.user_id(body)
    sent = parse_roles(payloads.view_values(body), payloads.view(body).get("private_metadata"))
    try:
        await run(
            save_roles,
            deps.db,
            by=user,
            version=sent.version,
            selected=sent.selected,
            person=sent.person,
            now=deps.clock(),
            notice=NoticeTo(user, None, lambda saved: _roles_words(saved, loc)),
        )
    except DomainError as exc:
        await ack(response_action="update", view=notice_view(domain_text(exc, deps), loc))
        return
    await ack()
    await send_confirmations(deps, user)  # queued with the change


def _roles_words(saved: RolesSaved, loc: str) -> str:
    changes = [f"+{r.value} {mention(u)}" for u, r in saved.granted]
    changes += [f"-{r.value} {mention(u)}" for u, r in saved.revoked]
    if not changes:
        return t("roles_unchanged", loc)
    return t("roles_saved", loc, changes=Safe(", ".join(changes)))


async def submit_catalog(
    ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    loc = deps.locale
    user = payloads.user_id(body)
    data, errors = parse_catalog(payloads.view_values(body))
    ctx = payloads.step_context(body)  # opened from M3 or C1: made for that agreement's step
    agreement = ctx.agreement_id if ctx and ctx.action in EDITS_CATALOGUE else None
    try:
        if errors:
            raise errors
        await run(
            save_entry,
            deps.db,
            data,
            actor=user,
            now=deps.clock(),
            agreement_id=agreement,
            notice=NoticeTo(user, None, lambda e: _catalog_words(e, loc)),
        )
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
    parent = payloads.view(body).get("previous_view_id")
    if ctx is not None and parent:  # the step modal below now lists the entry
        view = await step_view(deps, ctx, agreement_label=ctx.agreement_id or "")
        await client.views_update(view_id=str(parent), view=view)
    await send_confirmations(deps, user)  # queued with the change


def _catalog_words(entry: CatalogueEntry, loc: str) -> str:
    return t("catalog_saved", loc, code=entry.code, version=entry.version)
