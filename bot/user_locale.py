"""Each person's language: their choice on App Home (stored), else the locale of their Slack
client (`users.info` with `include_locale`, cached), else `SLM_LOCALE`.

`LocaleResolver.for_user` answers it; `current()` is the language of the person the request
being handled came from (a context variable the Bolt middleware sets), so that every reply,
modal, error and App Home of that request is in their language. Channel posts use the
workspace default.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import norm_locale
from store.db import Database
from store.user_prefs import chosen_locale

log = logging.getLogger(__name__)
_REQUEST_LOCALE: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "slm_request_locale", default=None
)


def current() -> str | None:
    """The language of the person whose request is being handled (None outside one)."""
    return _REQUEST_LOCALE.get()


def set_current(locale: str | None) -> contextvars.Token[str | None]:
    return _REQUEST_LOCALE.set(locale)


class LocaleResolver:
    """Resolves and caches each person's language (Slack's answer for `ttl` seconds)."""

    def __init__(
        self, db: Database, default: str, *, ttl: float = 3600.0, choice_ttl: float = 30.0
    ) -> None:
        self.db, self.default, self.ttl, self.choice_ttl = db, norm_locale(default), ttl, choice_ttl
        self._slack: dict[str, tuple[str | None, float]] = {}
        #: stored choices, read again after `choice_ttl` seconds (another process may change
        #: them; this one updates its own at once with `remember`)
        self._chosen: dict[str, tuple[str | None, float]] = {}

    def remember(self, user_id: str, chosen: str | None) -> None:
        """The person just chose (None: as in their Slack): this process knows at once."""
        self._chosen[user_id] = (chosen, time.monotonic() + self.choice_ttl)

    def chosen(self, user_id: str) -> str | None:
        hit = self._chosen.get(user_id)
        if hit and hit[1] > time.monotonic():
            return hit[0]
        value = chosen_locale(self.db, user_id)
        self.remember(user_id, value)
        return value

    async def for_user(self, user_id: str | None, client: AsyncWebClient | None) -> str:
        if not user_id:
            return self.default
        chosen = self.chosen(user_id)
        if chosen:
            return chosen
        slack = await self.slack_locale(user_id, client)
        return norm_locale(slack) if slack else self.default

    async def slack_locale(self, user_id: str, client: AsyncWebClient | None) -> str | None:
        """The locale of the person's Slack client (`users.info`, `include_locale`), cached;
        None when Slack does not say or cannot be asked."""
        hit = self._slack.get(user_id)
        if hit and hit[1] > time.monotonic():
            return hit[0]
        locale: str | None = None
        ttl = self.ttl
        if client is not None:
            try:
                resp = await client.users_info(user=user_id, include_locale=True)
                value = (resp.get("user") or {}).get("locale")
                locale = str(value) if value else None
            except (SlackApiError, OSError, ValueError) as exc:
                log.warning("users.info for %s failed: %s", user_id, exc)
                ttl = min(ttl, 60.0)  # ask again soon
        self._slack[user_id] = (locale, time.monotonic() + ttl)
        return locale


def request_user(body: dict[str, Any]) -> str | None:
    """Who a request comes from: a slash command, an interaction or an event."""
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    event = body.get("event") or {}
    return str(user or event.get("user") or "") or None


def locale_middleware(
    resolver: LocaleResolver,
) -> Callable[..., Awaitable[None]]:
    """A Bolt middleware: the request's person's language for every listener it runs."""

    async def middleware(
        body: dict[str, Any], client: AsyncWebClient, next: Callable[[], Awaitable[None]]
    ) -> None:
        set_current(await resolver.for_user(request_user(body), client))
        await next()

    return middleware
