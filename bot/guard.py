"""The guard in front of Bolt: an ASGI layer that checks every request to `/slack/events`
before anything parses it.

1. **Headers** (`401`): `X-Slack-Request-Timestamp` is decimal digits within five minutes
   of now, `X-Slack-Signature` is `v0=` and 64 hex digits; nothing else is read first.
2. **Size and time** (`413`, `408`): a declared `Content-Length` over `max_body` is refused
   at once; the body is read in chunks, at most `max_body` bytes and `read_timeout` seconds
   (a slow sender waits on its own connection; the event loop serves the others).
3. **Signature** (`401`): HMAC-SHA256 of `v0:{timestamp}:{raw body}`, compared in constant
   time, on the raw bytes.
4. **Shape** (`400`): the body Slack sends for this content type (a form with `command` or a
   JSON `payload` object; a JSON object for events), UTF-8, nesting bounded, and the parts
   the handlers read of the right type (`user`, `actions`, `view`, `state`, `event`).

A refusal is one log line (no traceback) and a short plain-text answer. What passes reaches
Bolt unchanged (the body is replayed). The guard also counts requests by surface and
outcome and times the answer (`bot/metrics.py`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from bot import metrics

log = logging.getLogger("slm_bot.guard")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_MAX_DEPTH = 64


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def _depth_ok(raw: str) -> bool:
    """Reject JSON nested deeper than `_MAX_DEPTH` before `json.loads` recurses into it."""
    depth, in_string, escaped = 0, False, False
    for ch in raw:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > _MAX_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _json_object(raw: str, what: str) -> dict[str, Any]:
    if not _depth_ok(raw):
        raise Refused(400, f"{what} is nested too deep")
    try:
        value = json.loads(raw)
    except ValueError:
        raise Refused(400, f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, f"{what} is not a JSON object")
    return value


def _need(cond: bool, reason: str) -> None:
    if not cond:
        raise Refused(400, reason)


def _obj(d: dict[str, Any], key: str, *, required: bool = False) -> dict[str, Any] | None:
    value = d.get(key)
    if value is None and not required:
        return None
    _need(isinstance(value, dict), f"`{key}` is not an object")
    assert isinstance(value, dict)
    return value


def _check_state(state: dict[str, Any] | None) -> None:
    if state is None:
        return
    values = state.get("values", {})
    _need(isinstance(values, dict), "`state.values` is not an object")
    for block in values.values():
        _need(isinstance(block, dict), "a `state.values` block is not an object")
        for element in block.values():
            _need(isinstance(element, dict), "a `state.values` element is not an object")


def check_interaction(payload: dict[str, Any]) -> str:
    """The parts of an interactivity payload the handlers read; returns the surface."""
    kind = payload.get("type")
    _need(isinstance(kind, str), "`type` is missing")
    assert isinstance(kind, str)
    user = _obj(payload, "user", required=kind != "block_suggestion")
    if user is not None:
        _need(isinstance(user.get("id"), str) and bool(user["id"]), "`user.id` is missing")
    for key in ("team", "channel", "container", "message", "enterprise"):
        if payload.get(key) is not None:
            _obj(payload, key)
    _check_state(_obj(payload, "state"))
    view = _obj(payload, "view", required=kind in ("view_submission", "view_closed"))
    if view is not None:
        _check_state(_obj(view, "state"))
        for key in ("private_metadata", "callback_id", "id", "hash"):
            _need(view.get(key) is None or isinstance(view[key], str), f"`view.{key}` is bad")
    if kind == "block_actions":
        acts = payload.get("actions")
        _need(isinstance(acts, list) and bool(acts), "`actions` is empty or not a list")
        assert isinstance(acts, list)
        for a in acts:
            _need(isinstance(a, dict), "an action is not an object")
            _need(isinstance(a.get("action_id"), str), "an action has no `action_id`")
        return "action"
    return "view" if kind.startswith("view_") else "other"


def check_body(content_type: str, body: bytes) -> str:
    """Refuse a body Slack would not send; returns the surface (for the metrics)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8") from None
    if content_type == "application/json":
        data = _json_object(text, "the event body")
        kind = data.get("type")
        _need(isinstance(kind, str), "`type` is missing")
        if kind == "event_callback":
            event = _obj(data, "event", required=True)
            assert event is not None
            _need(isinstance(event.get("type"), str), "`event.type` is missing")
            _need(data.get("event_id") is None or isinstance(data["event_id"], str), "bad id")
        return "event"
    if content_type != "application/x-www-form-urlencoded":
        raise Refused(400, f"unexpected content type {content_type or 'none'}")
    try:
        form = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=False))
    except ValueError:
        raise Refused(400, "the form is malformed") from None
    if "payload" in form:
        return check_interaction(_json_object(form["payload"], "`payload`"))
    if "command" in form:
        _need(bool(form.get("user_id")), "`user_id` is missing")
        return "command"
    _need("ssl_check" in form, "neither a command nor a payload")
    return "other"


