"""The stand-in's HTTP surface: a Starlette app speaking the Slack Web API.

Routes:
- `GET|POST /api/{method}`: form-encoded or JSON bodies and query strings; the token in
  `Authorization: Bearer ...` or a `token` field.
- `POST /response_url/{token}`: what `SlackState.new_response_url` hands out.
- `GET /_standin/state`: the whole workspace as JSON (for the sandbox page).
- `POST /_standin/upload/{file_id}`: the upload URL of files.getUploadURLExternal;
  `GET /_standin/files/{file_id}`: a file's bytes (its `url_private`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.slack_standin import files
from bot.slack_standin.methods import HANDLERS, respond
from bot.slack_standin.models import JSON, SlackError
from bot.slack_standin.spec import known, missing_args
from bot.slack_standin.state import SlackState

log = logging.getLogger(__name__)

# Arguments that carry JSON; form bodies send them as JSON-encoded strings.
JSON_ARGS = ("blocks", "attachments", "view", "metadata", "files")


def _normalise(args: JSON) -> JSON:
    for key in JSON_ARGS:
        value = args.get(key)
        if isinstance(value, str) and value.strip():
            try:
                args[key] = json.loads(value)
            except ValueError:
                error = "invalid_blocks_format" if key == "blocks" else "invalid_arguments"
                raise SlackError(error, [f"[ERROR] invalid JSON [json-pointer:/{key}]"]) from None
    return args


async def _read_args(request: Request) -> JSON:
    """Query string + body (JSON object or form), with JSON-string arguments decoded."""
    args: JSON = dict(request.query_params)
    raw = await request.body()
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if raw:
        if ctype == "application/json":
            try:
                body: Any = json.loads(raw)
            except ValueError:
                raise SlackError("invalid_json") from None
            if not isinstance(body, dict):
                raise SlackError("json_not_object")
            args.update(body)
        elif ctype in ("application/x-www-form-urlencoded", ""):
            try:
                args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                raise SlackError("invalid_charset") from None
        else:
            raise SlackError("invalid_form_data", [f"[ERROR] unsupported content type {ctype}"])
    return _normalise(args)


def _token(request: Request, args: JSON) -> str | None:
    header_token = None
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        header_token = value.strip()
    field_token = args.pop("token", None)
    return header_token or (str(field_token) if field_token else None)


class _Answer:
    def __init__(self, body: JSON, status: int = 200, headers: dict[str, str] | None = None):
        self.body, self.status, self.headers = body, status, headers or {}

    @classmethod
    def error(cls, err: SlackError) -> _Answer:
        headers = {"Retry-After": "1"} if err.status == 429 else None
        return cls(err.body(), err.status, headers)


async def _answer(state: SlackState, method: str, args: JSON, token: str | None) -> _Answer:
    if not known(method):
        return _Answer({"ok": False, "error": "unknown_method", "req_method": method})
    fault = state.take_fault(method, args)
    if fault is not None:
        if fault.kind == "rate_limit":
            body = {"ok": False, "error": "ratelimited"}
            return _Answer(body, 429, {"Retry-After": str(fault.retry_after)})
        if fault.kind == "server_error":
            return _Answer({"ok": False, "error": fault.error}, fault.status)
        if fault.kind == "error":
            return _Answer({"ok": False, "error": fault.error})
        await asyncio.sleep(fault.delay)
    if not token:
        return _Answer({"ok": False, "error": "not_authed"})
    if token != state.token:
        return _Answer({"ok": False, "error": "invalid_auth"})
    missing = missing_args(method, args)
    if missing:
        messages = [f"[ERROR] missing required field: {name}" for name in missing]
        return _Answer.error(SlackError("invalid_arguments", messages))
    handler = HANDLERS.get(method) or files.HANDLERS.get(method)
    if handler is None:
        return _Answer({"ok": True})
    try:
        with state.lock:
            return _Answer(handler(state, args))
    except SlackError as err:
        return _Answer.error(err)
    except Exception as exc:  # a stand-in bug: answer like Slack's own failures, keep serving
        log.exception("slack stand-in failed on %s", method)
        return _Answer({"ok": False, "error": "fatal_error", "standin_exception": repr(exc)}, 500)


async def api_method(request: Request) -> JSONResponse:
    state: SlackState = request.app.state.slack
    method = request.path_params["method"]
    args: JSON = {}
    try:
        args = await _read_args(request)
    except SlackError as err:
        answer = _Answer.error(err)
    else:
        answer = await _answer(state, method, args, _token(request, args))
    state.record(method, args, answer.status, answer.body)
    return JSONResponse(answer.body, answer.status, answer.headers)


async def response_url(request: Request) -> JSONResponse:
    state: SlackState = request.app.state.slack
    token = request.path_params["token"]
    body: Any = {}
    try:
        body = json.loads(await request.body())
        if not isinstance(body, dict):
            raise SlackError("invalid_payload", status=400)
        with state.lock:
            answer = _Answer(respond(state, token, body))
    except ValueError:
        answer = _Answer({"ok": False, "error": "invalid_payload"}, 400)
    except SlackError as err:
        answer = _Answer.error(err)
    args = {**body, "response_url": token} if isinstance(body, dict) else {"response_url": token}
    state.record("response_url", args, answer.status, answer.body)
    return JSONResponse(answer.body, answer.status)


async def upload(request: Request) -> Response:
    """The upload URL files.getUploadURLExternal hands out: the file's bytes as the body."""
    state: SlackState = request.app.state.slack
    file_id = request.path_params["file_id"]
    content = await request.body()
    try:
        with state.lock:
            files.receive(state, file_id, content)
    except SlackError as err:
        return PlainTextResponse(err.error, err.status)
    state.record("upload", {"file_id": file_id, "bytes": len(content)}, 200, {"ok": True})
    return PlainTextResponse(f"OK - {len(content)}")


async def file_content(request: Request) -> Response:
    state: SlackState = request.app.state.slack
    file_id = request.path_params["file_id"]
    with state.lock:
        f, data = state.files.get(file_id), state.file_bytes.get(file_id)
    if f is None or data is None:
        return PlainTextResponse("file_not_found", 404)
    mime = f["mimetype"] + ("; charset=utf-8" if f["mimetype"].startswith("text/") else "")
    disposition = "attachment" if request.query_params.get("download") else "inline"
    headers = {"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(f['name'])}"}
    return Response(data, 200, headers=headers, media_type=mime)


async def state_json(request: Request) -> JSONResponse:
    state: SlackState = request.app.state.slack
    return JSONResponse(state.snapshot())


def create_app(state: SlackState) -> Starlette:
    app = Starlette(
        routes=[
            Route("/api/{method}", api_method, methods=["GET", "POST"]),
            Route("/response_url/{token}", response_url, methods=["POST"]),
            Route("/_standin/state", state_json, methods=["GET"]),
            Route("/_standin/upload/{file_id}", upload, methods=["POST"]),
            Route("/_standin/files/{file_id}", file_content, methods=["GET"]),
        ]
    )
    app.state.slack = state
    return app
