"""`create_app(settings)`: the Slack app (slack-bolt AsyncApp) with every listener registered.

Nothing is created at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.handlers import actions, commands, departments, events, language, measure, views
from bot.handlers.common import Deps, tell
from bot.handlers.errors import unexpected
from bot.i18n import t
from bot.scheduler.factory import build_dispatcher
from bot.settings import Settings
from bot.user_locale import LocaleResolver, request_user, set_current
from store.db import Database

log = logging.getLogger("slm_bot")


class CountRateLimits(AsyncRetryHandler):
    """Never retries: counts Slack's 429 answers (`slm_slack_rate_limited_total`), including
    those the rate-limit handler after it then retries."""

    def __init__(self) -> None:
        super().__init__(max_retry_count=1 << 30)

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429:
            metrics.SLACK_429.inc()
        return False


def web_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: SLACK_API_URL, with retries on 429, 5xx and connection errors."""
    return AsyncWebClient(
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        retry_handlers=[
            CountRateLimits(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


@dataclass
class SlackApp:
    app: AsyncApp
    deps: Deps
    client: AsyncWebClient


def create_app(
    settings: Settings,
    db: Database | None = None,
    *,
    notify: Callable[[], None] | None = None,
) -> SlackApp:
    """Build the Bolt app; `notify` wakes the outbox dispatcher after a state change."""
    db = db or Database(settings.database_url, timezone=settings.timezone, country=settings.country)
    client = web_client(settings)
    app = AsyncApp(  # the client carries the token (passing both makes Bolt warn)
        signing_secret=settings.slack_signing_secret,
        client=client,
        request_verification_enabled=True,
        raise_error_for_unhandled_request=False,
    )
    deps = Deps(db=db, settings=settings)
    if notify is not None:
        deps.notify = notify
    deps.deliver = build_dispatcher(settings, db, client, clock=lambda: deps.clock()).send_key
    resolver = LocaleResolver(db, settings.locale)

    @app.middleware
    async def person_language(
        req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> Any:
        """Every listener of this request answers in its person's language. An event's
        listener finds it itself, after the ack (which needs no language)."""
        body = req.body if isinstance(req.body, dict) else {}
        if body.get("type") != "event_callback":
            set_current(await resolver.for_user(request_user(body), client))
        return await next()

    @app.error
    async def handle_unexpected_error(error: Exception, body: dict[str, Any]) -> None:
        error_id = unexpected(error, str(body.get("type") or body.get("command") or "request"))
        try:
            await tell(client, body, t("err_unexpected", deps.locale, error_id=error_id))
        except Exception:  # the user could not be told; the log has it
            log.exception("could not report error %s to the user", error_id)

    commands.register(app, deps)
    actions.register(app, deps)
    departments.register(app, deps)
    language.register(app, deps, resolver)
    views.register(app, deps)
    measure.register(app, deps)
    events.register(app, deps, resolver)
    return SlackApp(app=app, deps=deps, client=client)
