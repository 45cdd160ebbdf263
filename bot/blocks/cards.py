"""The agreement card, its thread events and task DMs (Block Kit, built from the declarations)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.blocks.catalogue_offer import deviation_lines, pending_line
from bot.blocks.context import StepRef
from bot.blocks.ids import ActionId, BlockId
from bot.blocks.kit import (
    Block,
    Safe,
    actions,
    button,
    confirm_dialog,
    context,
    escape,
    header,
    section,
)
from bot.blocks.measure_home import card_service_line, gap_lines
from bot.flows.behaviour import template_key
from bot.flows.forms import ui_of
from bot.flows.process import (
    ACTION_BY_ID,
    REDRAFTS,
    STANDING_BUTTONS,
    STEP_BY_ID,
    Action,
    Status,
)
from bot.flows.roles import Role
from bot.flows.tiers import Tier
from bot.i18n import t, truncate
from bot.render.words import role_names, status_text, value_words, zh
from store.desk import Card
from store.home_attainment import HomeFigure


def verb(act: Action, locale: str) -> str:
    return act.verb_zh if zh(locale) else act.verb_en


def step_title(action_id: str, locale: str) -> str:
    act = ACTION_BY_ID[action_id]
    return STEP_BY_ID[act.step].title(locale)


def when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at else "-"


def mention(user: str | None) -> Safe:
    if not user:
        return Safe("-")
    if user == "system":
        return Safe("scheduler")
    return Safe(f"<@{escape(user)}>")


def action_buttons(
    agreement_id: str, action_id: str, lock_version: int | None, locale: str
) -> list[dict[str, Any]]:
    """The buttons that start `action_id`: one "do it" button, or decision buttons."""
    act = ACTION_BY_ID[action_id]
    if act.system:
        return []
    if act.choices:
        out = []
        for choice in act.choices:
            ref = StepRef(a=agreement_id, s=action_id, v=lock_version, d=choice.value)
            one_click = choice.one_click
            key = choice.label_key
            confirm = (
                confirm_dialog(
                    step_title(action_id, locale),
                    f"{t(key, locale)} · {agreement_id}",
                    t(key, locale),
                    t("button_cancel", locale),
                )
                if one_click
                else None
            )
            out.append(
                button(
                    f"{t(key, locale)} · {act.step}",
                    ActionId.APPROVE if one_click else ActionId.OPEN_STEP,
                    ref.dumps(),
                    style=choice.style,
                    confirm=confirm,
                )
            )
        return out
    ref = StepRef(a=agreement_id, s=action_id, v=lock_version)
    return [
        button(
            f"{act.step} · {verb(act, locale)}", ActionId.OPEN_STEP, ref.dumps(), style="primary"
        )
    ]


def redraft_buttons(
    agreement_id: str, pending: Sequence[str], lock_version: int | None, locale: str
) -> list[dict[str, Any]]:
    """ "Redraft SLA" (M4) while M5 is open, "Redraft additional SLA" (C2) while C3 is."""
    return [
        button(
            f"{t(template_key('button_redraft', aid), locale)} · {ACTION_BY_ID[aid].step}",
            ActionId.OPEN_STEP,
            StepRef(a=agreement_id, s=aid, v=lock_version).dumps(),
        )
        for aid in REDRAFTS
        if aid not in pending and any(p in pending for p in ACTION_BY_ID[aid].redraft_while)
    ]


def card_blocks(
    card: Card, locale: str, *, due: str | None = None, service_level: HomeFigure | None = None
) -> tuple[str, list[Block]]:
    """The agreement's parent message: (fallback text, blocks)."""
    tier = Tier(card.tier).label(locale) if card.tier else "-"
    current, status = card.current_in(locale), status_text(card.status, locale)
    fields = [
        # between steps (in service, archived) the step would only repeat the status
        *([t("card_step", locale, current=current)] if current != status else []),
        t("card_status", locale, status=status),
        t("card_tier", locale, tier=tier),
        t(
            "card_owner",
            locale,
            owner=mention(card.owner) if card.owner else t("card_no_owner", locale),
        ),
        t("card_sales", locale, sales=mention(card.sales_user)),
    ]
    if card.start_date or card.end_date:
        fields.append(
            t("card_term", locale, start=card.start_date or "-", end=card.end_date or "-")
        )
    if due:
        fields.append(t("card_due", locale, due=due))
    if card.sla_version:
        fields.append(t("card_version", locale, version=card.sla_version))
    blocks: list[Block] = [
        header(f"{card.id} · {card.customer}"),
        section(fields=fields),
    ]
    if card.pending_sla is not None:
        blocks.append(context(pending_line(card.pending_sla, card.sla_version, locale)))
    if service_level is not None:
        blocks.append(context(card_service_line(service_level, locale)))
    buttons: list[dict[str, Any]] = []
    for aid in card.pending:
        buttons += action_buttons(card.id, aid, card.lock_version, locale)
    for aid in STANDING_BUTTONS:
        if aid not in card.pending and Status(card.status) in ACTION_BY_ID[aid].standing_in:
            buttons += action_buttons(card.id, aid, card.lock_version, locale)
    buttons += redraft_buttons(card.id, card.pending, card.lock_version, locale)
    buttons.append(
        button(t("card_details", locale), ActionId.SHOW, StepRef(a=card.id, s="show").dumps())
    )
    blocks += actions(buttons, BlockId.CARD_ACTIONS)
    if card.waiting_heads or card.waiting_olas:
        from bot.blocks.department_blocks import waiting_lines

        blocks.append(context(*waiting_lines(card.waiting_heads, card.waiting_olas, locale)))
    if card.sla_doc:
        blocks.append(context(t("card_sla_link", locale, number=card.sla_doc, id=card.id)))
    if card.last_action:
        blocks.append(context(last_line(card, locale)))
    text = t(
        "card_fallback", locale, id=card.id, customer=card.customer, current=card.current_in(locale)
    )
    return text, blocks


