"""Replies to `/sla` subcommands: help, lists, one agreement, the catalogue, the roles modal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.blocks.cards import mention, step_title
from bot.blocks.catalogue_offer import pending_blocks
from bot.blocks.context import StepRef
from bot.blocks.ids import ActionId
from bot.blocks.kit import (
    MAX_MESSAGE_BLOCKS,
    Block,
    actions,
    button,
    context,
    escape,
    header,
    section,
)
from bot.flows.statuses import ImprovementStatus
from bot.flows.tiers import Tier
from bot.history import event_words
from bot.i18n import join, t
from store.models import CatalogueEntry
from store.queries import AgreementDetail, AgreementRow


def help_blocks(locale: str, *, unknown: str | None = None) -> tuple[str, list[Block]]:
    text = t("help", locale)
    blocks: list[Block] = []
    if unknown:
        blocks.append(section(t("help_unknown", locale, text=escape(unknown[:200]))))
    blocks.append(section(text))
    return text, blocks


def list_blocks(
    rows: Sequence[AgreementRow], which: str, locale: str, *, limit: int = 40
) -> tuple[str, list[Block]]:
    which = t(f"list_which_{which}", locale)  # the filter in the reader's words
    if not rows:
        text = t("list_empty", locale, which=which)
        return text, [section(text)]
    count = f"{limit}+" if len(rows) > limit else str(len(rows))
    title = t("list_title", locale, count=count, which=which)
    blocks: list[Block] = [section(f"*{title}*")]
    details = t("card_details", locale)
    for row in rows[:limit]:
        blocks.append(
            section(
                t(
                    "list_line_end" if row.end_date else "list_line",
                    locale,
                    id=row.id,
                    customer=escape(row.customer),
                    current=row.current_in(locale),
                    end=row.end_date,
                ),
                accessory=button(details, ActionId.SHOW, StepRef(a=row.id, s="show").dumps()),
            )
        )
    if len(rows) > limit:
        blocks.append(context(t("list_more", locale, shown=limit)))
    return title, blocks[:MAX_MESSAGE_BLOCKS]


def waiting_section(
    heads: Sequence[tuple[str, str]], olas: Sequence[tuple[str, str, str]], locale: str
) -> list[Block]:
    """Who has not acknowledged M7 or signed an OLA yet, as a section (none when nobody)."""
    from bot.blocks.department_blocks import waiting_lines

    return [section("\n".join(waiting_lines(heads, olas, locale)))] if heads or olas else []


def show_blocks(d: AgreementDetail, locale: str) -> tuple[str, list[Block]]:
    r = d.row
    blocks: list[Block] = [header(f"{r.id} · {r.customer}"), _facts_section(d, locale)]
    blocks += pending_blocks(d.versions, d.sla_version, locale)
    blocks += _task_blocks(d, locale)
    blocks += waiting_section(d.waiting_heads, d.waiting_olas, locale)  # issue 9, rules 6, 7
    blocks += _accounting_blocks(d, locale)
    blocks += _improvement_blocks(d, locale)
    blocks += _history_blocks(d, locale) + _document_blocks(d, locale)
    text = f"{r.id} · {escape(r.customer)} · {r.current_in(locale)}"
    return text, blocks[:MAX_MESSAGE_BLOCKS]


def _facts_section(d: AgreementDetail, locale: str) -> Block:
    r = d.row
    tier = Tier(r.tier).label(locale) if r.tier else "-"
    return section(
        fields=[
            t("card_step", locale, current=r.current_in(locale)),
            t("card_tier", locale, tier=tier),
            t(
                "card_owner",
                locale,
                owner=mention(r.owner) if r.owner else t("card_no_owner", locale),
            ),
            t("card_sales", locale, sales=mention(r.sales_user)),
            t("card_term", locale, start=d.start_date or "-", end=r.end_date or "-"),
            t("card_version", locale, version=d.sla_version)
            if d.sla_version
            else t("card_version_none", locale),
        ]
    )


def _task_blocks(d: AgreementDetail, locale: str) -> list[Block]:
    if not d.tasks:
        return []
    lines = []
    for task in d.tasks:
        who = join(", ", (mention(u) for u in task["assignees"])) or t("show_nobody", locale)
        lines.append(t("show_task_line", locale, step=step_title(task["action"], locale), who=who))
    return [section(f"*{t('show_tasks', locale)}*\n" + "\n".join(lines))]


def _accounting_blocks(d: AgreementDetail, locale: str) -> list[Block]:
    if not d.accounting:
        return []
    a = d.accounting
    text = t(
        "show_accounting",
        locale,
        planned=a.get("planned_cost") or "-",
        actual=a.get("actual_cost") or "-",
        variance=a.get("variance") or "-",
        pct=a.get("variance_pct") if a.get("variance_pct") is not None else "-",
    )
    return [section(text)]


def _improvement_blocks(d: AgreementDetail, locale: str) -> list[Block]:
    open_items = [i for i in d.improvements if i["status"] == ImprovementStatus.OPEN]
    if not open_items:
        return []
    blocks: list[Block] = [section(f"*{t('show_improvements', locale)}*")]
    for item in open_items[:10]:
        label: str = escape(str(item["description"]))
        if item["needs_change"]:
            label += " " + t("show_improvement_change", locale)
        done = button(
            t("improvement_done_button", locale), ActionId.IMPROVEMENT_DONE, str(item["id"])
        )
        blocks.append(section(f"• {label}", accessory=done))
    return blocks


SHOWN_HISTORY = 15
SHOWN_DOCUMENTS = 40
_LINES_PER_SECTION = 15  # keeps a section's text well under Slack's 3000 characters


def _history_blocks(d: AgreementDetail, locale: str) -> list[Block]:
    """The newest events, each as what happened; the heading says when older ones are left
    out."""
    shown = d.history[-SHOWN_HISTORY:]
    lines = [
        t(
            "show_history_line",
            locale,
            at=f"{h['at']:%Y-%m-%d %H:%M}",
            what=event_words(h, locale, mention=mention, escape=escape),
        )
        for h in shown
    ]
    if len(shown) == len(d.history):
        title = t("show_history", locale)
    else:
        title = t("show_history_some", locale, shown=len(shown), count=len(d.history))
    return _titled_sections(title, lines)


def _document_blocks(d: AgreementDetail, locale: str) -> list[Block]:
    """Every document the heading counts (the newest SHOWN_DOCUMENTS when there are more, and
    then the heading says so)."""
    shown = d.documents[-SHOWN_DOCUMENTS:]
    lines = [f"• {_document_line(doc, locale)}" for doc in shown]
    if len(shown) == len(d.documents):
        title = t("show_documents", locale, count=len(d.documents))
    else:
        title = t("show_documents_some", locale, shown=len(shown), count=len(d.documents))
    return _titled_sections(title, lines)


def _document_line(doc: Mapping[str, Any], locale: str) -> str:
    """`SLA-2026-0001/SLA/v1` Service level agreement · v1 · in effect (the draft label only
    while it is a draft)."""
    from bot.flows.documents import DocKind, DocStatus, doc_label

    kind, status = DocKind(doc["kind"]), DocStatus(doc["status"])
    name = doc_label(kind, status, locale, doc["title"] or "", doc["subject"] or "")
    return t(
        "show_document_line",
        locale,
        number=doc["number"] or "-",
        name=escape(name),
        version=doc["version"],
        status=status.label(locale),
    )


def _titled_sections(title: str, lines: Sequence[str]) -> list[Block]:
    if not lines:
        return []
    chunks = [lines[i : i + _LINES_PER_SECTION] for i in range(0, len(lines), _LINES_PER_SECTION)]
    blocks = [section(f"*{title}*\n" + "\n".join(chunks[0]))]
    blocks += [section("\n".join(chunk)) for chunk in chunks[1:]]
    return blocks


def catalog_blocks(
    entries: Sequence[CatalogueEntry], locale: str, *, can_edit: bool
) -> tuple[str, list[Block]]:
    title = t("catalog_title", locale)
    blocks: list[Block] = [header(title)]
    if not entries:
        blocks.append(section(t("catalog_empty", locale)))
    for e in entries[:40]:
        name = e.name_zh if locale.startswith("zh") and e.name_zh else e.name
        line = t(
            "catalog_line",
            locale,
            code=e.code,
            version=e.version,
            name=escape(name),
            tier=e.tier,
            coverage=Tier(e.tier).coverage,
            price=e.price,
            availability=e.availability_pct,
        )
        targets = [
            t(
                "catalog_targets",
                locale,
                priority=p,
                response=v["response_min"],
                resolution=v["resolution_min"],
            )
            for p, v in sorted(e.targets.items())
        ]
        blocks.append(section(line + ("\n" + " · ".join(targets) if targets else "")))
    if can_edit:
        blocks += actions([button(t("catalog_edit", locale), ActionId.CATALOG_EDIT, "edit")])
    return title, blocks[:MAX_MESSAGE_BLOCKS]
