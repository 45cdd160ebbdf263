"""`slm-bot serve`: the HTTP endpoint (health now; the Slack app mounts here)."""

from __future__ import annotations

import sys

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.settings import Settings
from store.db import Database


def create_web(settings: Settings, db: Database) -> Starlette:
    async def healthz(_: Request) -> JSONResponse:
        ok = db.ping()
        return JSONResponse({"ok": ok, "database": db.dialect}, status_code=200 if ok else 503)

    return Starlette(routes=[Route("/healthz", healthz)])


def serve(settings: Settings, *, socket_mode: bool = False) -> int:
    import uvicorn

    if socket_mode:
        print("error: Socket Mode needs the Slack app, which is not built yet", file=sys.stderr)
        return 2
    db = Database(settings.database_url)
    uvicorn.run(create_web(settings, db), host=settings.host, port=settings.port)
    return 0