def _choice_text(choices: Sequence[tuple[str, str, str]], value: Any, locale: str) -> str:
    """The label of each chosen value in the reader's language (a value no longer offered
    shows as it is)."""
    labels = {v: (z if zh(locale) else e) for v, e, z in choices}
    values = value if isinstance(value, list) else [value]
    return ("、" if zh(locale) else ", ").join(labels.get(str(v), str(v)) for v in values)


#: figures a step record keeps beside its form (T6 compares with the budget)
DERIVED: dict[str, tuple[str, str]] = {
    "budget_m9": ("Budget of the initiation report (M9)", "立项报告（M9）预算"),
    "variance": ("Variance (actual - planned)", "差异（实际-计划）"),
    "variance_pct": ("Variance %", "差异 %"),
}


def summary_lines(
    action_id: str, data: Mapping[str, Any], locale: str, *, limit: int = 20
) -> list[str]:
    """The data of a step record, every field labelled from the form's UI metadata, then the
    derived figures (T6's variance)."""
    act = ACTION_BY_ID[action_id]
    lines: list[str] = []
    for name, (en, zh_label) in DERIVED.items():
        if data.get(name) not in (None, "") and name not in act.form.model_fields:
            label = zh_label if zh(locale) else en
            lines.append(f"• *{label}*: {escape(str(data[name]))}")
    derived, lines = lines, []
    for name, info in act.form.model_fields.items():
        value = data.get(name)
        if value in (None, "", [], {}):
            continue
        try:
            label = ui_of(info).label(locale)
        except LookupError:
            label = name
        if label != name and ui_of(info).widget.value == "user":
            shown = ", ".join(mention(u) for u in (value if isinstance(value, list) else [value]))
        elif label != name and ui_of(info).choices:  # a choice reads as its label
            shown = escape(truncate(_choice_text(ui_of(info).choices, value, locale), 200))
        else:
            shown = escape(truncate(value_words(value), 200))
        lines.append(f"• *{label}*: {shown}")
        if len(lines) >= limit:
            break
    return lines + derived


