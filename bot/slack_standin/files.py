"""Slack's current file upload, as the stand-in models it.

1. `files.getUploadURLExternal(filename, length)` -> `upload_url`, `file_id`;
2. the bytes are POSTed to `upload_url` (raw body or multipart form, like Slack accepts);
3. `files.completeUploadExternal(files=[{"id", "title"}], channel_id, thread_ts)` checks the
   upload is whole and shares the files in the channel or thread, as a message with `files`.

Files can be read back at `url_private` (`GET /_standin/files/{id}`; the sandbox previews them).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from typing import Any

from bot.slack_standin.models import JSON, SlackError
from bot.slack_standin.state import SlackState

MAX_FILE_BYTES = 1_000_000_000  # Slack's limit is 1 GB

mimetypes.add_type("text/markdown", ".md")


def _filetype(name: str) -> tuple[str, str]:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return {"md": "markdown", "htm": "html"}.get(ext, ext), mime


def get_upload_url(s: SlackState, args: JSON) -> JSON:
    name = str(args["filename"])
    try:
        length = int(args["length"])
    except (TypeError, ValueError):
        raise SlackError("invalid_arguments", ["[ERROR] length must be an integer"]) from None
    if length <= 0 or length > MAX_FILE_BYTES:
        raise SlackError("invalid_arguments", ["[ERROR] length out of range"])
    file_id = s.new_id("F")
    filetype, mime = _filetype(name)
    s.files[file_id] = {
        "id": file_id,
        "created": int(s.clock()),
        "timestamp": int(s.clock()),
        "name": name,
        "title": name,
        "mimetype": mime,
        "filetype": filetype,
        "user": s.bot_user_id,
        "size": length,
        "url_private": f"{s.public_url}/_standin/files/{file_id}",
        "url_private_download": f"{s.public_url}/_standin/files/{file_id}?download=1",
        "_state": "pending",
    }
    return {
        "ok": True,
        "upload_url": f"{s.public_url}/_standin/upload/{file_id}",
        "file_id": file_id,
    }


def receive(s: SlackState, file_id: str, content: bytes) -> None:
    """The POST to the upload URL."""
    f = s.files.get(file_id)
    if f is None or f["_state"] != "pending":
        raise SlackError("invalid_upload_url", status=404)
    s.file_bytes[file_id] = content
    f["_state"] = "uploaded"


def complete_upload(s: SlackState, args: JSON) -> JSON:
    listed = args["files"]
    if not isinstance(listed, list) or not listed:
        raise SlackError("invalid_arguments", ["[ERROR] files must be a non-empty JSON array"])
    done: list[JSON] = []
    for item in listed:
        if not isinstance(item, dict) or "id" not in item:
            raise SlackError("invalid_arguments", ["[ERROR] each file needs an id"])
        f = s.files.get(str(item["id"]))
        if f is None:
            raise SlackError("file_not_found")
        if f["_state"] != "uploaded":
            raise SlackError(
                "upload_not_complete" if f["_state"] == "pending" else "file_not_found"
            )
        if len(s.file_bytes[f["id"]]) != f["size"]:
            raise SlackError("file_size_mismatch")
        f["_state"] = "complete"
        f["title"] = str(item.get("title") or f["name"])
        done.append(f)
    channel_id = args.get("channel_id") or args.get("channels")
    if channel_id:
        channel = s.resolve_channel(str(channel_id))
        thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
        if thread_ts and s.find_message(channel.id, thread_ts) is None:
            raise SlackError("invalid_thread_ts")
        msg: JSON = {
            "user": s.bot_user_id,
            "bot_id": s.bot_id,
            "text": str(args.get("initial_comment") or ""),
            "upload": True,
            "files": [public(f) for f in done],
        }
        s.add_message(channel.id, msg, thread_ts=thread_ts)
    return {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in done]}


def public(f: JSON) -> JSON:
    return {k: v for k, v in f.items() if not k.startswith("_")}


HANDLERS: dict[str, Callable[[SlackState, JSON], Any]] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}
