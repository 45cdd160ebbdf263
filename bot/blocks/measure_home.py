"""App Home's service levels (M11): this month's availability of the person's agreements
against target, the downtime budget left and the incidents open or over target, each with the
Explain button."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from bot.blocks.ids import ActionId
from bot.blocks.kit import Block, button, context, divider, escape, header, section
from bot.i18n import Safe, t
from store.home_attainment import HomeFigure


def service_level_blocks(figures: Sequence[HomeFigure], locale: str) -> list[Block]:
    if not figures:
        return []
    blocks: list[Block] = [divider(), header(t("home_service_levels", locale))]
    for f in figures:
        flag = "🚨" if f.budget_left.total_seconds() < 0 else "⚠️" if f.budget_used >= 0.5 else "✅"
        line = t(
            "home_service_level_line",
            locale,
            flag=flag,
            id=f.agreement_id,
            customer=escape(f.customer),
            achieved=str(f.achieved_pct),
            target=str(f.target_pct),
            left=budget_words(f.budget_left, locale),
            open=f.open_incidents,
            over=f.over_target,
        )
        value = json.dumps({"a": f.agreement_id, "p": f.period})
        explain = button(t("attain_explain", locale), ActionId.EXPLAIN, value)
        blocks.append(section(line, accessory=explain))
    blocks.append(context(t("home_service_levels_note", locale, period=figures[0].period)))
    return blocks


def card_service_line(f: HomeFigure, locale: str) -> str:
    """The card's context line: this month's availability and budget (M11)."""
    return t(
        "card_service_level",
        locale,
        period=f.period,
        achieved=str(f.achieved_pct),
        target=str(f.target_pct),
        left=budget_words(f.budget_left, locale),
        open=f.open_incidents,
    )


def gap_lines(data: Mapping[str, Any], locale: str) -> list[str]:
    """M4 and C2's thread reply: where an OLA or a supplier contract is weaker than the draft
    (feasibility at drafting), each with both figures."""
    found = data.get("feasibility_gaps") or []
    if not found:
        return []
    lines = [f"⚠️ *{t('gap_title', locale)}*"]
    for g in found:
        lines.append(
            "• "
            + t(
                f"gap_{g['measure']}",
                locale,
                kind=t(f"gap_kind_{g['kind']}", locale),
                name=escape(str(g["name"])),
                priority=g.get("priority") or "",
                sla=g["sla"],
                underpinning=g["underpinning"],
            )
        )
    return lines


def budget_words(left: timedelta, locale: str) -> Safe:
    """The downtime budget left, or by how much it is exceeded."""
    minutes = left.total_seconds() / 60
    if minutes < 0:
        return t("budget_over", locale, minutes=f"{-minutes:.0f}")
    return t("budget_left", locale, minutes=f"{minutes:.0f}")
