"""`slm-bot serve`: Slack's requests at `POST /slack/events`, `GET /healthz`, and (unless
`--no-scheduler`) the outbox dispatcher in the same process. Socket Mode with `--socket-mode`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, request_response

from bot import logs
from bot.api import create_api
from bot.app import SlackApp, create_app
from bot.guard import SlackGuard
from bot.metrics import metrics_endpoint
from bot.scheduler.dispatcher import Dispatcher
from bot.scheduler.factory import build_dispatcher
from bot.settings import Settings
from store.db import Database

log = logging.getLogger("slm_bot.server")


def create_web(
    settings: Settings,
    db: Database,
    slack: SlackApp,
    dispatcher: Dispatcher | None = None,
    *,
    sweeps: bool = False,
) -> Starlette:
    handler = AsyncSlackRequestHandler(slack.app)

    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_: Request) -> JSONResponse:
        ok = await asyncio.to_thread(db.ping)
        return JSONResponse({"ok": ok, "database": db.dialect}, status_code=200 if ok else 503)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(dispatcher.run_forever()) if dispatcher else None
        scheduler = None
        if dispatcher is not None and sweeps:
            from bot.scheduler.runner import Scheduler

            scheduler = Scheduler(settings, db, dispatcher)
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    guarded = SlackGuard(
        request_response(slack_events), signing_secret=settings.slack_signing_secret
    )
    return Starlette(
        routes=[
            Route("/slack/events", guarded, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics_endpoint(db), methods=["GET"]),
            # the JSON API, the Alertmanager webhook and /openapi.json (bot/api.py)
            Mount("/", app=create_api(settings, db)),
        ],
        lifespan=lifespan,
    )


def build(
    settings: Settings,
    *,
    scheduler: bool = True,
    sweeps: bool | None = None,
    db: Database | None = None,
) -> tuple[Starlette, SlackApp, Dispatcher | None]:
    """The whole web process: the Slack app, and unless `scheduler` is off the outbox
    dispatcher and the sweeps (`sweeps=False` keeps the dispatcher only)."""
    db = db or Database(settings.database_url, timezone=settings.timezone, country=settings.country)
    dispatcher: Dispatcher | None = None
    slack = create_app(settings, db)
    if scheduler:
        dispatcher = build_dispatcher(settings, db, slack.client)
        slack.deps.notify = dispatcher.wakeup.set
        # the process's own dispatcher sends confirmations when woken: one sender per process
        # (a second one in the web process competes for the leases; on SQLite a lease can run
        # out while a long write holds the lock, and the message in flight is sent twice)
        slack.deps.deliver = None
    web = create_web(
        settings, db, slack, dispatcher, sweeps=scheduler if sweeps is None else sweeps
    )
    return web, slack, dispatcher


def prepare_database(settings: Settings, db: Database) -> None:
    from store.migrate import upgrade
    from store.roles import ensure_admins

    if db.is_sqlite:  # the embedded default migrates itself; production runs `migrate`
        upgrade(db)
    ensure_admins(db, settings.admins, now=datetime.now(UTC))


def serve(settings: Settings, *, socket_mode: bool = False, scheduler: bool = True) -> int:
    import uvicorn

    logs.configure()
    missing = settings.missing_for_http()
    if socket_mode and not settings.slack_app_token.startswith("xapp-"):
        missing.append("SLACK_APP_TOKEN")
    if socket_mode:
        missing = [m for m in missing if m != "SLACK_SIGNING_SECRET"]
    if missing:
        print(
            f"error: set {', '.join(missing)} (missing or still a placeholder); see "
            "README.md, Configuration",
            file=sys.stderr,
        )
        return 2
    db = Database(settings.database_url, timezone=settings.timezone, country=settings.country)
    prepare_database(settings, db)
    if socket_mode:
        return asyncio.run(_socket_mode(settings, db, scheduler=scheduler))
    web, _, _ = build(settings, scheduler=scheduler, db=db)
    import gc

    gc.collect()
    gc.freeze()  # start-up objects are immortal: fewer, shorter collections under load
    uvicorn.run(web, host=settings.host, port=settings.port, log_level="info", access_log=False)
    return 0


async def _socket_mode(settings: Settings, db: Database, *, scheduler: bool) -> int:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    _, slack, dispatcher = build(settings, scheduler=scheduler, db=db)
    task = None
    if dispatcher is not None:
        from bot.scheduler.runner import run_worker

        task = asyncio.create_task(run_worker(settings, db, dispatcher))
    try:
        handler = AsyncSocketModeHandler(slack.app, settings.slack_app_token)
        await handler.start_async()  # type: ignore[no-untyped-call]
    finally:
        if task:
            task.cancel()
    return 0


def worker(settings: Settings) -> int:
    """`slm-bot worker`: sweeps and the outbox dispatcher, no HTTP."""
    logs.configure()
    if not settings.slack_bot_token or settings.slack_bot_token.lower() in (
        "xoxb-your-token",
        "changeme",
    ):
        print("error: set SLACK_BOT_TOKEN (missing or still a placeholder)", file=sys.stderr)
        return 2
    from bot.scheduler.runner import run_worker

    db = Database(settings.database_url, timezone=settings.timezone, country=settings.country)
    prepare_database(settings, db)
    dispatcher = build_dispatcher(settings, db)
    if settings.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(settings, db, dispatcher))
    return 0
