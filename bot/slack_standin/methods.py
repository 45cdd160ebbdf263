"""The Slack methods the stand-in models, with Slack's response shapes.

Each handler takes the state (its `lock` held by the caller) and the normalised arguments and
returns the success body, or raises `SlackError`. Methods of the spec that are not here answer
`{"ok": true}`.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from typing import Any

from bot.slack_standin.models import JSON, Channel, SlackError, View
from bot.slack_standin.spec import VIEW_STACK_MAX, check_message, check_view
from bot.slack_standin.state import SlackState

Handler = Callable[[SlackState, JSON], JSON]


def flag(value: Any) -> bool:
    """A boolean argument as slack_sdk sends it: True/"true"/"1" (form) or a JSON bool."""
    return value is True or str(value).lower() in ("1", "true")


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _ts_key(ts: Any) -> tuple[int, int]:
    sec, _, frac = str(ts).partition(".")
    return _int(sec, 0), _int((frac + "000000")[:6], 0)


def _page(items: list[JSON], args: JSON) -> JSON:
    """Cursor pagination like Slack's: `limit` (default 100) and an opaque `next_cursor`."""
    limit = max(1, min(_int(args.get("limit"), 100), 1000))
    cursor = str(args.get("cursor") or "")
    try:
        start = int(base64.b64decode(cursor).decode().removeprefix("offset:")) if cursor else 0
    except ValueError:
        raise SlackError("invalid_cursor") from None
    page, more = items[start : start + limit], start + limit < len(items)
    nxt = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
    return {
        "ok": True,
        "messages": page,
        "has_more": more,
        "response_metadata": {"next_cursor": nxt},
    }


def _check_content(args: JSON) -> None:
    problem = check_message(args)
    if problem is not None:
        raise SlackError(*problem)


def _content(args: JSON) -> JSON:
    return {k: args[k] for k in ("text", "blocks", "attachments", "metadata") if k in args}


def _bot_message(s: SlackState, args: JSON) -> JSON:
    msg: JSON = {
        "user": s.bot_user_id,
        "bot_id": s.bot_id,
        "app_id": s.app_id,
        "text": "",
        "team": s.team_id,
        **_content(args),
    }
    msg["bot_profile"] = {
        "id": s.bot_id,
        "app_id": s.app_id,
        "deleted": False,
        "name": s.users[s.bot_user_id].name,
        "team_id": s.team_id,
    }
    return msg


def _message(s: SlackState, channel: Channel, ts: Any) -> JSON:
    msg = s.find_message(channel.id, str(ts))
    if msg is None:
        raise SlackError("message_not_found")
    return msg


def auth_test(s: SlackState, args: JSON) -> JSON:
    return {
        "ok": True,
        "url": f"https://{s.domain}.slack.com/",
        "team": s.team,
        "user": s.users[s.bot_user_id].name,
        "team_id": s.team_id,
        "user_id": s.bot_user_id,
        "bot_id": s.bot_id,
        "is_enterprise_install": False,
    }


def chat_post_message(s: SlackState, args: JSON) -> JSON:
    channel = s.resolve_channel(str(args["channel"]), allow_user=True)
    _check_content(args)
    if s.over_channel_rate(channel.id):
        raise SlackError("ratelimited", status=429)
    thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
    broadcast = flag(args.get("reply_broadcast"))
    msg = s.add_message(channel.id, _bot_message(s, args), thread_ts=thread_ts, broadcast=broadcast)
    return {"ok": True, "channel": channel.id, "ts": msg["ts"], "message": copy.deepcopy(msg)}


def chat_update(s: SlackState, args: JSON) -> JSON:
    channel = s.resolve_channel(str(args["channel"]))
    msg = _message(s, channel, args["ts"])
    _check_content({**msg, **args})
    msg.update(_content(args), edited={"user": s.bot_user_id, "ts": s.next_ts()})
    return {
        "ok": True,
        "channel": channel.id,
        "ts": msg["ts"],
        "text": msg.get("text", ""),
        "message": copy.deepcopy(msg),
    }


def chat_delete(s: SlackState, args: JSON) -> JSON:
    channel = s.resolve_channel(str(args["channel"]))
    msg = _message(s, channel, args["ts"])
    s.delete_message(channel.id, msg["ts"])
    return {"ok": True, "channel": channel.id, "ts": msg["ts"]}


