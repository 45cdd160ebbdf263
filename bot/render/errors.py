"""Domain errors in the reader's language: `err_<code>` templates filled from the error's
parameters. Every surface (Slack, the command line, HTTP) words errors through here; each
passes how it shows a person (a Slack mention, a plain user id)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.field_errors import localized_summary
from bot.flows.errors import (
    AgreementClosed,
    AlreadyDone,
    DomainError,
    FormInvalid,
    PermissionDenied,
    ProcessRunning,
)
from bot.flows.integrity import RUNNING
from bot.flows.process import ACTION_BY_ID, STATUS_NAMES, STEP_BY_ID, Status
from bot.i18n import Safe, catalogue, escape, t
from bot.render.words import role_names, status_text, zh

Person = Callable[[str | None], str]


def plain(user: str | None) -> str:
    return user or "-"


def what(action: str, locale: str) -> str:
    """ "M9 · approve the initiation report": the step and the action's verb."""
    act = ACTION_BY_ID.get(action)
    if act is None:
        return action
    name = act.verb_zh if zh(locale) else act.verb_en
    return f"{act.step} · {name if zh(locale) else name[:1].lower() + name[1:]}"


def where(params: dict[str, Any], locale: str) -> str:
    """Where the agreement is: its current step's title, else its status."""
    step = params.get("step")
    if step in STEP_BY_ID:
        return STEP_BY_ID[step].title(locale)
    status = params.get("status")
    if status in set(Status):
        en, zh_name = STATUS_NAMES[Status(status)]
        return zh_name if zh(locale) else en
    return "-"


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at else "-"


def error_text(exc: DomainError, locale: str, *, person: Person = plain) -> str:
    """The error as a sentence in `locale` (`person` shows a user id)."""
    if isinstance(exc, PermissionDenied) and not exc.reason:
        return t(
            "err_permission",
            locale,
            roles=role_names(exc.needed, locale),
            what=what(exc.action, locale),
        )
    if isinstance(exc, AlreadyDone):
        if exc.by or exc.at:
            return t("err_already_done", locale, by=person(exc.by), at=_when(exc.at))
        return t("err_already_done_unknown", locale)
    if isinstance(exc, FormInvalid):
        return t("err_form", locale, errors=localized_summary(exc, locale))
    if isinstance(exc, ProcessRunning):
        return running_text(exc, locale, person=person)
    if isinstance(exc, AgreementClosed):
        return t(
            "err_agreement_closed",
            locale,
            what=what(exc.action, locale),
            status=status_text(exc.status, locale),
        )
    key = f"err_{exc.code}"
    if key not in catalogue(locale):
        return t("err_refused", locale)
    params = dict(exc.params)
    if isinstance(exc, PermissionDenied):
        params.setdefault("action", exc.action)
    return t(key, locale, **_words(params, locale, person))


def _words(params: dict[str, Any], locale: str, person: Person) -> dict[str, Any]:
    """The parameters as words: actions by step and verb, roles by name, people as the
    surface shows them, a position."""
    out = dict(params)
    if "owner" in params:
        out["owner"] = person(params["owner"])
    if "handover" in params:
        out["handover"] = what(str(params["handover"]), locale)
    if "action" in params:
        out["what"] = what(str(params["action"]), locale)
    if "roles" in params:
        out["roles"] = role_names(params["roles"], locale)
    if "open" in params:
        sep = "、" if zh(locale) else " or "
        out["open"] = sep.join(what(a, locale) for a in params["open"])
    for who in ("head", "signer"):
        if params.get(who) and params[who] != "-":
            out[who] = person(params[who])
    if "waiting" in params:  # the OLAs M10 waits for: department (signer)
        sep = "、" if zh(locale) else ", "
        out["waiting"] = Safe(
            sep.join(f"{escape(str(d))} ({person(u) if u else '-'})" for d, u in params["waiting"])
        )
    out["where"] = where(params, locale)
    return out


def running_text(exc: ProcessRunning, locale: str, *, person: Person = plain) -> str:
    """What runs, since when, and how to end it, in the user's language."""
    run = RUNNING[Status(exc.status)]
    return t(
        "err_process_running",
        locale,
        what=what(exc.action, locale),
        running=run.zh if zh(locale) else run.en,
        since=_when(exc.since) if exc.since else "",
        by=person(exc.by) if exc.by else "",
        ends=run.ends_zh if zh(locale) else run.ends_en,
        withdraw=what(run.withdraw, locale),
    )


def cli_error_text(exc: DomainError, locale: str) -> str:
    """The error for an operator at the command line: ids, not titles (`cli_err_<code>`)."""
    p: dict[str, Any] = dict(exc.params)
    p["code"] = exc.code
    p["where"] = where(p, locale)
    if isinstance(exc, PermissionDenied):
        p["action"] = exc.action
        p["role_ids"] = " or ".join(r.value for r in (p.get("roles") or exc.needed))
        if not exc.needed and not exc.reason:
            p["role_ids"] = "the system"
    if "open" in p:
        p["open_ids"] = " or ".join(p["open"])
    if isinstance(exc, AlreadyDone):
        p.update(action=exc.action, by=exc.by or "", at=_when(exc.at) if exc.at else "")
    if isinstance(exc, ProcessRunning):
        run = RUNNING[Status(exc.status)]
        p.update(
            action=exc.action,
            running=run.zh if zh(locale) else run.en,
            ends=run.ends_zh if zh(locale) else run.ends_en,
            withdraw=run.withdraw,
            since=_when(exc.since) if exc.since else "",
            by=exc.by or "",
        )
    if isinstance(exc, AgreementClosed):
        p.update(
            action=exc.action, status=exc.status, status_name=where({"status": exc.status}, locale)
        )
    key = f"cli_err_{exc.code}"
    if key not in catalogue(locale):
        key = "cli_err_refused"
    return t(key, locale, **p)
