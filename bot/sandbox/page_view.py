"""What the sandbox page reads: the workspace as one persona sees it, the files shared in
it, and every message and view the bot produced."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.responses import Response

from bot.sandbox import payloads as P
from bot.sandbox.workspace import SandboxState
from store.demo import PERSONAS

JSON = dict[str, Any]
MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")


def _top_level(msg: JSON) -> bool:
    thread_ts = msg.get("thread_ts")
    return thread_ts in (None, msg["ts"]) or msg.get("subtype") == "thread_broadcast"


def file_response(state: SandboxState, file_id: str) -> Response:
    """A file shared in the workspace; a document's Markdown opens as an HTML page."""
    from bot.documents.render import to_html

    with state.lock:
        f, data = state.files.get(file_id), state.file_bytes.get(file_id)
    if f is None or data is None:
        return Response("no such file", 404, media_type="text/plain")
    if f["filetype"] == "markdown":
        page = to_html(
            data.decode("utf-8"),
            title=str(f["title"]),
            locale="zh-CN" if ".zh-CN." in str(f["name"]) else "en",
        )
        return Response(page, 200, media_type="text/html; charset=utf-8")
    return Response(data, 200, media_type=str(f["mimetype"]))


def _conversation(state: SandboxState, channel_id: str, user: str) -> JSON:
    all_msgs = state.messages(channel_id, replies=True)
    threads: dict[str, list[JSON]] = {}
    for m in all_msgs:
        if m.get("thread_ts") and m["thread_ts"] != m["ts"]:
            threads.setdefault(str(m["thread_ts"]), []).append(m)
    return {
        "messages": [m for m in all_msgs if _top_level(m)],
        "threads": threads,
        "ephemerals": state.ephemerals(user=user, channel=channel_id),
    }


def workspace_view(state: SandboxState, persona: str, locale: str) -> JSON:
    """The workspace as `persona` sees it."""
    s = state
    with s.lock:
        version = s.version
        channels = [(c.id, c.name, c.purpose) for c in s.channels.values() if c.kind == "channel"]
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
        "locale": locale,
        "personas": [
            {
                "id": p.user_id,
                "name": p.name,
                "roles": [r.label(locale) for r in p.roles],
            }
            for p in PERSONAS
        ],
        "users": users,
        "channels": [
            {"id": cid, "name": name, "purpose": purpose, **_conversation(s, cid, persona)}
            for cid, name, purpose in channels
        ],
        "dm": {"id": dm, **_conversation(s, dm, persona)},
        "home": s.home(persona),
        "modals": s.open_views(persona),
    }


def recorded(state: SandboxState, responses: Iterable[JSON]) -> list[JSON]:
    """Every message and view the bot produced, in order: `{kind, source, blocks|view}`."""
    out: list[JSON] = []
    for call in state.calls():
        if not call.ok:
            continue
        message = call.method in MESSAGE_METHODS or (
            call.method == "response_url" and not call.args.get("delete_original")
        )
        if message:
            out.append({"kind": "message", "source": call.method, **P.content(call.args)})
        elif call.method.startswith("views.") and isinstance(call.args.get("view"), dict):
            out.append({"kind": "view", "source": call.method, "view": call.args["view"]})
    return out + list(responses)
