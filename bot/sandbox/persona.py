"""What a persona does on the page, turned into the request Slack would send the bot.

Each method takes the page's JSON (`persona` plus what was done), builds the payload with
`bot.sandbox.payloads`, signs it and posts it to the bot's `/slack/events`, then plays
Slack's part with the answer: a slash command's immediate response becomes a message,
`response_action` errors / update / push / clear act on the modal stack.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import httpx

from bot.blocks.kit import escape
from bot.sandbox import payloads as P
from bot.sandbox.workspace import CHANNEL, SLACKBOT, SandboxState
from bot.slack_standin.methods import add_ephemeral, respond, views_push, views_update
from bot.slack_standin.models import SlackError

JSON = dict[str, Any]
FORM = "application/x-www-form-urlencoded"
VERIFICATION_TOKEN = "sandbox-verification-token"  # Slack's legacy field; Bolt ignores it


class BadRequest(Exception):
    """The page asked for something that cannot be done (HTTP `status`)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class PersonaActions:
    """Slack's side of every interaction; `http` and `events_url` are set while serving."""

    def __init__(self, state: SandboxState, secret: str, locale: str = "en") -> None:
        self.state, self.secret, self.locale = state, secret, locale
        self.http: httpx.AsyncClient | None = None
        self.events_url = ""
        self.responses: list[JSON] = []  # views and messages the bot put in HTTP answers

    def _persona(self, body: JSON) -> str:
        user = str(body.get("persona") or "")
        if user not in self.state.users or self.state.users[user].is_bot:
            raise BadRequest(f"unknown persona {user!r}")
        return user

    def _user(self, user: str) -> JSON:
        return P.user_ref(user, self.state.users[user].name, self.state.team_id)

    def _base(self, kind: str, user: str) -> JSON:
        return {
            "type": kind,
            "team": {"id": self.state.team_id, "domain": self.state.domain},
            "user": self._user(user),
            "api_app_id": self.state.app_id,
            "token": VERIFICATION_TOKEN,
            "is_enterprise_install": False,
            "enterprise": None,
        }

    async def _send(self, body: str, content_type: str) -> httpx.Response | None:
        """The signed request to the bot; None when it did not answer in time (like Slack)."""
        assert self.http is not None, "the sandbox is not serving"
        headers = {"Content-Type": content_type, **P.sign(body, self.secret)}
        try:
            return await self.http.post(self.events_url, content=body.encode(), headers=headers)
        except httpx.HTTPError:  # no answer in time, or none at all
            return None

    @staticmethod
    def _answer(resp: httpx.Response | None) -> tuple[int, JSON]:
        if resp is None:
            return 0, {}
        try:
            data = resp.json() if resp.content.strip() else {}
        except ValueError:
            data = {}
        return resp.status_code, data if isinstance(data, dict) else {}

    def _channel_name(self, channel_id: str) -> str:
        channel = self.state.channels.get(channel_id)
        if channel is None or channel.kind == "im":
            return "directmessage"
        return channel.name

    def _slackbot_says(self, channel: str, user: str, text: str) -> None:
        with self.state.lock:
            ch = self.state.resolve_channel(channel, allow_user=True)
            entry = add_ephemeral(self.state, ch, user, {"text": text}, "slackbot")
            entry["author"] = SLACKBOT
        self.state.touch()

    async def message(self, body: JSON) -> JSON:
        user = self._persona(body)
        channel = str(body.get("channel") or CHANNEL)
        text = str(body.get("text") or "").strip()
        thread_ts = str(body["thread_ts"]) if body.get("thread_ts") else None
        if not text:
            raise BadRequest("nothing to send")
        if channel.startswith("D"):
            if channel != "D" + user[1:]:
                raise BadRequest("that is someone else's direct message")
            with self.state.lock:
                channel = self.state.open_im(user)[0].id
        if text.startswith("/"):
            return await self.command(user, channel, text)
        if channel.startswith("D"):
            raise BadRequest("Sending messages to this app has been turned off.")
        msg = self.state.post(channel, user, escape(text), thread_ts=thread_ts)
        self.state.touch()
        return {"ok": True, "ts": msg["ts"]}

    async def command(self, user: str, channel: str, text: str) -> JSON:
        name, _, rest = text.partition(" ")
        if name != "/sla":
            self._slackbot_says(
                channel,
                user,
                f"{escape(name)} is not a valid command. In Slack, all messages that start "
                'with the "/" character are interpreted as commands.',
            )
            return {"ok": False, "error": "invalid_command"}
        response_url = self.state.new_response_url(channel, user)
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.state.team_id,
            "team_domain": self.state.domain,
            "channel_id": channel,
            "channel_name": self._channel_name(channel),
            "user_id": user,
            "user_name": self.state.users[user].name,
            "command": name,
            "text": rest.strip(),
            "api_app_id": self.state.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": self.state.new_trigger_id(user),
        }
        status, answer = self._answer(
            await self._send(P.form_body(fields), "application/x-www-form-urlencoded")
        )
        if status != 200:
            error = "operation_timeout" if status == 0 else "dispatch_failed"
            self._slackbot_says(channel, user, f'{name} failed with the error "{error}"')
            return {"ok": False, "error": error, "status": status}
        if answer.get("text") or answer.get("blocks"):
            token = response_url.rsplit("/", 1)[-1]
            with self.state.lock:
                respond(self.state, token, answer)
            self.responses.append({"kind": "message", "source": "command", **P.content(answer)})
            self.state.touch()
        return {"ok": True, "status": status}

    def _find_message(self, user: str, container: JSON) -> tuple[JSON, bool]:
        channel, ts = str(container.get("channel") or ""), str(container.get("ts") or "")
        for msg in self.state.messages(channel, replies=True):
            if msg["ts"] == ts:
                return msg, False
        for eph in self.state.ephemerals(user=user, channel=channel):
            if eph["ts"] == ts:
                return eph, True
        raise BadRequest(f"no message {ts} in {channel}", 404)

    def _find_view(self, user: str, view_id: str) -> JSON:
        home = self.state.home(user)
        for view in [*self.state.open_views(user), *([home] if home else [])]:
            if view["id"] == view_id:
                return view
        raise BadRequest(f"no view {view_id} open for {user}", 404)

    async def action(self, body: JSON) -> JSON:
        user = self._persona(body)
        container = body.get("container")
        if not isinstance(container, dict):
            raise BadRequest("container is required")
        block_index = int(body["block_index"])
        element_index = body.get("element_index")
        element_index = None if element_index is None else int(element_index)
        payload = self._base("block_actions", user)
        payload["trigger_id"] = self.state.new_trigger_id(user)
        if container.get("type") == "view":
            view = self._find_view(user, str(container.get("view_id")))
            raw = body.get("values")
            view["state"] = {"values": P.state_values(view, raw if isinstance(raw, dict) else {})}
            blocks = view.get("blocks") or []
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["view"] = view
        else:
            msg, ephemeral = self._find_message(user, container)
            channel = str(container["channel"])
            blocks = msg.get("blocks") or []
            payload["container"] = {
                "type": "message",
                "message_ts": msg["ts"],
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            }
            if msg.get("thread_ts"):
                payload["container"]["thread_ts"] = msg["thread_ts"]
            payload["channel"] = {"id": channel, "name": self._channel_name(channel)}
            if not ephemeral:
                payload["message"] = msg
            payload["response_url"] = self.state.new_response_url(channel, user, msg["ts"])
            payload["state"] = {"values": {}}
        block, element = P.locate(blocks, block_index, element_index)
        payload["actions"] = [P.action_entry(block, element, block_index, body.get("value"))]
        status, _ = self._answer(await self._send(P.interactive_body(payload), FORM))
        return {"ok": status == 200, "status": status}

    def _top_view(self, user: str, view_id: str) -> JSON:
        stack = self.state.open_views(user)
        if not stack or stack[-1]["id"] != view_id:
            raise BadRequest(f"view {view_id} is not the open modal of {user}", 409)
        return stack[-1]

    def _by_index(self, view: JSON, errors: Any) -> dict[str, str]:
        ids = {P.block_id(b, i): str(i) for i, b in enumerate(view.get("blocks") or [])}
        if not isinstance(errors, dict):
            return {}
        return {ids[k]: str(v) for k, v in errors.items() if k in ids}

    async def submit(self, body: JSON) -> JSON:
        user = self._persona(body)
        view = self._top_view(user, str(body.get("view_id")))
        raw = body.get("values") if isinstance(body.get("values"), dict) else {}
        assert isinstance(raw, dict)
        problems = P.client_errors(view, raw, self.locale)
        if problems:
            return {"ok": False, "result": "errors", "source": "client", "errors": problems}
        view["state"] = {"values": P.state_values(view, raw)}
        payload = self._base("view_submission", user)
        payload.update(trigger_id=self.state.new_trigger_id(user), view=view, response_urls=[])
        status, answer = self._answer(await self._send(P.interactive_body(payload), FORM))
        if status != 200:
            return {"ok": False, "result": "failed", "status": status}
        result = str(answer.get("response_action") or "close")
        try:
            if result == "errors":
                errors = self._by_index(view, answer.get("errors"))
                return {"ok": False, "result": "errors", "source": "app", "errors": errors}
            if result in ("update", "push"):
                new = answer.get("view")
                self.responses.append({"kind": "view", "source": result, "view": new})
                with self.state.lock:
                    if result == "update":
                        views_update(self.state, {"view_id": view["id"], "view": new})
                    else:
                        trigger = self.state.new_trigger_id(user)
                        views_push(self.state, {"trigger_id": trigger, "view": new})
            else:
                self.state.close_views(user, all_views=result == "clear")
        except SlackError as exc:
            return {"ok": False, "result": "failed", "error": exc.error}
        finally:
            self.state.touch()
        return {"ok": True, "result": result}

    async def close(self, body: JSON) -> JSON:
        user = self._persona(body)
        view = self._top_view(user, str(body.get("view_id")))
        everything = bool(body.get("all"))
        self.state.close_views(user, all_views=everything)
        self.state.touch()
        if not view.get("notify_on_close"):
            return {"ok": True, "notified": False}
        payload = self._base("view_closed", user)
        payload.update(view=view, is_cleared=everything)
        status, _ = self._answer(await self._send(P.interactive_body(payload), FORM))
        return {"ok": status == 200, "notified": True, "status": status}

    async def home(self, body: JSON) -> JSON:
        user = self._persona(body)
        tab = "messages" if body.get("tab") == "messages" else "home"
        with self.state.lock:
            im, _ = self.state.open_im(user)
        event: JSON = {
            "type": "app_home_opened",
            "user": user,
            "channel": im.id,
            "tab": tab,
            "event_ts": f"{time.time():.6f}",
        }
        current = self.state.home(user)
        if tab == "home" and current is not None:
            event["view"] = current
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.state.team_id,
            "api_app_id": self.state.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": "Ev" + secrets.token_hex(5).upper(),
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": self.state.team_id, "user_id": self.state.bot_user_id, "is_bot": True}
            ],
        }
        status, _ = self._answer(await self._send(json.dumps(envelope), "application/json"))
        return {"ok": status == 200, "status": status}