def event_blocks(
    payload: Mapping[str, Any],
    *,
    agreement_id: str,
    data: Mapping[str, Any],
    documents: Sequence[str],
    lock_version: int | None,
    locale: str,
) -> tuple[str, list[Block]]:
    """A thread reply for one transition, with the approval buttons it opens."""
    action_id = str(payload["action"])
    act = ACTION_BY_ID[action_id]
    branch = next((b for b in act.branches if b.key == payload.get("branch")), None)
    branch_text = (branch.zh if zh(locale) else branch.en) if branch else ""
    line = t(
        "event_line",
        locale,
        step=step_title(action_id, locale),
        verb=verb(act, locale),
        branch=branch_text,
        actor=mention(str(payload.get("actor") or "")),
    )
    body = [
        line,
        *summary_lines(action_id, data, locale),
        *deviation_lines(data, locale),
        *gap_lines(data, locale),
    ]
    blocks: list[Block] = [section("\n".join(body))]
    extra = []
    if documents:
        extra.append(t("event_documents", locale, documents=", ".join(documents)))
    skipped = list(payload.get("skipped") or [])
    if skipped:
        extra.append(
            t("event_skipped", locale, steps=", ".join(step_title(s, locale) for s in skipped))
        )
    opened = [o for o in payload.get("opened") or [] if not ACTION_BY_ID[o].system]
    if opened:
        extra.append(
            t("event_next", locale, steps=", ".join(step_title(o, locale) for o in opened))
        )
    status = payload.get("status")
    if status and branch and branch.status is not None:
        extra.append(t("event_status", locale, status=status_text(str(status), locale)))
    if extra:
        blocks.append(context(*extra))
    buttons: list[dict[str, Any]] = []
    for o in opened:
        if ACTION_BY_ID[o].choices:  # approvals live in the thread
            buttons += action_buttons(agreement_id, o, lock_version, locale)
    if buttons:
        blocks += actions(buttons)
    return truncate(line, 3000), blocks


def task_blocks(
    agreement_id: str,
    customer: str,
    action_id: str,
    lock_version: int | None,
    locale: str,
    *,
    held: Iterable[Role] = (),
    because: Sequence[str] | None = None,
) -> tuple[str, list[Block]]:
    """The DM to an assignee of a new task, with its action button(s). "Because you hold"
    names the recipient's roles (`held`) that the step takes, else all of theirs; the named
    O&M service owner's steps (M9, M10) say so instead (`because` holds "owner")."""
    act = ACTION_BY_ID[action_id]
    agreement = Safe(f"{agreement_id} · {escape(customer)}")
    text = t("task_dm", locale, step=step_title(action_id, locale), agreement=agreement)
    mine = set(held)
    roles = [r for r in Role if r in mine and r in act.roles] or [r for r in Role if r in mine]
    blocks: list[Block] = [section(text)]
    if because and "owner" in because:
        blocks.append(context(t("task_owner", locale)))
    elif roles:
        blocks.append(context(t("task_roles", locale, roles=role_names(roles, locale))))
    blocks += actions(
        action_buttons(agreement_id, action_id, lock_version, locale), BlockId.TASK_ACTIONS
    )
    fallback = t(
        "task_dm_fallback", locale, step=step_title(action_id, locale), agreement=agreement
    )
    return fallback, blocks


def informed_blocks(
    payload: Mapping[str, Any],
    *,
    agreement_id: str,
    customer: str,
    data: Mapping[str, Any],
    documents: Sequence[str],
    locale: str,
) -> tuple[str, list[Block]]:
    """A DM that tells someone what happened (no task): the event, as in the card's thread."""
    agreement = f"{agreement_id} · {escape(customer)}"
    head = t("informed_dm", locale, agreement=agreement)
    _, blocks = event_blocks(
        payload,
        agreement_id=agreement_id,
        data=data,
        documents=documents,
        lock_version=None,
        locale=locale,
    )
    return truncate(head, 3000), [section(head), *blocks]


def last_line(card: Card, locale: str) -> str:
    """The card's last change: a step by its id (`M10 by @x`), anything else (an incident, a
    role, a signature) in the history's words."""
    if card.last_action in ACTION_BY_ID:
        return t(
            "card_updated",
            locale,
            action=card.last_action,
            actor=mention(card.last_actor),
            at=when(card.last_at),
        )
    from bot.history import event_words

    words = event_words(
        {
            "kind": card.last_action,
            "actor": card.last_actor,
            "step": card.last_step,
            "data": card.last_data,
        },
        locale,
        mention=mention,
        escape=escape,
    )
    return t("card_updated_words", locale, words=Safe(words), at=when(card.last_at))
