"""What the sandbox sends to the bot: Slack's request payloads, signed the way Slack signs them.

The page only says what a persona did ("clicked element 0 of block 3 of message ts in channel
C..", "submitted view V.. with these values"); everything here turns that into the exact
request Slack would send: `block_actions` with the element's own fields, `view_submission`
with `view.state.values` in Slack's shape, `view_closed`, slash commands, `app_home_opened`.
It also checks a submission the way Slack's client does before sending anything (required
fields, numbers, lengths).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

JSON = dict[str, Any]

#: Element types whose state lands in `view.state.values`
TEXT_INPUTS = frozenset({"plain_text_input", "number_input", "email_text_input", "url_text_input"})
SINGLE_OPTION = frozenset({"static_select", "radio_buttons", "overflow", "external_select"})
MULTI_OPTION = frozenset({"multi_static_select", "checkboxes", "multi_external_select"})
SINGLE_VALUE = {
    "users_select": "selected_user",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
}
MULTI_VALUE = {
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}

#: What Slack's client says under a field before it sends anything, in the page's language
CLIENT_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "required": "Please complete this required field.",
        "not_a_number": "Please enter a valid number.",
        "not_whole": "Please enter a whole number.",
        "min_value": "Please enter a number at least {bound}.",
        "max_value": "Please enter a number at most {bound}.",
        "min_length": "Please enter at least {n} characters.",
        "max_length": "Please enter no more than {n} characters.",
    },
    "zh-CN": {
        "required": "请填写此必填字段。",
        "not_a_number": "请输入有效的数字。",
        "not_whole": "请输入整数。",
        "min_value": "请输入不小于 {bound} 的数字。",
        "max_value": "请输入不大于 {bound} 的数字。",
        "min_length": "请至少输入 {n} 个字符。",
        "max_length": "请输入不超过 {n} 个字符。",
    },
}
REQUIRED = CLIENT_TEXT["en"]["required"]
NOT_A_NUMBER = CLIENT_TEXT["en"]["not_a_number"]
NOT_WHOLE = CLIENT_TEXT["en"]["not_whole"]


def client_text(locale: str, key: str, **params: Any) -> str:
    table = CLIENT_TEXT["zh-CN" if locale.lower().startswith("zh") else "en"]
    return table[key].format(**params)


class UnknownElement(LookupError):
    """The page named a block or element that the surface does not have (a stale page)."""


def sign(body: str, secret: str, *, ts: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers for `body`."""
    stamp = str(ts if ts is not None else int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


def _short_id(*parts: Any) -> str:
    """A stable id like the 3-5 character ones Slack gives blocks and elements without one."""
    raw = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha1(raw).hexdigest()[:5]


def block_id(block: Mapping[str, Any], index: int) -> str:
    return str(block.get("block_id") or _short_id("block", index, block))


def action_id(element: Mapping[str, Any], block: Mapping[str, Any], index: int) -> str:
    return str(element.get("action_id") or _short_id("action", index, block_id(block, index)))


def locate(blocks: Sequence[Any], block_index: int, element_index: int | None) -> tuple[JSON, JSON]:
    """(block, element): `element_index` None means the block's accessory or input element."""
    if not 0 <= block_index < len(blocks) or not isinstance(blocks[block_index], dict):
        raise UnknownElement(f"no block {block_index}")
    block: JSON = blocks[block_index]
    element: Any = None
    if element_index is None:
        element = block.get("accessory") or block.get("element")
    else:
        elements = block.get("elements")
        if isinstance(elements, list) and 0 <= element_index < len(elements):
            element = elements[element_index]
    if not isinstance(element, dict) or not element.get("type"):
        raise UnknownElement(f"no element {element_index} in block {block_index}")
    return block, element


def options_of(element: Mapping[str, Any]) -> list[JSON]:
    """An element's options, option groups flattened."""
    out = [o for o in element.get("options") or [] if isinstance(o, dict)]
    for group in element.get("option_groups") or []:
        out += [o for o in group.get("options") or [] if isinstance(o, dict)]
    return out


def _option(element: Mapping[str, Any], value: Any) -> JSON | None:
    if value in (None, ""):
        return None
    for option in options_of(element):
        if str(option.get("value")) == str(value):
            return {k: option[k] for k in ("text", "value", "description") if k in option}
    return None


def _values(raw: Any) -> list[str]:
    if raw is None or raw == "":
        return []
    if isinstance(raw, list):
        return [str(v) for v in raw if v not in (None, "")]
    return [str(raw)]


def initial_raw(element: Mapping[str, Any]) -> Any:
    """An element's initial value in the page's terms (string, list of strings or None)."""
    kind = element.get("type")
    if kind in TEXT_INPUTS:
        return element.get("initial_value")
    if kind in SINGLE_OPTION:
        option = element.get("initial_option")
        return option.get("value") if isinstance(option, dict) else None
    if kind in MULTI_OPTION:
        return [o.get("value") for o in element.get("initial_options") or []]
    initial = {
        "users_select": "initial_user",
        "datepicker": "initial_date",
        "timepicker": "initial_time",
        "conversations_select": "initial_conversation",
        "channels_select": "initial_channel",
        "multi_users_select": "initial_users",
        "multi_conversations_select": "initial_conversations",
        "multi_channels_select": "initial_channels",
    }.get(str(kind))
    return element.get(initial) if initial else None


def element_state(element: Mapping[str, Any], raw: Any) -> JSON:
    """One element's entry of `view.state.values`, as Slack sends it."""
    kind = str(element.get("type"))
    state: JSON = {"type": kind}
    if kind in TEXT_INPUTS:
        text = None if raw is None else str(raw)
        state["value"] = text if text else None
    elif kind in SINGLE_OPTION:
        state["selected_option"] = _option(element, raw)
    elif kind in MULTI_OPTION:
        chosen = [_option(element, v) for v in _values(raw)]
        state["selected_options"] = [o for o in chosen if o is not None]
    elif kind in SINGLE_VALUE:
        values = _values(raw)
        state[SINGLE_VALUE[kind]] = values[0] if values else None
    elif kind in MULTI_VALUE:
        state[MULTI_VALUE[kind]] = _values(raw)
    return state


def _raw(raw_by_index: Mapping[str, Any], index: int, element: Mapping[str, Any]) -> Any:
    key = str(index)
    return raw_by_index[key] if key in raw_by_index else initial_raw(element)


def state_values(view: Mapping[str, Any], raw_by_index: Mapping[str, Any]) -> JSON:
    """`view.state.values` for the view's input blocks (raw values keyed by block index;
    a block the page did not send keeps its initial value)."""
    values: JSON = {}
    for index, block in enumerate(view.get("blocks") or []):
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        element = block.get("element")
        if not isinstance(element, dict):
            continue
        raw = _raw(raw_by_index, index, element)
        aid = action_id(element, block, index)
        values[block_id(block, index)] = {aid: element_state(element, raw)}
    return values


def _number_error(element: Mapping[str, Any], text: str, locale: str) -> str | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return client_text(locale, "not_a_number")
    if not number.is_finite():
        return client_text(locale, "not_a_number")
    if not element.get("is_decimal_allowed") and number != number.to_integral_value():
        return client_text(locale, "not_whole")
    for key in ("min_value", "max_value"):
        bound = element.get(key)
        if bound in (None, ""):
            continue
        try:
            limit = Decimal(str(bound))
        except InvalidOperation:
            continue
        if (number < limit) if key == "min_value" else (number > limit):
            return client_text(locale, key, bound=bound)
    return None


def client_errors(
    view: Mapping[str, Any], raw_by_index: Mapping[str, Any], locale: str = "en"
) -> dict[str, str]:
    """What Slack's client refuses before sending a submission: block index -> message, in
    the language of the person's Slack client."""
    errors: dict[str, str] = {}
    for index, block in enumerate(view.get("blocks") or []):
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        element = block.get("element")
        if not isinstance(element, dict):
            continue
        raw = _raw(raw_by_index, index, element)
        empty = not _values(raw) or (isinstance(raw, str) and not raw.strip())
        if empty:
            if not block.get("optional"):
                errors[str(index)] = client_text(locale, "required")
            continue
        kind = element.get("type")
        text = str(raw) if not isinstance(raw, list) else ""
        if kind == "number_input":
            problem = _number_error(element, text, locale)
            if problem:
                errors[str(index)] = problem
        elif kind in TEXT_INPUTS:
            low, high = element.get("min_length"), element.get("max_length")
            if isinstance(low, int) and len(text) < low:
                errors[str(index)] = client_text(locale, "min_length", n=low)
            elif isinstance(high, int) and len(text) > high:
                errors[str(index)] = client_text(locale, "max_length", n=high)
    return errors


def action_entry(
    block: Mapping[str, Any], element: Mapping[str, Any], index: int, raw: Any
) -> JSON:
    """One entry of a `block_actions` payload's `actions`."""
    kind = str(element.get("type"))
    entry: JSON = {
        "type": kind,
        "action_id": action_id(element, block, index),
        "block_id": block_id(block, index),
        "action_ts": f"{time.time():.6f}",
    }
    if kind == "button":
        entry["text"] = element.get("text")
        for key in ("value", "style", "url"):
            if key in element:
                entry[key] = element[key]
    elif kind in TEXT_INPUTS:
        entry["value"] = None if raw in (None, "") else str(raw)
    else:
        state = element_state(element, raw)
        state.pop("type")
        entry.update(state)
        if "placeholder" in element:
            entry["placeholder"] = element["placeholder"]
    return entry


def user_ref(user_id: str, name: str, team_id: str) -> JSON:
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def form_body(fields: Mapping[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(fields)


def interactive_body(payload: Mapping[str, Any]) -> str:
    return form_body({"payload": json.dumps(payload, separators=(",", ":"))})


def content(args: Mapping[str, Any]) -> JSON:
    """A message's text and blocks."""
    return {k: args[k] for k in ("text", "blocks") if k in args}
