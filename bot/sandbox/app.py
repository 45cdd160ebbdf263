"""`slm-bot sandbox`: the bot, the Slack stand-in and a Slack-like web page, in one process.

- the bot is `bot.server.build(...)`, unchanged: its `POST /slack/events` (and `/healthz`) are
  served on the page's port, its dispatcher runs in the same lifespan as in production;
- the Slack stand-in (`bot.slack_standin`) answers the bot's Web API calls on a port of its
  own (a background thread), holding channels, threads, DMs, App Home tabs and modal stacks;
- the page (`static/`) shows the workspace as one persona at a time; what the persona does
  goes to `/_sandbox/*`, and this module sends the bot the signed request Slack would send.

Endpoints (JSON):
- `GET /_sandbox/state[?persona=U..][&since=N]`: the workspace as the persona sees it; with
  `since`, waits (up to 10 s) until the version differs from N.
- `POST /_sandbox/message {persona, channel, text, thread_ts?}`: `/sla ...` is a slash
  command; anything else is a message from the persona.
- `POST /_sandbox/action {persona, container, block_index, element_index?, value?, values?}`:
  a click or a selection (`block_actions`); `container` is `{type: "message", channel, ts}`
  or `{type: "view", view_id}`.
- `POST /_sandbox/submit {persona, view_id, values}`: a modal submission (`view_submission`).
- `POST /_sandbox/close {persona, view_id, all?}`: closing a modal (`view_closed` when asked).
- `POST /_sandbox/home {persona, tab?}`: opening the App Home (`app_home_opened`).
- `GET /_sandbox/recorded`: every message and view the bot produced (for rendering tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.flows.roles import Role
from bot.handlers.kit import escape
from bot.sandbox import payloads as P
from bot.sandbox import workspace
from bot.server import build, prepare_database
from bot.settings import Settings
from bot.slack_standin.methods import add_ephemeral, respond, views_push, views_update
from bot.slack_standin.models import SlackError
from bot.slack_standin.server import StandinServer
from store.db import Database
from store.demo import PERSONAS, seed_demo, seed_people
from store.queries import count_agreements

log = logging.getLogger("slm_bot.sandbox")

STATIC = Path(__file__).with_name("static")
ACK_TIMEOUT = 3.0  # Slack gives up on an app that does not answer within 3 s
POLL_WAIT = 10.0
SAVE_EVERY = 1.0
START_TIMEOUT = 15.0
JSON = dict[str, Any]


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _top_level(msg: JSON) -> bool:
    thread_ts = msg.get("thread_ts")
    return thread_ts in (None, msg["ts"]) or msg.get("subtype") == "thread_broadcast"


class Sandbox:
    """Everything `slm-bot sandbox` runs. `run()` serves in the foreground (Ctrl-C stops);
    `start()` / `stop()` serve from a background thread (tests)."""

    def __init__(
        self,
        db_path: str | Path = "sandbox.db",
        *,
        port: int = 3000,
        host: str = "127.0.0.1",
        demo: bool = False,
        locale: str = "en",
        base: Settings | None = None,
    ) -> None:
        self.db_path = Path(db_path).expanduser().resolve()
        self.host, self.port, self.demo, self.locale = host, port, demo, locale
        self.base = base
        self.fresh = not self.db_path.exists()
        self.secret = secrets.token_hex(20)
        self.state = workspace.SandboxState()
        workspace.seed(self.state)
        self.standin = StandinServer(self.state)
        self.responses: list[JSON] = []  # views and messages the bot put in HTTP answers
        self.seeded: list[str] = []
        self.http: httpx.AsyncClient | None = None
        self.db: Database | None = None
        self.app: Starlette | None = None
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._saved = -1
        self._changed = asyncio.Event()

    # --- wiring ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def workspace_file(self) -> Path:
        return workspace.workspace_path(self.db_path)

    def settings(self) -> Settings:
        base = self.base or Settings(_env_file=None)
        return Settings(
            _env_file=None,
            DATABASE_URL=f"sqlite:///{self.db_path}",
            SLACK_BOT_TOKEN=self.state.token,
            SLACK_SIGNING_SECRET=self.secret,
            SLACK_API_URL=self.standin.base_url,
            SLM_AGREEMENTS_CHANNEL=workspace.CHANNEL,
            SLM_ADMINS=",".join(p.user_id for p in PERSONAS if Role.ADMIN in p.roles),
            SLM_LOCALE=self.locale,
            SLM_TIMEZONE=base.timezone,
            SLM_COUNTRY=base.country,
        )

    def prepare(self) -> None:
        """Bind the page's port, start the stand-in, migrate and seed, build the bot."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        self._socket, self.port = sock, sock.getsockname()[1]
        if not self.fresh:
            workspace.load(self.state, self.workspace_file)
        self.standin.start()
        settings = self.settings()
        self.db = Database(settings.database_url)
        prepare_database(settings, self.db)
        now = datetime.now(UTC)
        if self.demo and not count_agreements(self.db):
            self.seeded = seed_demo(self.db, now=now)
        else:
            seed_people(self.db, now=now)
        web, _, _ = build(settings, scheduler=True, db=self.db)
        self.app = self._page_app(web)

    def _page_app(self, web: Starlette) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            async with (
                web.router.lifespan_context(web),  # the bot's own: its outbox dispatcher
                httpx.AsyncClient(timeout=ACK_TIMEOUT) as http,
            ):
                self.http = http
                loop = asyncio.get_running_loop()

                def changed() -> None:
                    loop.call_soon_threadsafe(self._wake)

                self.state.on_change = changed
                saver = asyncio.create_task(self._keep_saving())
                try:
                    yield
                finally:
                    saver.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await saver
                    self.state.on_change = None
                    self.save()

        def endpoint(
            fn: Callable[[JSON], Awaitable[JSON]],
        ) -> Callable[[Request], Awaitable[Response]]:
            async def handle(request: Request) -> Response:
                try:
                    body = json.loads(await request.body() or b"{}")
                    if not isinstance(body, dict):
                        raise BadRequest("expected a JSON object")
                    return JSONResponse(await fn(body))
                except (BadRequest, P.UnknownElement, ValueError, KeyError) as exc:
                    status = exc.status if isinstance(exc, BadRequest) else 400
                    return JSONResponse({"ok": False, "error": str(exc)}, status)

            return handle

        async def index(_: Request) -> Response:
            return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

        return Starlette(
            routes=[
                Route("/", index),
                Mount("/static", StaticFiles(directory=STATIC), name="static"),
                Route("/_sandbox/state", self._state_endpoint),
                Route("/_sandbox/recorded", self._recorded_endpoint),
                Route("/_sandbox/message", endpoint(self.message), methods=["POST"]),
                Route("/_sandbox/action", endpoint(self.action), methods=["POST"]),
                Route("/_sandbox/submit", endpoint(self.submit), methods=["POST"]),
                Route("/_sandbox/close", endpoint(self.close), methods=["POST"]),
                Route("/_sandbox/home", endpoint(self.home), methods=["POST"]),
                Route("/slack/events", web, methods=["POST"]),
                Route("/healthz", web, methods=["GET"]),
            ],
            lifespan=lifespan,
        )

    def _uvicorn(self) -> uvicorn.Server:
        assert self.app is not None
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="on",
            ws="none",
            loop="asyncio",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        return self._server

    def run(self, *, announce: Callable[[str], None] = print) -> int:
        """Serve in the foreground until Ctrl-C / SIGTERM."""
        self.prepare()
        server = self._uvicorn()

        async def main() -> None:
            async def tell_when_up() -> None:
                while not server.started:  # noqa: ASYNC110 (uvicorn's flag, no event)
                    await asyncio.sleep(0.02)
                announce(self.banner())

            up = asyncio.create_task(tell_when_up())
            try:
                await server.serve(sockets=[self._socket] if self._socket else None)
            finally:
                up.cancel()

        try:
            asyncio.run(main())
        except KeyboardInterrupt:
            pass
        finally:
            self.shutdown()
        return 0

    def start(self) -> Sandbox:
        """Serve from a background thread; returns once the page answers."""
        self.prepare()
        server = self._uvicorn()
        sockets = [self._socket] if self._socket else None
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": sockets}, name="slm-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox failed to start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=START_TIMEOUT)
        self._server = self._thread = None
        self.shutdown()

    def shutdown(self) -> None:
        self.standin.stop()
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self.db is not None:
            self.save()
            self.db.dispose()
            self.db = None

    def banner(self) -> str:
        lines = [
            f"slm-bot sandbox: open {self.url}  (Ctrl-C stops)",
            f"  database {self.db_path}  (Slack side: {self.workspace_file.name})",
            f"  Slack stand-in {self.standin.url}  agreements channel #{workspace.CHANNEL_NAME}",
        ]
        if self.seeded:
            lines.append(f"  demo agreements: {', '.join(self.seeded)}")
        return "\n".join(lines)

    def _wake(self) -> None:
        """Release every long poll waiting on the current version (broadcast)."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # --- the workspace file ----------------------------------------------------------------
    def save(self) -> None:
        version = self.state.version
        if version == self._saved:
            return
        try:
            workspace.save(self.state, self.workspace_file)
            self._saved = version
        except Exception:  # the sandbox keeps running; the next round tries again
            log.exception("could not save the sandbox workspace")

    async def _keep_saving(self) -> None:
        while True:
            await asyncio.sleep(SAVE_EVERY)
            self.save()

    # --- what the page reads ---------------------------------------------------------------
    async def _state_endpoint(self, request: Request) -> Response:
        persona = request.query_params.get("persona") or ""
        if persona not in {p.user_id for p in PERSONAS}:
            persona = PERSONAS[0].user_id
        since = request.query_params.get("since")
        if since is not None and since.isdigit():
            deadline = time.monotonic() + POLL_WAIT
            while self.state.version == int(since) and time.monotonic() < deadline:
                changed = self._changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), deadline - time.monotonic())
        return JSONResponse(self.view_of(persona), headers={"Cache-Control": "no-store"})

    def _conversation(self, channel_id: str, user: str) -> JSON:
        all_msgs = self.state.messages(channel_id, replies=True)
        threads: dict[str, list[JSON]] = {}
        for m in all_msgs:
            if m.get("thread_ts") and m["thread_ts"] != m["ts"]:
                threads.setdefault(str(m["thread_ts"]), []).append(m)
        return {
            "messages": [m for m in all_msgs if _top_level(m)],
            "threads": threads,
            "ephemerals": self.state.ephemerals(user=user, channel=channel_id),
        }

    def view_of(self, persona: str) -> JSON:
        """The workspace as `persona` sees it."""
        s = self.state
        with s.lock:
            version = s.version
            channels = [
                (c.id, c.name, c.purpose) for c in s.channels.values() if c.kind == "channel"
            ]
            users = {
                u.id: {"name": u.name, "real_name": u.real_name or u.name, "is_bot": u.is_bot}
                for u in s.users.values()
            }
        dm = "D" + persona[1:]
        return {
            "version": version,
            "team": {"id": s.team_id, "name": s.team},
            "bot": {"user_id": s.bot_user_id, "name": s.users[s.bot_user_id].name},
            "persona": persona,
            "locale": self.locale,
            "personas": [
                {
                    "id": p.user_id,
                    "name": p.name,
                    "roles": [r.label(self.locale) for r in p.roles],
                }
                for p in PERSONAS
            ],
            "users": users,
            "channels": [
                {"id": cid, "name": name, "purpose": purpose, **self._conversation(cid, persona)}
                for cid, name, purpose in channels
            ],
            "dm": {"id": dm, **self._conversation(dm, persona)},
            "home": s.home(persona),
            "modals": s.open_views(persona),
        }

    async def _recorded_endpoint(self, _: Request) -> Response:
        return JSONResponse(self.recorded())

    def recorded(self) -> list[JSON]:
        """Every message and view the bot produced, in order: `{kind, source, blocks|view}`."""
        out: list[JSON] = []
        for call in self.state.calls():
            if not call.ok:
                continue
            message = call.method in MESSAGE_METHODS or (
                call.method == "response_url" and not call.args.get("delete_original")
            )
            if message:
                out.append({"kind": "message", "source": call.method, **_content(call.args)})
            elif call.method.startswith("views.") and isinstance(call.args.get("view"), dict):
                out.append({"kind": "view", "source": call.method, "view": call.args["view"]})
        return out + list(self.responses)

    # --- what the persona does ---------------------------------------------------------------
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
            "token": "sandbox-verification-token",
            "is_enterprise_install": False,
            "enterprise": None,
        }

    async def _send(self, body: str, content_type: str) -> httpx.Response | None:
        """The signed request to the bot; None when it did not answer in time (like Slack)."""
        assert self.http is not None, "the sandbox is not serving"
        headers = {"Content-Type": content_type, **P.sign(body, self.secret)}
        try:
            return await self.http.post(
                f"{self.url}/slack/events", content=body.encode(), headers=headers
            )
        except httpx.TimeoutException:
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
            entry["author"] = workspace.SLACKBOT
        self.state.touch()

    async def message(self, body: JSON) -> JSON:
        user = self._persona(body)
        channel = str(body.get("channel") or workspace.CHANNEL)
        text = str(body.get("text") or "").strip()
        thread_ts = str(body["thread_ts"]) if body.get("thread_ts") else None
        if not text:
            raise BadRequest("nothing to send")
        if channel.startswith("D") and channel != "D" + user[1:]:
            raise BadRequest("that is someone else's direct message")
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
            "token": "sandbox-verification-token",
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
            self.responses.append({"kind": "message", "source": "command", **_content(answer)})
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
        status, _ = self._answer(await self._send(P.interactive_body(payload), _FORM))
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
        problems = P.client_errors(view, raw)
        if problems:
            return {"ok": False, "result": "errors", "source": "client", "errors": problems}
        view["state"] = {"values": P.state_values(view, raw)}
        payload = self._base("view_submission", user)
        payload.update(trigger_id=self.state.new_trigger_id(user), view=view, response_urls=[])
        status, answer = self._answer(await self._send(P.interactive_body(payload), _FORM))
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
        status, _ = self._answer(await self._send(P.interactive_body(payload), _FORM))
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
            "token": "sandbox-verification-token",
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


_FORM = "application/x-www-form-urlencoded"
MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")


def _content(args: JSON) -> JSON:
    return {k: args[k] for k in ("text", "blocks") if k in args}


def run_sandbox(
    *,
    port: int = 3000,
    demo: bool = False,
    db: str | Path = "sandbox.db",
    locale: str = "en",
    base: Settings | None = None,
) -> int:
    """`slm-bot sandbox`: serve until interrupted; 2 when the port is taken."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    sandbox = Sandbox(db, port=port, demo=demo, locale=locale, base=base)
    try:
        return sandbox.run()
    except OSError as exc:
        print(f"error: cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}", file=sys.stderr)
        print("  (pick another port with --port)", file=sys.stderr)
        return 2
