"""App Home: the personal desk (my tasks, my agreements, expiring soon, reviews due)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks.cards import action_buttons, step_title
from bot.blocks.context import StepRef
from bot.blocks.ids import ActionId, BlockId
from bot.blocks.kit import (
    MAX_VIEW_BLOCKS,
    Block,
    Safe,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    plain,
    section,
)
from bot.blocks.measure_home import service_level_blocks
from bot.flows.process import ENTRY
from bot.flows.roles import Role
from bot.i18n import LOCALES, t
from bot.render.words import role_names
from store.desk import OpenTask, ReviewDue
from store.home_attainment import HomeFigure
from store.queries import AgreementRow

#: the option that stores no choice: the person's Slack language applies
FOLLOW_SLACK = "slack"
NAMES = {"en": "English", "zh-CN": "简体中文"}  # each language in its own words


def language_block(chosen: str | None, locale: str) -> Block:
    """An actions block with the language select, its current choice pre-selected."""
    options = [{"text": plain(t("home_language_slack", locale)), "value": FOLLOW_SLACK}]
    options += [{"text": plain(NAMES[code]), "value": code} for code in LOCALES]
    current = next(o for o in options if o["value"] == (chosen or FOLLOW_SLACK))
    return {
        "type": "actions",
        "block_id": BlockId.HOME_LANGUAGE,
        "elements": [
            {
                "type": "static_select",
                "action_id": ActionId.HOME_LANGUAGE,
                "placeholder": plain(t("home_language", locale)),
                "options": options,
                "initial_option": current,
            }
        ],
    }


def home_view(
    *,
    roles: set[Role],
    tasks: Sequence[OpenTask],
    mine: Sequence[AgreementRow],
    expiring: Sequence[tuple[int, Sequence[AgreementRow]]],
    reviews: Sequence[ReviewDue],
    locale: str,
    language: str | None = None,
    service_levels: Sequence[HomeFigure] = (),
) -> dict[str, Any]:
    blocks = _top_blocks(roles, locale, language)
    blocks += _task_blocks(tasks, locale)
    blocks += _agreement_blocks(mine, locale)
    blocks += _expiring_blocks(expiring, locale)
    blocks += service_level_blocks(service_levels, locale)
    blocks += _review_blocks(reviews, locale)
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}


def _top_blocks(roles: set[Role], locale: str, language: str | None) -> list[Block]:
    """The title, the viewer's roles, the top buttons and the language picker."""
    blocks: list[Block] = [header(t("home_title", locale))]
    blocks.append(
        context(
            t("home_roles", locale, roles=role_names(sorted(roles), locale))
            if roles
            else t("home_no_roles", locale)
        )
    )
    top = [button(t("home_refresh", locale), ActionId.HOME_REFRESH, "refresh")]
    if Role.SALES in roles:
        top.insert(
            0,
            button(
                t("home_new_request", locale),
                ActionId.NEW_REQUEST,
                StepRef(a="", s=ENTRY).dumps(),
                style="primary",
            ),
        )
    blocks += actions(top, BlockId.HOME_ACTIONS)
    blocks.append(language_block(language, locale))
    return blocks


def _task_blocks(tasks: Sequence[OpenTask], locale: str) -> list[Block]:
    """The viewer's open tasks (the first 15), each with its buttons."""
    blocks: list[Block] = []
    blocks += [divider(), header(t("home_tasks", locale))]
    if not tasks:
        blocks.append(section(t("home_no_tasks", locale)))
    for task in tasks[:15]:
        agreement = Safe(f"{task.agreement_id} · {escape(task.customer)}")
        line = t(
            "home_task_line",
            locale,
            step=step_title(task.action, locale),
            agreement=agreement,
            since=f"{task.opened_at:%Y-%m-%d}",
        )
        buttons = action_buttons(task.agreement_id, task.action, task.lock_version, locale)
        if len(buttons) == 1:
            blocks.append(section(line, accessory=buttons[0]))
        else:
            blocks.append(section(line))
            blocks += actions(buttons)
    return blocks


def _agreement_blocks(mine: Sequence[AgreementRow], locale: str) -> list[Block]:
    """The viewer's agreements (the first 10)."""
    blocks: list[Block] = []
    blocks += [divider(), header(t("home_agreements", locale))]
    if not mine:
        blocks.append(section(t("home_no_agreements", locale)))
    for row in mine[:10]:
        blocks.append(
            section(
                t(
                    "home_agreement_line",
                    locale,
                    id=row.id,
                    customer=escape(row.customer),
                    current=row.current_in(locale),
                ),
                accessory=button(
                    t("card_details", locale), ActionId.SHOW, StepRef(a=row.id, s="show").dumps()
                ),
            )
        )
    return blocks


def _expiring_blocks(
    expiring: Sequence[tuple[int, Sequence[AgreementRow]]], locale: str
) -> list[Block]:
    """Agreements expiring within each horizon, each listed once (the nearest)."""
    blocks: list[Block] = []
    shown: set[str] = set()
    for days, rows in expiring:
        fresh = [r for r in rows if r.id not in shown]
        blocks += [divider(), header(t("home_expiring", locale, days=days))]
        if not fresh:
            blocks.append(context(t("home_none", locale)))
        for row in fresh[:8]:
            shown.add(row.id)
            blocks.append(
                section(
                    t(
                        "home_expiring_line",
                        locale,
                        id=row.id,
                        customer=escape(row.customer),
                        end=row.end_date,
                    )
                )
            )
    return blocks


def _review_blocks(reviews: Sequence[ReviewDue], locale: str) -> list[Block]:
    """The reviews due (the first 10), each with a button that opens it."""
    blocks: list[Block] = []
    blocks += [divider(), header(t("home_reviews", locale))]
    if not reviews:
        blocks.append(context(t("home_none", locale)))
    for r in reviews[:10]:
        kind = t(f"review_kind_{r.kind.lower()}", locale)
        blocks.append(
            section(
                t(
                    "home_review_line",
                    locale,
                    agreement=Safe(f"{r.agreement_id} · {escape(r.customer)}"),
                    kind=kind,
                    due=r.due,
                ),
                accessory=button(
                    step_title(r.kind, locale)[:75],
                    ActionId.OPEN_STEP,
                    StepRef(a=r.agreement_id, s=r.kind).dumps(),
                ),
            )
        )
    return blocks
