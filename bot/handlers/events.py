"""Events: App Home (the personal desk)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.flows.roles import Role
from bot.handlers.common import Deps, first_time, read
from bot.handlers.home import home_view
from bot.user_locale import LocaleResolver, request_user, set_current
from store.desk import expiring, my_agreements, my_tasks, reviews_due
from store.home_attainment import home_service_levels
from store.roles import user_roles
from store.user_prefs import chosen_locale


def desk(deps: Deps, user: str) -> dict[str, Any]:
    today = deps.clock().date()
    roles = user_roles(deps.db, user)
    soon = [(days, expiring(deps.db, today, days)) for days in (30, 60, 90)]
    reviews = reviews_due(deps.db, today) if Role.SLM in roles else []
    return home_view(
        roles=roles,
        tasks=my_tasks(deps.db, user),
        mine=my_agreements(deps.db, user),
        expiring=soon,
        reviews=reviews,
        locale=deps.locale,
        language=chosen_locale(deps.db, user),
        service_levels=home_service_levels(
            deps.db,
            user=user,
            roles=roles,
            now=deps.clock(),
            tz=deps.settings.timezone,
            country=deps.settings.country,
        ),
    )


async def publish_home(client: AsyncWebClient, deps: Deps, user: str) -> None:
    view = await read(desk, deps, user)
    await client.views_publish(user_id=user, view=view)


def register(app: AsyncApp, deps: Deps, resolver: LocaleResolver) -> None:
    @app.event("app_home_opened")
    async def handle_app_home_opened_event(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """After the ack (Bolt acks an event first): once per delivery, in the person's
        language."""
        if event.get("tab", "home") != "home" or not await first_time(deps, body):
            return
        set_current(await resolver.for_user(request_user(body), client))
        await publish_home(client, deps, str(event.get("user", "")))
