"""Small Block Kit builders that enforce Slack's limits (text lengths, field counts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.i18n import Safe, escape, truncate

__all__ = ["Safe", "escape"]

Block = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
CONTEXT_TEXT = 3000


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, limit) or " "}


def plain(text: str, limit: int = 150) -> dict[str, Any]:
    """Plain text: escaped unless it is `Safe` (text from `t()` already is)."""
    return {"type": "plain_text", "text": truncate(escape(text), limit) or " ", "emoji": True}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def section(
    text: str | None = None,
    *,
    fields: Sequence[str] | None = None,
    accessory: dict[str, Any] | None = None,
    block_id: str | None = None,
) -> Block:
    block: Block = {"type": "section"}
    if text is not None:
        block["text"] = mrkdwn(text)
    if fields:
        block["fields"] = [mrkdwn(f, FIELD_TEXT) for f in fields[:10]]
    if accessory is not None:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t, CONTEXT_TEXT) for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if len(value) > BUTTON_VALUE:
        raise ValueError("button value over 2000 characters")
    el: dict[str, Any] = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT),
        "action_id": action_id,
        "value": value,
    }
    if style:
        el["style"] = style
    if confirm:
        el["confirm"] = confirm
    return el


def confirm_dialog(title: str, text: str, yes: str, no: str) -> dict[str, Any]:
    return {
        "title": plain(title, 100),
        "text": mrkdwn(text, 300),
        "confirm": plain(yes, 30),
        "deny": plain(no, 30),
    }


def actions(elements: list[dict[str, Any]], block_id: str | None = None) -> list[Block]:
    """One or more actions blocks (at most 25 elements each); action ids made unique."""
    seen: dict[str, int] = {}
    fixed = []
    for el in elements:
        aid = el["action_id"]
        n = seen.get(aid, 0)
        seen[aid] = n + 1
        fixed.append(el if n == 0 else {**el, "action_id": f"{aid}-{n}"})
    out: list[Block] = []
    for i in range(0, len(fixed), 25):
        block: Block = {"type": "actions", "elements": fixed[i : i + 25]}
        if block_id:
            block["block_id"] = block_id if i == 0 else f"{block_id}-{i // 25}"
        out.append(block)
    return out
