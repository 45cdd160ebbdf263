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

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.flows.roles import Role
from bot.sandbox import payloads as P
from bot.sandbox import workspace
from bot.sandbox.page_view import JSON, file_response, recorded, workspace_view
from bot.sandbox.persona import BadRequest, PersonaActions
from bot.server import build, prepare_database
from bot.settings import Settings
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
        workspace.seed(self.state, locale)
        self.standin = StandinServer(self.state)
        self.actions = PersonaActions(self.state, self.secret, self.locale)
        self.seeded: list[str] = []
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
        self.db = Database(
            settings.database_url, timezone=settings.timezone, country=settings.country
        )
        prepare_database(settings, self.db)
        now = datetime.now(UTC)
        if self.demo and not count_agreements(self.db):
            self.seeded = seed_demo(self.db, now=now)
        else:
            seed_people(self.db, now=now)
        web, _, dispatcher = build(settings, scheduler=True, db=self.db)
        if dispatcher is not None:
            # Slack allows about one message per second per channel and the dispatcher keeps
            # to it; the stand-in has no such limit, so the sandbox's cards come at once.
            dispatcher.channel_interval = 0.0
        self.app = self._page_app(web)

    def _page_app(self, web: Starlette) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            async with (
                web.router.lifespan_context(web),  # the bot's own: its outbox dispatcher
                httpx.AsyncClient(timeout=ACK_TIMEOUT) as http,
            ):
                self.actions.http, self.actions.events_url = http, f"{self.url}/slack/events"
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
                except (BadRequest, SlackError, P.UnknownElement, ValueError, KeyError) as exc:
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
                Route("/_sandbox/file/{file_id}", self._file_endpoint),
                Route("/_sandbox/message", endpoint(self.actions.message), methods=["POST"]),
                Route("/_sandbox/action", endpoint(self.actions.action), methods=["POST"]),
                Route("/_sandbox/submit", endpoint(self.actions.submit), methods=["POST"]),
                Route("/_sandbox/close", endpoint(self.actions.close), methods=["POST"]),
                Route("/_sandbox/home", endpoint(self.actions.home), methods=["POST"]),
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
        try:
            self.prepare()
        except BaseException:
            self.shutdown()
            raise
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
    async def _file_endpoint(self, request: Request) -> Response:
        """A file shared in the workspace; a document's Markdown opens as an HTML page."""
        return file_response(self.state, request.path_params["file_id"])

    async def _state_endpoint(self, request: Request) -> Response:
        persona = request.query_params.get("persona") or ""
        if persona not in {p.user_id for p in PERSONAS}:
            persona = PERSONAS[0].user_id
        since = request.query_params.get("since")
        if since is not None and since.isdigit():
            deadline = time.monotonic() + POLL_WAIT
            while self.state.version == int(since) and time.monotonic() < deadline:
                if self._server is not None and self._server.should_exit:
                    break  # shutting down: answer now rather than be cancelled
                changed = self._changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), min(0.25, deadline - time.monotonic()))
        return JSONResponse(self.view_of(persona), headers={"Cache-Control": "no-store"})

    def view_of(self, persona: str) -> JSON:
        """The workspace as `persona` sees it."""
        return workspace_view(self.state, persona, self.locale)

    async def _recorded_endpoint(self, _: Request) -> Response:
        return JSONResponse(self.recorded())

    def recorded(self) -> list[JSON]:
        """Every message and view the bot produced, in order: `{kind, source, blocks|view}`."""
        return recorded(self.state, self.actions.responses)


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
    # Bolt warns that the bot passes both a token and a client (harmless): not for newcomers
    logging.getLogger("slack_bolt.AsyncApp").setLevel(logging.ERROR)
    sandbox = Sandbox(db, port=port, demo=demo, locale=locale, base=base)
    try:
        return sandbox.run()
    except OSError as exc:
        print(f"error: cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}", file=sys.stderr)
        print("  (pick another port with --port)", file=sys.stderr)
        return 2
