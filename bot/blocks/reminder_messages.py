"""Reminder messages (expiry, reviews, stale tasks, escalations), with their buttons."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.blocks.cards import mention, step_title
from bot.blocks.context import StepRef
from bot.blocks.ids import ActionId
from bot.blocks.kit import Block, actions, button, context, section
from bot.flows.reminders import EXPIRY_ESCALATION, EXPIRY_OFFERS, Offer
from bot.i18n import join, t


def local_time(iso: str) -> str:
    """An instant as the reader's wall clock would show it (the service's zone)."""
    from datetime import datetime

    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M %Z").strip()


def snooze_buttons(reminder_id: int, locale: str) -> list[dict[str, Any]]:
    return [
        button(
            t(f"reminder_snooze_{n}", locale),
            ActionId.SNOOZE,
            json.dumps({"r": reminder_id, "n": n}),
        )
        for n in (1, 3)
    ]


def _open(
    agreement_id: str,
    action: str,
    label: str,
    decision: str | None = None,
    style: str | None = None,
) -> dict[str, Any]:
    ref = StepRef(a=agreement_id, s=action, d=decision)
    return button(label, ActionId.OPEN_STEP, ref.dumps(), style=style)


def _offer(agreement_id: str, o: Offer, locale: str) -> dict[str, Any]:
    label = t(o.label_key, locale) if o.label_key else step_title(o.action, locale)
    return _open(agreement_id, o.action, label, o.preset, o.style)


def reminder_line(p: Mapping[str, Any], agreement: str, locale: str) -> str:
    kind = str(p["kind"])
    if kind == "expiry":
        return t("reminder_expiry", locale, agreement=agreement, end=p["end"])
    if kind == "expiry_slm":
        return t("reminder_expiry_slm", locale, agreement=agreement, end=p["end"])
    if kind == "review":
        return t(
            "reminder_review",
            locale,
            agreement=agreement,
            step=step_title(str(p["step"]), locale),
            due=p["due"],
        )
    if kind == "review_overdue":
        return t(
            "reminder_review_overdue",
            locale,
            agreement=agreement,
            step=step_title(str(p["step"]), locale),
            due=p["due"],
        )
    if kind == "stale":
        return t(
            "reminder_stale",
            locale,
            agreement=agreement,
            step=step_title(str(p["action"]), locale),
            since=p["since"],
        )
    if kind == "escalate":
        who = join(", ", (mention(u) for u in p.get("assignees") or []))
        return t(
            "reminder_escalate",
            locale,
            agreement=agreement,
            step=step_title(str(p["action"]), locale),
            since=p["since"],
            who=who or "-",
        )
    if kind == "breach":
        return breach_line(p, agreement, locale)
    if kind == "deemed":
        return t("reminder_deemed", locale, agreement=agreement)
    return t("reminder_generic", locale, agreement=agreement, kind=kind)


def breach_line(p: Mapping[str, Any], agreement: str, locale: str) -> str:
    """M11: a resolution clock or the month's downtime budget reached a threshold."""
    level = "breach_reached" if int(p["threshold"]) >= 100 else "breach_nearing"
    head = t(level, locale, threshold=p["threshold"])
    if p.get("subject") == "budget":
        return t(
            "breach_budget",
            locale,
            head=head,
            agreement=agreement,
            period=p["period"],
            down=p["down_min"],
            budget=p["budget_min"],
            target=p["target"],
        )
    return t(
        "breach_resolution",
        locale,
        head=head,
        agreement=agreement,
        incident=p["incident"],
        priority=p["priority"],
        summary=str(p["summary"]),
        elapsed=p["elapsed_min"],
        target=p["target_min"],
        due=local_time(str(p["due"])),
    )


def reminder_blocks(
    p: Mapping[str, Any],
    agreement_id: str,
    customer: str,
    locale: str,
    *,
    with_buttons: bool = True,
) -> tuple[str, list[Block]]:
    agreement = f"{agreement_id} · {customer}" if customer else agreement_id
    text = reminder_line(p, agreement, locale)
    if p.get("snoozed"):
        text = t("reminder_snoozed_prefix", locale) + " " + text
    blocks: list[Block] = [section(text)]
    if not with_buttons:
        return text, blocks
    kind = str(p["kind"])
    els: list[dict[str, Any]] = []
    if kind == "expiry":
        els = [_offer(agreement_id, o, locale) for o in EXPIRY_OFFERS]
    elif kind == "expiry_slm":
        els = [_offer(agreement_id, o, locale) for o in EXPIRY_ESCALATION]
    elif kind == "review":
        els = [
            _open(
                agreement_id,
                str(p["step"]),
                step_title(str(p["step"]), locale)[:75],
                style="primary",
            )
        ]
    elif kind == "stale":
        els = [
            _open(
                agreement_id,
                str(p["action"]),
                step_title(str(p["action"]), locale)[:75],
                style="primary",
            )
        ]
    if p.get("reminder") and kind in ("expiry", "review", "stale", "expiry_slm"):
        els += snooze_buttons(int(p["reminder"]), locale)
    if els:
        blocks += actions(els)
    return text, blocks


def grouped_blocks(
    items: Sequence[Mapping[str, Any]], customers: Mapping[str, str], locale: str
) -> tuple[str, list[Block]]:
    """Many reminders for one person (a catch-up after downtime): one message."""
    head = t("reminders_grouped", locale, count=len(items))
    lines = []
    for p in items[:40]:
        aid = str(p.get("agreement_id") or "")
        agreement = f"{aid} · {customers.get(aid, '')}".rstrip(" ·")
        lines.append("• " + reminder_line(p, agreement, locale))
    blocks: list[Block] = [section(f"*{head}*"), section("\n".join(lines)[:2900])]
    if len(items) > 40:
        blocks.append(context(t("reminders_more", locale, count=len(items) - 40)))
    blocks.append(context(t("reminders_home", locale)))
    return head, blocks