class SlackGuard:
    """ASGI: check headers, size, time, signature and shape, then hand over to `app`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        signing_secret: str,
        max_body: int = 1_000_000,
        read_timeout: float = 10.0,
        max_age: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app, self.secret = app, signing_secret.encode()
        self.max_body, self.read_timeout, self.max_age = max_body, read_timeout, max_age
        self.clock = clock

    def _headers(self, scope: Scope) -> tuple[str, str, str, int | None]:
        h: dict[bytes, bytes] = {}
        for k, v in scope.get("headers", []):
            h.setdefault(k.lower(), v)
        stamp = h.get(b"x-slack-request-timestamp", b"").decode("latin-1").strip()
        sig = h.get(b"x-slack-signature", b"").decode("latin-1").strip()
        ctype = h.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        length = h.get(b"content-length", b"").decode("latin-1").strip()
        declared = int(length) if length.isascii() and length.isdigit() else None
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
            raise Refused(401, "missing or malformed X-Slack-Request-Timestamp")
        if abs(self.clock() - int(stamp)) > self.max_age:
            raise Refused(401, "stale X-Slack-Request-Timestamp")
        if not _SIGNATURE.fullmatch(sig):
            raise Refused(401, "missing or malformed X-Slack-Signature")
        if declared is not None and declared > self.max_body:
            raise Refused(413, f"body of {declared} bytes is over {self.max_body}")
        return stamp, sig, ctype, declared

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise Refused(400, "the client went away")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise Refused(413, f"body over {self.max_body} bytes")
            chunks.append(chunk)
            more = bool(message.get("more_body"))
        return b"".join(chunks)

    def _verify(self, stamp: str, sig: str, body: bytes) -> None:
        base = b"v0:" + stamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self.secret, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, sig):
            raise Refused(401, "bad signature")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        surface = "unknown"
        try:
            stamp, sig, ctype, _ = self._headers(scope)
            try:
                body = await asyncio.wait_for(self._read(receive), self.read_timeout)
            except TimeoutError:
                raise Refused(408, "the body took too long") from None
            self._verify(stamp, sig, body)
            surface = check_body(ctype, body)
        except Refused as refused:
            log.warning(
                "refused a Slack request: %s (%s %s)",
                refused.reason,
                refused.status,
                scope.get("path", ""),
            )
            metrics.REQUESTS.labels(surface, f"refused_{refused.status}").inc()
            await _plain(send, refused.status, refused.reason)
            metrics.ACK_SECONDS.labels(surface).observe(time.perf_counter() - started)
            return
        status = await self._forward(scope, body, send)
        metrics.REQUESTS.labels(surface, "ok" if status < 400 else f"error_{status}").inc()
        metrics.ACK_SECONDS.labels(surface).observe(time.perf_counter() - started)

    async def _forward(self, scope: Scope, body: bytes, send: Send) -> int:
        sent = False
        status = 500

        async def replay() -> Message:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()  # no more body: wait like a quiet client
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, replay, watch)
        return status


async def _plain(send: Send, status: int, text: str) -> None:
    body = (text + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
