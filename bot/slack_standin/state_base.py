"""The workspace part of the Slack stand-in's state (see bot/slack_standin/state.py)."""

from __future__ import annotations

import copy
import hashlib
import itertools
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from bot.slack_standin.models import (
    JSON,
    Call,
    Channel,
    Fault,
    ResponseUrl,
    SlackError,
    Trigger,
    User,
    View,
)


class WorkspaceState:
    """The workspace itself: users, channels, messages, views, triggers, response URLs.
    Mutate only while holding `lock` (the API does). `SlackState` adds the recorded calls,
    the faults and the read helpers."""

    def __init__(
        self,
        *,
        token: str = "xoxb-standin-token",
        team_id: str = "T0STANDIN",
        team: str = "SLM Stand-in",
        domain: str = "slm-standin",
        bot_user_id: str = "U0SLMBOT",
        bot_id: str = "B0SLMBOT",
        app_id: str = "A0SLMBOT",
        bot_name: str = "slm-bot",
        clock: Callable[[], float] = time.time,
        trigger_ttl: float = 3.0,
        channel_rate_limit: int | None = None,
        response_url_ttl: float = 1800.0,
        response_url_uses: int = 5,
    ) -> None:
        self.lock = threading.RLock()
        self.token, self.team_id, self.team, self.domain = token, team_id, team, domain
        self.bot_user_id, self.bot_id, self.app_id = bot_user_id, bot_id, app_id
        self.clock = clock
        self.trigger_ttl = trigger_ttl
        self.default_channel_rate_limit = channel_rate_limit
        self.response_url_ttl, self.response_url_uses = response_url_ttl, response_url_uses
        self.public_url = "http://127.0.0.1"  # set by the server to its http://host:port
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.add_user(bot_user_id, bot_name, is_bot=True)
        self._clear()

    def _clear(self) -> None:
        self.channels = {k: c for k, c in self.channels.items() if c.kind not in ("im", "mpim")}
        self.msgs: dict[str, list[JSON]] = {}
        self.ephemeral: list[JSON] = []
        self.views: dict[str, View] = {}
        self.stacks: dict[str, list[str]] = {}  # user -> modal view ids, root first
        self.homes: dict[str, str] = {}  # user -> home view id
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.faults: list[Fault] = []
        #: file id -> the file object and its bytes (files.getUploadURLExternal and after)
        self.files: dict[str, JSON] = {}
        self.file_bytes: dict[str, bytes] = {}
        # Max chat.postMessage per second to one channel (None: unlimited); reset restores it.
        self.channel_rate_limit = self.default_channel_rate_limit
        self._posts: dict[str, deque[float]] = {}
        self._calls: list[Call] = []
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)
        self._last_ts = 0

    def reset(self) -> None:
        """Forget everything that happened; keep seeded users and (non-IM) channels."""
        with self.lock:
            self._clear()

    # --- seeding -------------------------------------------------------------------------
    def add_user(self, user_id: str, name: str, **fields: Any) -> User:
        with self.lock:
            user = User(user_id, name, **fields)
            self.users[user_id] = user
            return user

    def add_channel(self, channel_id: str, name: str, **fields: Any) -> Channel:
        with self.lock:
            channel = Channel(channel_id, name, created=int(self.clock()), **fields)
            self.channels[channel_id] = channel
            return channel

    def seed_demo(self) -> None:
        """A small workspace for tests and the sandbox: three people and two channels."""
        for uid, name, real in (
            ("U0ALICE", "alice", "Alice Chen"),
            ("U0BOB", "bob", "Bob Li"),
            ("U0CAROL", "carol", "Carol Wang"),
        ):
            self.add_user(uid, name, real_name=real, email=f"{name}@example.com")
        self.add_channel("C0AGREEMENTS", "sla-agreements", purpose="One card per agreement")
        self.add_channel("C0GENERAL", "general")

    # --- ids, timestamps, triggers, response URLs -----------------------------------------
    def next_ts(self) -> str:
        """A message ts like "1700000000.000100", strictly increasing."""
        with self.lock:
            micros = max(int(self.clock() * 1_000_000), self._last_ts + 1)
            self._last_ts = micros
            return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def new_id(self, prefix: str) -> str:
        with self.lock:
            return f"{prefix}{next(self._ids):08X}"

    def new_hash(self) -> str:
        return f"{int(self.clock())}.{secrets.token_hex(4)}"

    def new_trigger_id(self, user: str) -> str:
        """Issue a trigger id, as Slack puts in an interaction payload: single use, 3 s."""
        with self.lock:
            trigger_id = f"{next(self._ids)}.{self.team_id}.{secrets.token_hex(12)}"
            self.triggers[trigger_id] = Trigger(user, self.clock())
            return trigger_id

    def consume_trigger(self, trigger_id: str) -> str:
        """The user a trigger id was issued for; it is used up. Raises SlackError."""
        with self.lock:
            trigger = self.triggers.get(trigger_id)
            if trigger is None:
                raise SlackError("invalid_trigger_id")
            if trigger.used:
                raise SlackError("exchanged_trigger_id")
            if self.clock() - trigger.issued > self.trigger_ttl:
                raise SlackError("expired_trigger_id")
            trigger.used = True
            return trigger.user

    def new_response_url(self, channel: str, user: str, message_ts: str | None = None) -> str:
        """Issue a response URL (as in a slash command or block action payload)."""
        with self.lock:
            token = secrets.token_urlsafe(16)
            self.response_urls[token] = ResponseUrl(channel, user, message_ts, self.clock())
            return f"{self.public_url}/response_url/{token}"

    def use_response_url(self, token: str) -> ResponseUrl:
        with self.lock:
            url = self.response_urls.get(token)
            if url is None:
                raise SlackError("no_service", status=404)
            if (
                url.uses >= self.response_url_uses
                or self.clock() - url.issued > self.response_url_ttl
            ):
                raise SlackError("expired_url", status=404)
            url.uses += 1
            return url

    # --- channels and messages (callers hold `lock`) --------------------------------------
    def open_im(self, user: str) -> tuple[Channel, bool]:
        """The IM with `user` (id stable per user) and whether it already existed."""
        if user not in self.users:
            raise SlackError("user_not_found")
        im_id = "D" + user[1:]
        existing = self.channels.get(im_id)
        if existing is not None:
            return existing, True
        im = self.add_channel(im_id, im_id, kind="im", user=user, members=[user])
        return im, False

    def open_mpim(self, users: list[str]) -> tuple[Channel, bool]:
        for user in users:
            if user not in self.users:
                raise SlackError("user_not_found")
        members = sorted({*users, self.bot_user_id})
        digest = hashlib.sha1(",".join(members).encode()).hexdigest()[:10].upper()
        existing = self.channels.get("G" + digest)
        if existing is not None:
            return existing, True
        name = "mpdm-" + "--".join(self.users[u].name for u in members) + "-1"
        return self.add_channel("G" + digest, name, kind="mpim", members=members), False

    def resolve_channel(self, ref: str, *, allow_user: bool = False) -> Channel:
        """A channel by id or name (`#name` too); a user id means the IM with that user."""
        channel = self.channels.get(ref)
        if channel is not None:
            return channel
        for channel in self.channels.values():
            if channel.kind != "im" and channel.name == ref.removeprefix("#"):
                return channel
        if allow_user and ref in self.users:
            return self.open_im(ref)[0]
        raise SlackError("channel_not_found")

    def find_message(self, channel: str, ts: str) -> JSON | None:
        return next((m for m in self.msgs.get(channel, []) if m["ts"] == ts), None)

    def add_message(
        self, channel: str, message: JSON, *, thread_ts: str | None = None, broadcast: bool = False
    ) -> JSON:
        """Store a message (a reply when `thread_ts` names a message of the channel)."""
        msg: JSON = {"type": "message", **message, "ts": self.next_ts()}
        parent = self.find_message(channel, thread_ts) if thread_ts else None
        if parent is not None and parent.get("thread_ts", parent["ts"]) != parent["ts"]:
            parent = self.find_message(channel, parent["thread_ts"])  # a reply's ts: its parent
        if parent is not None:
            msg["thread_ts"] = parent["ts"]
            msg["parent_user_id"] = parent.get("user")
            if broadcast:
                msg["subtype"] = "thread_broadcast"
            replies = [*parent.get("reply_users", []), msg.get("user")]
            parent.update(
                thread_ts=parent["ts"],
                reply_count=parent.get("reply_count", 0) + 1,
                reply_users=list(dict.fromkeys(replies)),
                reply_users_count=len(set(replies)),
                latest_reply=msg["ts"],
            )
        self.msgs.setdefault(channel, []).append(msg)
        return msg

    def post(self, channel: str, user: str, text: str, *, thread_ts: str | None = None) -> JSON:
        """A person posts a message (for the sandbox and tests); returns it."""
        with self.lock:
            cid = self.resolve_channel(channel, allow_user=True).id
            msg = self.add_message(cid, {"user": user, "text": text}, thread_ts=thread_ts)
            return copy.deepcopy(msg)

    def delete_message(self, channel: str, ts: str) -> bool:
        """Delete a message (a parent takes its replies along)."""
        msgs = self.msgs.get(channel, [])
        before = len(msgs)
        msgs[:] = [m for m in msgs if m["ts"] != ts and m.get("thread_ts") != ts]
        for parent in msgs:
            count = sum(1 for m in msgs if m.get("thread_ts") == parent["ts"] != m["ts"])
            if parent.get("reply_count", 0) != count:
                parent["reply_count"] = count
        return len(msgs) != before

    def over_channel_rate(self, channel: str) -> bool:
        """Count one post to `channel`; True when it exceeds `channel_rate_limit` per second."""
        if self.channel_rate_limit is None:
            return False
        now = self.clock()
        window = self._posts.setdefault(channel, deque())
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.channel_rate_limit:
            return True
        window.append(now)
        return False
