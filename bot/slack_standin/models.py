"""The stand-in's records: users, channels, recorded calls, faults, views, and Slack's errors."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Literal

JSON = dict[str, Any]
FaultKind = Literal["rate_limit", "server_error", "error", "delay"]
FAULT_KINDS: tuple[str, ...] = ("rate_limit", "server_error", "error", "delay")

# Errors that mean the caller broke the API contract (a bug in the bot, never a scenario).
VIOLATION_ERRORS = frozenset(
    {
        "unknown_method",
        "invalid_arguments",
        "not_authed",
        "invalid_auth",
        "invalid_json",
        "json_not_object",
        "invalid_form_data",
        "invalid_blocks",
        "invalid_blocks_format",
        "no_text",
        "msg_too_long",
        "users_list_not_supplied",
    }
)


class SlackError(Exception):
    """A Slack error answer: `{"ok": false, "error": ...}` (HTTP `status`, 200 like Slack)."""

    def __init__(self, error: str, messages: list[str] | None = None, status: int = 200) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []
        self.status = status

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": list(self.messages)}
        return body


@dataclass
class User:
    id: str
    name: str
    real_name: str = ""
    email: str = ""
    tz: str = "Asia/Shanghai"
    locale: str = ""  # the Slack client's language ("" in tests that do not set one)
    is_bot: bool = False
    is_admin: bool = False
    deleted: bool = False

    def to_slack(self, team_id: str) -> JSON:
        real = self.real_name or self.name
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": real,
            "tz": self.tz,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "profile": {
                "real_name": real,
                "real_name_normalized": real,
                "display_name": self.name,
                "display_name_normalized": self.name,
                "email": self.email,
                "team": team_id,
            },
        }


@dataclass
class Channel:
    id: str
    name: str
    kind: Literal["channel", "group", "im", "mpim"] = "channel"
    members: list[str] | None = None  # None: every user of the workspace
    user: str | None = None  # for an IM: the other party
    created: int = 0
    topic: str = ""
    purpose: str = ""

    def to_slack(self) -> JSON:
        if self.kind == "im":
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "created": self.created,
            "is_channel": self.kind == "channel",
            "is_group": self.kind == "group",
            "is_im": False,
            "is_mpim": self.kind == "mpim",
            "is_private": self.kind != "channel",
            "is_archived": False,
            "is_general": self.name == "general",
            "is_member": True,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
        }


@dataclass(frozen=True)
class Call:
    """One recorded call: an API method, or `response_url` for a post to a response URL."""

    seq: int
    method: str
    args: JSON
    time: float
    status: int
    response: JSON

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return str(error) if error is not None else None

    @property
    def violation(self) -> bool:
        return self.error in VIOLATION_ERRORS


@dataclass
class Fault:
    """An injected failure; `times=None` fires forever. `hits` counts how often it fired."""

    kind: FaultKind
    method: str | None = None  # None: any method
    channel: str | None = None  # only calls whose `channel` argument is this
    times: int | None = 1
    retry_after: int = 1
    status: int = 500
    error: str = "fatal_error"
    delay: float = 0.0
    hits: int = 0
    #: the share of matching calls that fail (1.0: every one); drawn from `rng`
    probability: float = 1.0
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    def matches(self, method: str, args: JSON) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method != method:
            return False
        if self.channel is not None and args.get("channel") != self.channel:
            return False
        return self.probability >= 1.0 or self.rng.random() < self.probability


@dataclass
class View:
    id: str
    user: str
    payload: JSON
    hash: str
    root_view_id: str
    previous_view_id: str | None = None


@dataclass
class Trigger:
    user: str
    issued: float
    used: bool = False


@dataclass
class ResponseUrl:
    channel: str
    user: str
    message_ts: str | None
    issued: float
    uses: int = 0