def add_ephemeral(s: SlackState, channel: Channel, user: str, content: JSON, source: str) -> JSON:
    entry: JSON = {
        "type": "message",
        "channel": channel.id,
        "user": user,
        "ts": s.next_ts(),
        "text": "",
        **_content(content),
        "source": source,
    }
    if content.get("thread_ts"):
        entry["thread_ts"] = str(content["thread_ts"])
    s.ephemeral.append(entry)
    return entry


def chat_post_ephemeral(s: SlackState, args: JSON) -> JSON:
    channel = s.resolve_channel(str(args["channel"]), allow_user=True)
    user = str(args["user"])
    if user not in s.users:
        raise SlackError("user_not_found")
    if channel.members is not None and user not in channel.members:
        raise SlackError("user_not_in_channel")
    _check_content(args)
    return {
        "ok": True,
        "message_ts": add_ephemeral(s, channel, user, args, "chat.postEphemeral")["ts"],
    }


def chat_get_permalink(s: SlackState, args: JSON) -> JSON:
    channel = s.resolve_channel(str(args["channel"]))
    msg = _message(s, channel, args["message_ts"])
    link = f"https://{s.domain}.slack.com/archives/{channel.id}/p{msg['ts'].replace('.', '')}"
    if msg.get("thread_ts", msg["ts"]) != msg["ts"]:
        link += f"?thread_ts={msg['thread_ts']}&cid={channel.id}"
    return {"ok": True, "channel": channel.id, "permalink": link}


def conversations_open(s: SlackState, args: JSON) -> JSON:
    users = args.get("users")
    if isinstance(users, str):
        users = [u.strip() for u in users.split(",") if u.strip()]
    if users:
        channel, existed = s.open_im(users[0]) if len(users) == 1 else s.open_mpim(list(users))
    elif args.get("channel"):
        channel, existed = s.resolve_channel(str(args["channel"])), True
    else:
        raise SlackError("users_list_not_supplied")
    body: JSON = {
        "ok": True,
        "channel": channel.to_slack() if flag(args.get("return_im")) else {"id": channel.id},
    }
    if existed:
        body.update(no_op=True, already_open=True)
    return body


def conversations_info(s: SlackState, args: JSON) -> JSON:
    return {"ok": True, "channel": s.resolve_channel(str(args.get("channel", ""))).to_slack()}


def _window(msgs: list[JSON], args: JSON) -> list[JSON]:
    inclusive = flag(args.get("inclusive"))
    oldest, latest = args.get("oldest"), args.get("latest")

    def keep(m: JSON) -> bool:
        key = _ts_key(m["ts"])
        if oldest and (key < _ts_key(oldest) or (key == _ts_key(oldest) and not inclusive)):
            return False
        return not (
            latest and (key > _ts_key(latest) or (key == _ts_key(latest) and not inclusive))
        )

    return [m for m in msgs if keep(m)]


def conversations_history(s: SlackState, args: JSON) -> JSON:
    channel = s.resolve_channel(str(args.get("channel", "")))
    msgs = _window(s.messages(channel.id), args)
    return {**_page(msgs[::-1], args), "pin_count": 0}


def conversations_replies(s: SlackState, args: JSON) -> JSON:
    channel = s.resolve_channel(str(args.get("channel", "")))
    if not args.get("ts"):
        raise SlackError("invalid_arguments", ["[ERROR] missing required field: ts"])
    msg = s.find_message(channel.id, str(args["ts"]))
    if msg is None:
        raise SlackError("thread_not_found")
    thread = s.thread(channel.id, str(msg.get("thread_ts") or msg["ts"]))
    return _page(_window(thread, args), args)


def users_info(s: SlackState, args: JSON) -> JSON:
    user = s.users.get(str(args.get("user", "")))
    if user is None:
        raise SlackError("user_not_found")
    out = user.to_slack(s.team_id)
    if user.locale and str(args.get("include_locale", "")).lower() in ("1", "true"):
        out["locale"] = user.locale  # Slack answers the client's language only when asked
    return {"ok": True, "user": out}


def _checked_view(args: JSON, expected_type: str | None) -> JSON:
    view = args.get("view")
    errors = check_view(view, expected_type=expected_type)
    if errors:
        raise SlackError("invalid_arguments", errors)
    assert isinstance(view, dict)
    return view


def _claim_external_id(s: SlackState, payload: JSON, own: str | None = None) -> None:
    ext = payload.get("external_id")
    if ext and any(v.payload.get("external_id") == ext and v.id != own for v in _live(s)):
        raise SlackError("duplicate_external_id")


