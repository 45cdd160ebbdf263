"""The catalogue in step modals (issue 9, rule 8): M3 and C1 offer active entries, M4 and C2
pick from what was offered with tier, price and availability prefilled from the entry. With
nothing to choose from the modal says so (no free text that a later step would reject) and,
for M3 and C1, offers the service level manager a button to the catalogue entry modal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.blocks.context import StepContext
from bot.blocks.ids import ActionId, CallbackId
from bot.blocks.kit import actions, button, context, plain, section
from bot.flows.catalogue_rules import DEVIATIONS
from bot.flows.process import CATALOGUE_STEP, CATALOGUE_UPDATE
from bot.flows.sla_versions import Pending, pending_in
from bot.i18n import escape, t

#: the form fields whose choices are catalogue entries
CATALOGUE_FIELDS = ("entries", "entry")
#: the steps whose modal offers the catalogue entry modal when there is nothing to offer
EDITS_CATALOGUE = (CATALOGUE_STEP, CATALOGUE_UPDATE)


def _value(ctx: StepContext) -> str:
    return ctx.agreement_id or "edit"


def edit_button(action_id: str, ctx: StepContext, locale: str) -> list[dict[str, Any]]:
    """M3 and C1: a button that opens the catalogue entry modal (adds or updates an entry, a
    new version audited under the step)."""
    if action_id not in EDITS_CATALOGUE:
        return []
    return actions([button(t("catalog_add_entry", locale), ActionId.CATALOG_EDIT, _value(ctx))])


def missing_catalogue(names: Sequence[str], options: Mapping[str, Sequence[Any]] | None) -> bool:
    """A catalogue field of the form has nothing to choose from."""
    return any(n in CATALOGUE_FIELDS and not (options or {}).get(n) for n in names)


def no_catalogue_view(
    action_id: str, ctx: StepContext, locale: str, *, title: str, heading: str
) -> dict[str, Any]:
    """The modal instead of a form without choices: what is missing, and (M3, C1) a button
    to add a catalogue entry; no submit, nothing to type that would be rejected."""
    editable = action_id in EDITS_CATALOGUE
    blocks = [
        context(heading),
        section(t("catalog_none_to_offer" if editable else "catalog_none_offered", locale)),
    ]
    if editable:
        blocks += actions(
            [button(t("catalog_add_entry", locale), ActionId.CATALOG_EDIT, _value(ctx))]
        )
    return {
        "type": "modal",
        "callback_id": CallbackId.STEP.value,
        "private_metadata": ctx.dumps(),
        "title": plain(title, 24),
        "close": plain(t("modal_close", locale), 24),
        "blocks": blocks,
    }


def deviation_lines(data: Mapping[str, Any], locale: str) -> list[str]:
    """M4 and C2's thread reply: each deviation from the catalogue entry, with the
    catalogue's value and the drafted one, in the reader's language."""
    found = data.get(DEVIATIONS) or []
    if not found:
        return []
    lines = [f"⚠️ *{t('catalog_deviation_title', locale, code=escape(str(data.get('entry'))))}*"]
    for d in found:
        lines.append(
            "• "
            + t(
                "catalog_deviation",
                locale,
                field=t(f"catalog_dev_{d['field']}", locale),
                catalogue=escape(str(d["catalogue"])),
                drafted=escape(str(d["drafted"])),
            )
        )
    return lines


def pending_line(pending: Pending, current: int, locale: str) -> str:
    """The card and `/sla show`: the signed additional SLA and the day it takes effect; the
    version in effect until then (rule 9)."""
    return t(
        "sla_version_pending",
        locale,
        version=pending.number,
        tier=pending.tier,
        day=pending.effective_from.isoformat(),
        current=current,
    )


def pending_blocks(
    versions: Sequence[Mapping[str, Any]], current: int, locale: str
) -> list[dict[str, Any]]:
    """`/sla show`: the signed version waiting for its date, if any."""
    pending = pending_in(versions)
    return [] if pending is None else [context(pending_line(pending, current, locale))]
