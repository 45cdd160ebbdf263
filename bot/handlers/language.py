"""App Home's language choice: each person picks English, Simplified Chinese or "as my Slack"
(stored and audited); everything they see afterwards follows it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.ids import ActionId
from bot.handlers import payloads
from bot.handlers.common import Deps, run
from bot.handlers.events import publish_home
from bot.i18n import LOCALES
from bot.user_locale import LocaleResolver, set_current
from store.user_prefs import choose_locale


def register(app: AsyncApp, deps: Deps, resolver: LocaleResolver) -> None:
    @app.action(ActionId.HOME_LANGUAGE.value)
    async def handle_home_language_select(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        user = payloads.user_id(body)
        value = payloads.selected_value(body)
        locale = value if value in LOCALES else None
        await run(choose_locale, deps.db, user, locale, now=deps.clock())
        resolver.remember(user, locale)
        set_current(await resolver.for_user(user, client))
        await publish_home(client, deps, user)
