"""Domain errors as the words a Slack user reads; unexpected errors tagged with an id."""

from __future__ import annotations

import logging
import uuid

from bot.field_errors import localized_summary
from bot.flows.errors import (
    AgreementClosed,
    AlreadyDone,
    DomainError,
    FormInvalid,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ProcessRunning,
    StaleVersion,
)
from bot.flows.integrity import RUNNING
from bot.flows.process import ACTION_BY_ID, STEP_BY_ID, Status
from bot.handlers.cards import mention, role_names, status_text, zh
from bot.i18n import t

log = logging.getLogger("slm_bot.errors")


def what(action: str, locale: str) -> str:
    act = ACTION_BY_ID.get(action)
    if act is None:
        return action
    name = act.verb_zh if zh(locale) else act.verb_en
    return f"{act.step} · {name[:1].lower() + name[1:] if not zh(locale) else name}"


def user_text(exc: DomainError, locale: str) -> str:
    if isinstance(exc, PermissionDenied):
        if exc.detail:
            return t("err_permission_detail", locale, detail=exc.detail)
        return t(
            "err_permission",
            locale,
            roles=role_names(exc.needed, locale),
            what=what(exc.action, locale),
        )
    if isinstance(exc, AlreadyDone):
        if exc.by or exc.at:
            at = f"{exc.at:%Y-%m-%d %H:%M} UTC" if exc.at else "-"
            return t("err_already_done", locale, by=mention(exc.by), at=at)
        return t("err_already_done_unknown", locale)
    if isinstance(exc, FormInvalid):
        return t("err_form", locale, errors=localized_summary(exc, locale))
    if isinstance(exc, ProcessRunning):
        return running_text(exc, locale)
    if isinstance(exc, AgreementClosed):
        return t(
            "err_agreement_closed",
            locale,
            what=what(exc.action, locale),
            status=status_text(exc.status, locale),
        )
    if isinstance(exc, StaleVersion | InvalidTransition | NotFound):
        return t("err_not_open", locale, message=str(exc))
    return str(exc)


def running_text(exc: ProcessRunning, locale: str) -> str:
    """What runs, since when, and how to end it, in the user's language."""
    run = RUNNING[Status(exc.status)]
    return t(
        "err_process_running",
        locale,
        what=what(exc.action, locale),
        running=run.zh if zh(locale) else run.en,
        since=f"{exc.since:%Y-%m-%d %H:%M} UTC" if exc.since else "",
        by=mention(exc.by) if exc.by else "",
        ends=run.ends_zh if zh(locale) else run.ends_en,
        withdraw=what(run.withdraw, locale),
    )


def unexpected(exc: BaseException, where: str) -> str:
    """Log an unexpected error with a short id and return the id for the user's message."""
    error_id = uuid.uuid4().hex[:8]
    log.error(
        "unexpected error %s in %s", error_id, where, exc_info=exc, extra={"error_id": error_id}
    )
    return error_id


def step_name(action: str, locale: str) -> str:
    act = ACTION_BY_ID.get(action)
    return STEP_BY_ID[act.step].title(locale) if act else action


def next_actions(pending: tuple[str, ...], locale: str) -> str:
    """What is open next, by action ("M9 · Approve the initiation report"), not by step: after
    M9's report the next thing is its approval, still in M9."""
    parts = []
    for aid in pending:
        act = ACTION_BY_ID.get(aid)
        if act is None or act.system:
            continue
        parts.append(f"{act.step} · {act.verb_zh if zh(locale) else act.verb_en}")
    return ("、" if zh(locale) else ", ").join(parts)
