"""Domain errors as the words a Slack user reads (bot.render.errors, people as mentions);
unexpected errors tagged with an id."""

from __future__ import annotations

import logging
import uuid

from bot.blocks.cards import mention
from bot.flows.errors import DomainError
from bot.render.errors import error_text

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