def _live(s: SlackState) -> list[View]:
    ids = {v for stack in s.stacks.values() for v in stack} | set(s.homes.values())
    return [s.views[v] for v in ids]


def _new_view(s: SlackState, user: str, payload: JSON, root: str | None, prev: str | None) -> View:
    view_id = s.new_id("V")
    view = View(view_id, user, payload, s.new_hash(), root or view_id, prev)
    s.views[view_id] = view
    return view


def views_open(s: SlackState, args: JSON) -> JSON:
    payload = _checked_view(args, "modal")
    _claim_external_id(s, payload)
    user = s.consume_trigger(str(args["trigger_id"]))
    view = _new_view(s, user, payload, None, None)
    s.stacks[user] = [view.id]
    return {"ok": True, "view": s.view_json(view)}


def views_push(s: SlackState, args: JSON) -> JSON:
    payload = _checked_view(args, "modal")
    _claim_external_id(s, payload)
    user = s.consume_trigger(str(args["trigger_id"]))
    stack = s.stacks.get(user, [])
    if not stack:
        raise SlackError("not_found", ["[ERROR] no modal is open to push onto"])
    if len(stack) >= VIEW_STACK_MAX:
        raise SlackError("push_limit_reached")
    view = _new_view(s, user, payload, stack[0], stack[-1])
    stack.append(view.id)
    return {"ok": True, "view": s.view_json(view)}


def views_update(s: SlackState, args: JSON) -> JSON:
    view_id, ext = args.get("view_id"), args.get("external_id")
    if not view_id and not ext:
        raise SlackError("invalid_arguments", ["[ERROR] missing required field: view_id"])
    if "view" not in args:
        raise SlackError("invalid_arguments", ["[ERROR] missing required field: view"])
    live = _live(s)
    view = next(
        (v for v in live if v.id == view_id or (ext and v.payload.get("external_id") == ext)), None
    )
    if view is None:
        raise SlackError("not_found")
    payload = _checked_view(args, str(view.payload.get("type")))
    _claim_external_id(s, payload, own=view.id)
    if args.get("hash") and args["hash"] != view.hash:
        raise SlackError("hash_conflict")
    view.payload, view.hash = payload, s.new_hash()
    return {"ok": True, "view": s.view_json(view)}


def views_publish(s: SlackState, args: JSON) -> JSON:
    payload = _checked_view(args, "home")
    user = str(args["user_id"])
    if user not in s.users:
        raise SlackError("invalid_arguments", ["invalid `user_id`"])
    current = s.views.get(s.homes.get(user, ""))
    if current is not None and args.get("hash") and args["hash"] != current.hash:
        raise SlackError("hash_conflict")
    if current is None:
        current = _new_view(s, user, payload, None, None)
        s.homes[user] = current.id
    current.payload, current.hash = payload, s.new_hash()
    return {"ok": True, "view": s.view_json(current)}


def respond(s: SlackState, token: str, body: JSON) -> JSON:
    """A post to a response URL: in_channel / ephemeral reply, replace or delete the original."""
    url = s.use_response_url(token)
    channel = s.resolve_channel(url.channel, allow_user=True)
    original = s.find_message(channel.id, url.message_ts) if url.message_ts else None
    if flag(body.get("delete_original")):
        if original is not None:
            s.delete_message(channel.id, original["ts"])
        return {"ok": True}
    problem = check_message(body)
    if problem is not None:
        raise SlackError(problem[0], problem[1], status=400)
    if flag(body.get("replace_original")) and original is not None:
        original.update(_content(body), edited={"user": s.bot_user_id, "ts": s.next_ts()})
        if "blocks" not in body:
            original.pop("blocks", None)
    elif body.get("response_type") == "in_channel":
        thread_ts = str(body["thread_ts"]) if body.get("thread_ts") else None
        s.add_message(channel.id, _bot_message(s, body), thread_ts=thread_ts)
    else:
        source = "response_url:replace" if flag(body.get("replace_original")) else "response_url"
        add_ephemeral(s, channel, url.user, body, source)
    return {"ok": True}


HANDLERS: dict[str, Handler] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.getPermalink": chat_get_permalink,
    "conversations.open": conversations_open,
    "conversations.info": conversations_info,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "users.info": users_info,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
MODELLED_METHODS: frozenset[str] = frozenset(HANDLERS)
