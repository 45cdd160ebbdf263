"""End-to-end Slack harness: the app served over real HTTP, the Slack stand-in, and a client
that sends correctly signed requests the way Slack does."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bot.scheduler.dispatcher import Dispatcher, Result
from bot.server import build
from bot.settings import Settings
from bot.slack_standin.server import StandinServer
from store.db import Database

SECRET = "test-signing-secret-0123456789abcdef"
CHANNEL = "C0AGREEMENTS"
TEAM = "T0TEST"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sign(body: str, *, secret: str = SECRET, ts: int | None = None) -> dict[str, str]:
    stamp = str(ts if ts is not None else int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


@dataclass
class AppServer:
    url: str
    settings: Settings
    db: Database
    dispatcher: Dispatcher
    thread: threading.Thread
    server: uvicorn.Server


@contextmanager
def serve_app(
    db: Database, standin: StandinServer, *, locale: str = "en", **extra: Any
) -> Iterator[AppServer]:
    """`extra`: more settings by their environment names (SLM_API_TOKEN=...)."""
    settings = Settings(
        DATABASE_URL=db.url,
        SLACK_BOT_TOKEN=standin.state.token,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=standin.base_url,
        SLM_AGREEMENTS_CHANNEL=CHANNEL,
        SLM_LOCALE=locale,
        SLM_TIMEZONE="Asia/Shanghai",
        **extra,
    )
    web, slack, _ = build(settings, scheduler=False, db=db)
    dispatcher = Dispatcher(
        db, slack.client, channel=CHANNEL, locale=settings.locale, channel_interval=0
    )
    port = free_port()
    config = uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("app did not start")
        time.sleep(0.01)
    try:
        yield AppServer(f"http://127.0.0.1:{port}", settings, db, dispatcher, thread, server)
    finally:
        server.should_exit = True
        thread.join(10)


def wait_for(cond: Callable[[], Any], *, timeout: float = 5.0, what: str = "condition") -> Any:
    """Poll until `cond()` is truthy (Bolt finishes listeners after the ack)."""
    deadline = time.time() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class SlackClient:
    """Sends what Slack sends: slash commands, clicks, submissions, events; signed."""

    def __init__(self, app: AppServer, standin: StandinServer, locale: str = "en") -> None:
        self.app, self.standin, self.locale = app, standin, locale
        self.http = httpx.Client(base_url=app.url, timeout=10)

    def close(self) -> None:
        self.http.close()

    def post_raw(
        self,
        body: str,
        content_type: str,
        *,
        headers: Mapping[str, str] | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        h = {"Content-Type": content_type, **(sign(body) if signed else {}), **(headers or {})}
        return self.http.post("/slack/events", content=body.encode(), headers=h)

    def form(self, fields: Mapping[str, str], **kw: Any) -> httpx.Response:
        return self.post_raw(
            urllib.parse.urlencode(fields), "application/x-www-form-urlencoded", **kw
        )

    def interactive(self, payload: Mapping[str, Any], **kw: Any) -> httpx.Response:
        return self.form({"payload": json.dumps(payload)}, **kw)

    def command(self, user: str, text: str, *, channel: str = CHANNEL) -> httpx.Response:
        state = self.standin.state
        return self.form(
            {
                "token": "legacy",
                "team_id": TEAM,
                "team_domain": "test",
                "channel_id": channel,
                "channel_name": "sla-agreements",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/sla",
                "text": text,
                "api_app_id": "A0SLM",
                "is_enterprise_install": "false",
                "response_url": state.new_response_url(channel, user),
                "trigger_id": state.new_trigger_id(user),
            }
        )

    def _from(self, user: str, kind: str) -> dict[str, Any]:
        """What every interaction payload from `user` starts with."""
        return {
            "type": kind,
            "team": {"id": TEAM, "domain": "test"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "api_app_id": "A0SLM",
            "token": "legacy",
            "trigger_id": self.standin.state.new_trigger_id(user),
        }

    def click(
        self,
        user: str,
        element: Mapping[str, Any],
        *,
        message: Mapping[str, Any] | None = None,
        channel: str | None = CHANNEL,
        view: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        state = self.standin.state
        container: dict[str, Any]
        payload: dict[str, Any] = {
            **self._from(user, "block_actions"),
            "actions": [
                {
                    "type": "button",
                    "action_id": element["action_id"],
                    "block_id": element.get("block_id", "b"),
                    "text": element.get("text", {"type": "plain_text", "text": "x"}),
                    "value": element.get("value", ""),
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if view is not None:
            container = {"type": "view", "view_id": view.get("id", "V0")}
            payload["view"] = dict(view)
        else:
            ts = str((message or {}).get("ts", "1.000"))
            ch = channel or CHANNEL
            container = {
                "type": "message",
                "message_ts": ts,
                "channel_id": ch,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": ch, "name": "sla-agreements"}
            payload["message"] = dict(message or {"ts": ts, "type": "message"})
            payload["response_url"] = state.new_response_url(ch, user, ts)
        payload["container"] = container
        return self.interactive(payload)

    def choose(
        self,
        user: str,
        view: Mapping[str, Any],
        block_id: str,
        value: str,
        values: Mapping[str, Mapping[str, Any]],
    ) -> httpx.Response:
        """A choice in a select of an input block with `dispatch_action` (Slack sends it as
        `block_actions` from the view, with what the modal holds in `view.state`)."""
        (block,) = [b for b in view["blocks"] if b.get("block_id") == block_id]
        element = block["element"]
        (option,) = [o for o in element["options"] if o["value"] == value]
        payload = {
            **self._from(user, "block_actions"),
            "container": {"type": "view", "view_id": view["id"]},
            "view": {**dict(view), "state": {"values": dict(values)}},
            "actions": [
                {
                    "type": element["type"],
                    "action_id": element["action_id"],
                    "block_id": block_id,
                    "selected_option": option,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return self.interactive(payload)

    def submit(
        self, user: str, view: Mapping[str, Any], values: Mapping[str, Mapping[str, Any]]
    ) -> httpx.Response:
        payload = {
            **self._from(user, "view_submission"),
            "view": {**dict(view), "state": {"values": dict(values)}},
            "response_urls": [],
        }
        return self.interactive(payload)

    def event(
        self, event: Mapping[str, Any], *, event_id: str, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": TEAM,
                "api_app_id": "A0SLM",
                "event": dict(event),
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
            }
        )
        return self.post_raw(body, "application/json", headers=headers)

    def dispatch(self) -> Result:
        """Run the outbox dispatcher once (what the worker does every second)."""
        return asyncio.run(self.app.dispatcher.run_once())


def fill(view: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The `state.values` Slack would send for `view` after a user typed `data` in it."""
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        el = block["element"]
        bid = block["block_id"]
        name = bid[len("sla-f-") :] if bid.startswith("sla-f-") else bid
        value = data.get(name)
        kind = el["type"]
        state: dict[str, Any] = {"type": kind}
        if kind in ("plain_text_input", "number_input"):
            if isinstance(value, list):
                value = "\n".join(str(v) for v in value)
            state["value"] = None if value is None else str(value)
        elif kind == "datepicker":
            state["selected_date"] = value
        elif kind == "timepicker":
            state["selected_time"] = value
        elif kind in ("static_select", "radio_buttons"):
            state["selected_option"] = (
                None
                if value is None
                else {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
            )
        elif kind == "multi_static_select":
            state["selected_options"] = [
                {"text": {"type": "plain_text", "text": str(v)}, "value": str(v)}
                for v in (value or [])
            ]
        elif kind == "users_select":
            state["selected_user"] = value
        elif kind == "multi_users_select":
            state["selected_users"] = list(value or [])
        elif kind == "checkboxes":
            state["selected_options"] = (
                [{"text": {"type": "plain_text", "text": "yes"}, "value": "true"}] if value else []
            )
        values[block["block_id"]] = {el["action_id"]: state}
    return values


def buttons(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every button in a message or view, with its block_id."""
    out = []
    for block in message.get("blocks", []):
        elements = (
            block.get("elements", [])
            if block.get("type") == "actions"
            else ([block["accessory"]] if block.get("accessory") else [])
        )
        for el in elements:
            if el.get("type") == "button":
                out.append({**el, "block_id": block.get("block_id", "")})
    return out


def find_button(
    message: Mapping[str, Any], action: str, decision: str | None = None
) -> dict[str, Any]:
    for b in buttons(message):
        try:
            ref = json.loads(b.get("value") or "{}")
        except json.JSONDecodeError:
            continue
        if ref.get("s") == action and (decision is None or ref.get("d") == decision):
            return b
    raise AssertionError(f"no button for {action} ({decision}) in {message.get('text')!r}")


@contextmanager
def slack_world(
    directory: Path,
    locale: str = "en",
    *,
    people: Iterable[str] = (),
    user_locale: bool = False,
    validate: bool = True,
) -> Iterator[SlackClient]:
    """The usual Slack test world: the stand-in knowing everyone the samples involve (and
    `people`), a migrated SQLite database with one user per role and the catalogue, the app
    served over HTTP in `locale`; at the end no API violation (and every recorded payload valid
    against Slack's schema when `validate`)."""
    from bot.slack_standin.testing import assert_no_violations, running_standin
    from tests.dbs import sqlite_db
    from tests.slack_validation import validate_all
    from tests.support import PEOPLE, setup_world

    with running_standin() as standin, sqlite_db(directory) as db:
        for user in dict.fromkeys([*PEOPLE, *people]):
            extra = {"locale": locale} if user_locale else {}
            standin.state.add_user(user, user.lower(), **extra)
        setup_world(db)
        with serve_app(db, standin, locale=locale) as app:
            client = SlackClient(app, standin, locale)
            try:
                yield client
            finally:
                client.close()
        assert_no_violations(standin.state)
        if validate:
            assert validate_all(standin.state) > 0


def zh(slack: SlackClient) -> bool:
    """The client's workspace reads Simplified Chinese."""
    return slack.locale.startswith("zh")
