"""The one module that reads Slack payload dicts: typed accessors for the handlers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from bot.blocks.context import StepContext, StepRef

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def user_id(body: Mapping[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, Mapping):
        return str(user.get("id", ""))
    return str(body.get("user_id") or user or "")


def trigger_id(body: Mapping[str, Any]) -> str:
    return str(body.get("trigger_id", ""))


def channel_id(body: Mapping[str, Any]) -> str | None:
    ch = body.get("channel")
    if isinstance(ch, Mapping):
        return str(ch.get("id")) if ch.get("id") else None
    if body.get("channel_id"):
        return str(body["channel_id"])
    container = body.get("container")
    if isinstance(container, Mapping) and container.get("channel_id"):
        return str(container["channel_id"])
    return None


def response_url(body: Mapping[str, Any]) -> str | None:
    url = body.get("response_url")
    if url:
        return str(url)
    urls = body.get("response_urls")
    if isinstance(urls, list) and urls and isinstance(urls[0], Mapping):
        return str(urls[0].get("response_url") or "") or None
    return None


def action_value(body: Mapping[str, Any]) -> str:
    acts = body.get("actions")
    if isinstance(acts, list) and acts and isinstance(acts[0], Mapping):
        return str(acts[0].get("value") or "")
    return ""


def selected_value(body: Mapping[str, Any]) -> str:
    """The value of the option a select action chose ("" when none)."""
    acts = body.get("actions")
    if isinstance(acts, list) and acts and isinstance(acts[0], Mapping):
        option = acts[0].get("selected_option")
        if isinstance(option, Mapping):
            return str(option.get("value") or "")
    return ""


def step_ref(body: Mapping[str, Any]) -> StepRef | None:
    try:
        return StepRef.model_validate_json(action_value(body) or "{}")
    except ValidationError:
        return None


def view(body: Mapping[str, Any]) -> Mapping[str, Any]:
    v = body.get("view")
    return v if isinstance(v, Mapping) else {}


def view_values(body: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    state = view(body).get("state")
    if isinstance(state, Mapping) and isinstance(state.get("values"), Mapping):
        return state["values"]  # type: ignore[no-any-return]
    return {}


def step_context(body: Mapping[str, Any]) -> StepContext | None:
    try:
        return StepContext.model_validate_json(str(view(body).get("private_metadata") or ""))
    except ValidationError:
        return None


def mentioned_user(token: str) -> str | None:
    """`<@U123|name>`, `<@U123>` (what Slack sends for a mention) or a bare `U123`."""
    m = _MENTION.match(token.strip())
    if m:
        return m[1]
    if re.fullmatch(r"[UW][A-Z0-9]{2,}", token.strip()):
        return token.strip()
    return None
