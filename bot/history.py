"""The audit log in words: each event as what happened, with the branch taken, in the reader's
language ("M9 · initiation report approved by @Mei Lin", "Agreement created by @Sasha Sales").

Every kind of audit event has a template in `templates/history.<locale>.yaml`: a process action
has one per branch (`history.M9.review.approve`), other kinds one each (`history.role.grant`).
A kind without a template still reads as words (`history.other`), never as a bare id, and a
test fails until it gets its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import UndefinedError

from bot.flows.departments import ACKNOWLEDGE, ANSWER, DIRECTORY, QUERY, SIGN
from bot.flows.process import ACTIONS
from bot.flows.roles import Role
from bot.flows.sla_versions import SWITCH_ACTION
from bot.i18n import Safe, catalogue, t
from bot.i18n import escape as escape_text

#: audit kinds written outside the process declarations (`AuditEvent.action`)
OTHER_KINDS = (
    "agreement.create",
    "M11.improvement_done",
    "catalogue.save",
    SWITCH_ACTION,
    "role.grant",
    "role.revoke",
    "user.locale",
    "documents.backfill",
    "incident.record",
    "incident.correct",
    "incident.resolve",
    ACKNOWLEDGE,
    SIGN,
    QUERY,
    ANSWER,
    DIRECTORY,
)


def event_kinds() -> list[tuple[str, str | None]]:
    """Every (kind, branch) the audit log can hold: one per branch of each action, then the
    other kinds."""
    kinds: list[tuple[str, str | None]] = [(a.id, b.key) for a in ACTIONS for b in a.branches]
    return kinds + [(k, None) for k in OTHER_KINDS]


def template_key(kind: str, branch: str | None, locale: str) -> str | None:
    """The template for an event, most specific first; None when the kind has none."""
    texts = catalogue(locale)
    for key in (f"history.{kind}.{branch}" if branch else None, f"history.{kind}"):
        if key and key in texts:
            return key
    return None


def actor_words(actor: str | None, locale: str, mention: Callable[[str], str]) -> str:
    """Who did it: a person through `mention` (`<@U1>` in Slack), the scheduler in words."""
    if not actor:
        return t("history.nobody", locale)
    if actor == "system" or actor.startswith("system:"):
        named = "history." + actor.replace(":", "_")  # system:alertmanager, system:api
        return t(named if named in catalogue(locale) else "history.system", locale)
    return Safe(mention(actor))  # markup the caller built (a Slack mention, or plain)


def event_words(
    event: Mapping[str, Any],
    locale: str,
    *,
    mention: Callable[[str], str] = Safe,
    escape: Callable[[str], str] = Safe,
) -> str:
    """One audit row as a sentence, prefixed with its step: `M9 · initiation report approved
    by <@U1>`. `event` has kind (or action), step, actor, branch and data; `escape` is applied
    to the values from data (people's text), `mention` to user ids."""
    kind = str(event.get("kind") or event.get("action") or "")
    branch = event.get("branch")
    data = dict(event.get("data") or {})
    who = actor_words(event.get("actor"), locale, mention)
    params: dict[str, str] = {
        k: Safe(escape(_plain(v)))
        for k, v in data.items()
        if isinstance(k, str) and k.isidentifier() and k not in ("key", "locale")
    }
    if "locale" in data:  # a person's language choice
        params["language"] = _LANGUAGES.get(
            str(data["locale"]), t("history.slack_language", locale)
        )
    if data.get("user"):
        params["user"] = actor_words(str(data["user"]), locale, mention)
    if data.get("role") in set(Role):
        params["role"] = Role(data["role"]).label(locale)
    params.update(who=who, kind=kind)
    if data.get("redraft"):  # M4 or C2 again before signing: a redraft, not a first draft
        branch = "redraft"
    key = template_key(kind, str(branch) if branch else None, locale) or "history.other"
    try:
        what = t(key, locale, **params)
    except UndefinedError:  # a template naming data this row lacks: still words, no trace
        key = "history.other"
        what = t(key, locale, who=who, kind=kind)
    step = event.get("step")
    if step and key != "history.agreement.create":
        return Safe(f"{escape_text(str(step))} · {what}")
    return what


_LANGUAGES = {"en": "English", "zh-CN": "简体中文"}


def _plain(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
