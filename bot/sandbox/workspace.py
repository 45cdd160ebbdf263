"""The sandbox's Slack workspace: the stand-in's state with a change counter, its people and
channels, and its messages kept next to the database so that a new run picks up where the
last one stopped (cards are edited in place: their messages must still be there)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.slack_standin.models import JSON, Call
from bot.slack_standin.state import SlackState
from store.demo import PERSONAS

CHANNEL = "C0AGREEMENTS"
CHANNEL_NAME = "sla-agreements"
GENERAL = "C0GENERAL"
SLACKBOT = "USLACKBOT"


class SandboxState(SlackState):
    """`SlackState` that counts changes: `version` grows with every recorded call (the bot's
    Web API calls and response URL posts) and every `touch()` (what the sandbox does itself).
    The page long-polls on it."""

    def __init__(self, **options: Any) -> None:
        self.version = 0
        self.on_change: Callable[[], None] | None = None  # called from any thread
        super().__init__(**options)

    def record(self, method: str, args: JSON, status: int, response: JSON) -> Call:
        call = super().record(method, args, status, response)
        self.touch()
        return call

    def touch(self) -> None:
        with self.lock:
            self.version += 1
        callback = self.on_change
        if callback is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits
                callback()


def short_name(display: str) -> str:
    """ "Mei Lin (service level manager)" -> "mei.lin" (Slack's handle style)."""
    words = display.split(" (")[0].lower().split()
    return ".".join(words) or display.lower()


#: the channels' purposes, as the workspace's people would write them in their language
PURPOSES = {
    "en": ("One card per agreement; steps in threads", "Anything"),
    "zh-CN": ("每份协议一张卡片；各步骤在消息列中", "随便聊聊"),
}


def seed(state: SlackState, locale: str = "en") -> None:
    """The personas, Slackbot and the channels the bot uses."""
    for persona in PERSONAS:
        state.add_user(
            persona.user_id,
            short_name(persona.name),
            real_name=persona.name.split(" (")[0],
            email=f"{short_name(persona.name)}@example.com",
            locale="zh-CN" if locale.lower().startswith("zh") else "en-US",
        )
    state.add_user(SLACKBOT, "slackbot", real_name="Slackbot", is_bot=True)
    agreements, general = PURPOSES["zh-CN" if locale.lower().startswith("zh") else "en"]
    state.add_channel(CHANNEL, CHANNEL_NAME, purpose=agreements)
    state.add_channel(GENERAL, "general", purpose=general)


def workspace_path(db_path: Path) -> Path:
    """`sandbox.db` -> `sandbox-slack.db` (a SQLite file too, so `*.db` ignores cover it)."""
    return db_path.with_name(f"{db_path.stem}-slack.db")


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=5)
    conn.execute("CREATE TABLE IF NOT EXISTS workspace (key TEXT PRIMARY KEY, value TEXT)")
    return conn


def save(state: SlackState, path: Path) -> None:
    """Keep the messages and the direct-message channels."""
    with state.lock:
        data = {
            "messages": state.msgs,
            "ims": [
                {"id": c.id, "name": c.name, "kind": c.kind, "user": c.user, "members": c.members}
                for c in state.channels.values()
                if c.kind in ("im", "mpim")
            ],
        }
        text = json.dumps(data, separators=(",", ":"))
    with contextlib.closing(_connect(path)) as conn, conn:
        conn.execute("INSERT OR REPLACE INTO workspace (key, value) VALUES ('state', ?)", (text,))


def load(state: SlackState, path: Path) -> int:
    """Restore what `save` kept; returns the number of messages (0 when there is no file)."""
    if not path.exists():
        return 0
    with contextlib.closing(_connect(path)) as conn:
        row = conn.execute("SELECT value FROM workspace WHERE key = 'state'").fetchone()
    if row is None:
        return 0
    data = json.loads(row[0])
    with state.lock:
        for im in data.get("ims", []):
            state.add_channel(
                im["id"], im["name"], kind=im["kind"], user=im["user"], members=im["members"]
            )
        state.msgs = {str(k): list(v) for k, v in data.get("messages", {}).items()}
        return sum(len(v) for v in state.msgs.values())
