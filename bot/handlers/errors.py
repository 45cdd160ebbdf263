"""Domain errors as the words a Slack user reads (bot.render.errors, people as mentions);
unexpected errors tagged with an id."""

from __future__ import annotations

import logging
import uuid

from bot.blocks.cards import mention
from bot.flows.errors import DomainError
from bot.flows.process import ACTION_BY_ID, STEP_BY_ID
from bot.render.errors import error_text
from bot.render.words import zh

log = logging.getLogger("slm_bot.errors")


def user_text(exc: DomainError, locale: str) -> str:
    """The Slack surface's one wording of a domain error (people as mentions)."""
    return error_text(exc, locale, person=mention)


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
