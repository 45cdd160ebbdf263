"""Every message and view the bot sent must be valid Block Kit: slack_sdk's model validation
(`validate_json()`) plus the limits it does not check."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.slack_standin.state import SlackState

MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")
VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")


def _blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        value = json.loads(value) if value else []
    return list(value or [])


def check_blocks(blocks: list[dict[str, Any]], *, max_blocks: int, where: str) -> None:
    assert len(blocks) <= max_blocks, f"{where}: {len(blocks)} blocks > {max_blocks}"
    for b in blocks:
        parsed = Block.parse(b)
        assert parsed is not None, f"{where}: unknown block {b.get('type')}"
        parsed.validate_json()
        for f in b.get("fields") or []:
            assert len(f["text"]) <= 2000, f"{where}: section field over 2000 chars"
        if b.get("type") == "section" and b.get("text"):
            assert len(b["text"]["text"]) <= 3000, f"{where}: section text over 3000"


def check_view(view: dict[str, Any], where: str) -> None:
    View(**view).validate_json()
    blocks = view.get("blocks") or []
    check_blocks(blocks, max_blocks=100, where=where)
    if view.get("type") == "modal" and any(b.get("type") == "input" for b in blocks):
        assert view.get("submit"), f"{where}: a modal with inputs and no submit button"
    assert len(view.get("private_metadata") or "") <= 3000


def validate_all(state: SlackState) -> int:
    """Validate everything recorded; returns how many messages and views were checked."""
    n = 0
    for call in state.calls():
        where = f"#{call.seq} {call.method}"
        if call.method in MESSAGE_METHODS:
            blocks = _blocks(call.args.get("blocks"))
            if blocks:
                check_blocks(blocks, max_blocks=50, where=where)
            n += 1
        elif call.method in VIEW_METHODS:
            view = call.args.get("view")
            if isinstance(view, str):
                view = json.loads(view)
            assert isinstance(view, dict), where
            check_view(view, where)
            n += 1
    return n
