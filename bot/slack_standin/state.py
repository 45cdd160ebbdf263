"""Workspace state of the Slack stand-in: users, channels (incl. IMs), messages, views, calls.

One `SlackState` is shared by the HTTP server (a background thread) and the test or sandbox
that reads it (the main thread): every access goes through `lock`, and the read helpers return
deep copies.
"""

from __future__ import annotations

import copy
import random

from bot.slack_standin.models import (
    FAULT_KINDS,
    JSON,
    Call,
    Fault,
    FaultKind,
    SlackError,
    View,
)
from bot.slack_standin.state_base import WorkspaceState


class SlackState(WorkspaceState):
    """The stand-in's workspace (bot/slack_standin/state_base.py), with the calls it answered,
    the faults to inject and the read helpers. Mutate only while holding `lock` (the API does).
    """

    # --- recording and faults -------------------------------------------------------------
    def record(self, method: str, args: JSON, status: int, response: JSON) -> Call:
        with self.lock:
            seq, now = next(self._seq), self.clock()
            call = Call(seq, method, copy.deepcopy(args), now, status, copy.deepcopy(response))
            self._calls.append(call)
            return call

    def inject(
        self,
        *,
        kind: FaultKind,
        method: str | None = None,
        channel: str | None = None,
        times: int | None = 1,
        retry_after: int = 1,
        status: int = 500,
        error: str = "fatal_error",
        delay: float = 0.0,
        probability: float = 1.0,
        seed: int = 0,
    ) -> Fault:
        """Make matching calls fail: `rate_limit` (429 + Retry-After), `server_error` (500),
        `error` (HTTP 200 with `error`), or `delay` (answer normally after `delay` seconds).
        With `probability` < 1 only that share of matching calls fails (at random, `seed`)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        fault = Fault(kind, method, channel, times, retry_after, status, error, delay)
        fault.probability, fault.rng = probability, random.Random(seed)
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, method: str, args: JSON) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, args):
                    fault.hits += 1
                    return fault
            return None

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    # --- read helpers (deep copies; safe from any thread) ---------------------------------
    def calls(self, method: str | None = None) -> list[Call]:
        with self.lock:
            return [copy.deepcopy(c) for c in self._calls if method in (None, c.method)]

    def drain_calls(self) -> list[Call]:
        """The calls recorded so far, forgotten here (long runs keep memory flat)."""
        with self.lock:
            calls, self._calls = self._calls, []
            return calls

    def forget_content(self) -> None:
        """Forget what a long run no longer needs (the soak, each minute): thread replies,
        direct messages, ephemerals, delivered files, used or expired triggers and response
        URLs, closed modals. Channel messages stay (cards are edited in place)."""
        with self.lock:
            now = self.clock()
            ims = {c.id for c in self.channels.values() if c.kind in ("im", "mpim")}
            for cid, msgs in self.msgs.items():
                if cid in ims:
                    msgs.clear()
                else:
                    msgs[:] = [m for m in msgs if m.get("thread_ts", m["ts"]) == m["ts"]]
            self.ephemeral.clear()
            done = {k for k, f in self.files.items() if f.get("_state") == "complete"}
            self.files = {k: f for k, f in self.files.items() if k not in done}
            self.file_bytes = {k: b for k, b in self.file_bytes.items() if k not in done}
            self.triggers = {
                k: v
                for k, v in self.triggers.items()
                if not v.used and now - v.issued < self.trigger_ttl
            }
            self.response_urls = {
                k: v
                for k, v in self.response_urls.items()
                if now - v.issued < self.response_url_ttl
            }
            live = {v for stack in self.stacks.values() for v in stack} | set(self.homes.values())
            self.views = {k: v for k, v in self.views.items() if k in live}

    def violations(self) -> list[Call]:
        return [c for c in self.calls() if c.violation]

    def _channel_id(self, ref: str) -> str | None:
        try:
            return self.resolve_channel(ref).id
        except SlackError:
            return None

    def messages(self, channel: str, *, replies: bool = False) -> list[JSON]:
        """Messages of a channel (id or name), oldest first; top level only unless `replies`."""
        with self.lock:
            cid = self._channel_id(channel)
            msgs = self.msgs.get(cid or "", [])
            return copy.deepcopy([m for m in msgs if replies or _is_top_level(m)])

    def thread(self, channel: str, ts: str) -> list[JSON]:
        """The parent message and its replies, oldest first ([] if none)."""
        with self.lock:
            cid = self._channel_id(channel) or ""
            return copy.deepcopy(
                [m for m in self.msgs.get(cid, []) if ts in (m["ts"], m.get("thread_ts"))]
            )

    def dms(self, user: str) -> list[JSON]:
        """Top-level messages in the IM with `user`."""
        return self.messages("D" + user[1:])

    def ephemerals(self, user: str | None = None, channel: str | None = None) -> list[JSON]:
        with self.lock:
            return copy.deepcopy(
                [
                    e
                    for e in self.ephemeral
                    if user in (None, e["user"]) and channel in (None, e["channel"])
                ]
            )

    def view_json(self, view: View) -> JSON:
        return {
            "id": view.id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "app_installed_team_id": self.team_id,
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            **copy.deepcopy(view.payload),
            "state": {"values": {}},
            "hash": view.hash,
            "root_view_id": view.root_view_id,
            "previous_view_id": view.previous_view_id,
        }

    def home(self, user: str) -> JSON | None:
        """The App Home tab last published for `user`."""
        with self.lock:
            view_id = self.homes.get(user)
            return self.view_json(self.views[view_id]) if view_id else None

    def open_views(self, user: str) -> list[JSON]:
        """The user's modal stack, root first."""
        with self.lock:
            return [self.view_json(self.views[v]) for v in self.stacks.get(user, [])]

    def close_views(self, user: str, *, all_views: bool = True) -> None:
        """The user closes the modal (top view only with `all_views=False`)."""
        with self.lock:
            stack = self.stacks.get(user, [])
            del stack[0 if all_views else -1 :]

    def snapshot(self) -> JSON:
        """Everything, JSON-ready, for the sandbox page."""
        with self.lock:
            return {
                "team": {"id": self.team_id, "name": self.team, "domain": self.domain},
                "bot": {"user_id": self.bot_user_id, "bot_id": self.bot_id},
                "users": [u.to_slack(self.team_id) for u in self.users.values()],
                "channels": [
                    {
                        **c.to_slack(),
                        "name": c.name,
                        "messages": self.messages(c.id),
                        "threads": {
                            m["ts"]: self.thread(c.id, m["ts"])[1:]
                            for m in self.msgs.get(c.id, [])
                            if m.get("reply_count")
                        },
                    }
                    for c in self.channels.values()
                ],
                "ephemerals": self.ephemerals(),
                "home_tabs": {u: self.home(u) for u in self.homes},
                "open_views": {u: self.open_views(u) for u, s in self.stacks.items() if s},
                "calls": len(self._calls),
            }


def _is_top_level(msg: JSON) -> bool:
    thread_ts = msg.get("thread_ts")
    return thread_ts in (None, msg["ts"]) or msg.get("subtype") == "thread_broadcast"
