"""What the person who did a step reads right after it (issue 13): "Done: M9 · … on SLA-….
Next: …", or for a new request "SLA-… created for <customer>". Worded from the step's outcome,
in the reader's language, by the handler or, when the step queued it in its own transaction,
by the outbox renderer at send time: one wording either way."""

from __future__ import annotations

from collections.abc import Sequence

from bot.flows.process import ACTION_BY_ID, STEP_BY_ID
from bot.i18n import t
from bot.render.words import zh


def step_name(action: str, locale: str) -> str:
    act = ACTION_BY_ID.get(action)
    return STEP_BY_ID[act.step].title(locale) if act else action


def next_actions(pending: Sequence[str], locale: str) -> str:
    """What is open next, by action ("M9 · Approve the initiation report"), not by step: after
    M9's report the next thing is its approval, still in M9."""
    parts = []
    for aid in pending:
        act = ACTION_BY_ID.get(aid)
        if act is None or act.system:
            continue
        parts.append(f"{act.step} · {act.verb_zh if zh(locale) else act.verb_en}")
    return ("、" if zh(locale) else ", ").join(parts)


def done_text(
    action: str,
    agreement_id: str,
    pending: Sequence[str],
    locale: str,
    *,
    created_for: str | None = None,
) -> str:
    """The confirmation of a step (`created_for`: the customer of a new request, M1)."""
    nxt = next_actions(pending, locale) or t("done_nothing_next", locale)
    if created_for is not None:
        return t("done_created", locale, agreement=agreement_id, customer=created_for, next=nxt)
    return t(
        "done_action", locale, step=step_name(action, locale), agreement=agreement_id, next=nxt
    )
