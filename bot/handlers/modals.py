"""Step modals: every action's form as a Slack modal, and its submission read back.

The modal is generated from the action's pydantic form (`UI` metadata on each field):
one input block per field, `block_id=field_block(name)`, `action_id=field_action(name)`.
`parse_state` turns `view.state.values` back into raw form data for the model to validate,
and `errors_for` maps the model's field errors onto the blocks (`response_action: errors`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.blocks.catalogue_offer import edit_button, missing_catalogue, no_catalogue_view
from bot.blocks.context import StepContext
from bot.blocks.ids import CallbackId, field_block
from bot.blocks.kit import MAX_VIEW_BLOCKS, context, escape, plain
from bot.flows.catalogue_rules import OFFERING
from bot.flows.process import ACTION_BY_ID, STEP_BY_ID
from bot.handlers.modal_fields import field_specs, field_value, input_block
from bot.i18n import catalogue, t, truncate

__all__ = ["errors_for", "modal_title", "parse_state", "step_modal"]

TITLE_TEXT = 24  # Slack's limit for a view's title, submit and close texts
ERROR_TEXT = 150  # keep `response_action: errors` messages short
AGREEMENT_LABEL_TEXT = 200
#: the catalogue entry a draft (M4, C2) is made from
ENTRY_FIELD = "entry"


def modal_title(action_id: str, locale: str) -> str:
    """ "M9 · Approve": the step id and a short verb, at most 24 characters."""
    act = ACTION_BY_ID[action_id]
    key = act.verb_key
    if key in catalogue(locale):
        verb: str = t(key, locale)
    else:
        verb = act.verb_zh if locale.lower().startswith("zh") else act.verb_en
    return truncate(t("modal_title", locale, step=act.step, verb=verb), TITLE_TEXT)


def step_modal(
    action_id: str,
    ctx: StepContext,
    locale: str,
    *,
    initial: Mapping[str, Any] | None = None,
    options: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    agreement_label: str = "",
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """The modal (a view dict for `views.open`) of an action's form; `notes` are warnings
    shown above the fields (M4, C2: what the underpinning commitments do not cover).

    `initial` pre-fills fields (strings, ISO dates, bools, lists, a preset decision);
    `options` gives (value, label) pairs for select fields without choices of their own
    (the catalogue for `entry` / `entries`). A system action raises ValueError.
    """
    specs = field_specs(action_id)
    act = ACTION_BY_ID[action_id]
    values = initial or {}
    step_text = t(
        "modal_context",
        locale,
        step=escape(STEP_BY_ID[act.step].title(locale)),
        agreement=escape(truncate(agreement_label, AGREEMENT_LABEL_TEXT)),
    )
    if missing_catalogue([spec.name for spec in specs], options):
        title = modal_title(action_id, locale)
        return no_catalogue_view(action_id, ctx, locale, title=title, heading=step_text)
    blocks: list[dict[str, Any]] = [context(step_text)]
    if notes:
        blocks.append(context("\n".join(notes)))
    fields = [
        input_block(spec, locale, initial=values.get(spec.name), options=options) for spec in specs
    ]
    if action_id in OFFERING:  # choosing another entry refills the draft from it (views.update)
        for block in fields:
            if block["block_id"] == field_block(ENTRY_FIELD):
                block["dispatch_action"] = True
    blocks += fields
    blocks += edit_button(action_id, ctx, locale)
    if len(blocks) > MAX_VIEW_BLOCKS:
        raise ValueError(f"{action_id}: {len(blocks)} blocks, Slack allows {MAX_VIEW_BLOCKS}")
    return {
        "type": "modal",
        "callback_id": CallbackId.STEP.value,
        "private_metadata": ctx.dumps(),
        "title": plain(modal_title(action_id, locale), TITLE_TEXT),
        "submit": plain(t("modal_submit", locale), TITLE_TEXT),
        "close": plain(t("modal_close", locale), TITLE_TEXT),
        "blocks": blocks,
    }


def parse_state(action_id: str, values: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """`view.state.values` -> raw data for the action's form model (which validates it).

    Empty inputs are left out so that the form's defaults apply; number inputs stay strings;
    a checkbox gives a bool. Blocks that are not fields of this form are ignored.
    """
    out: dict[str, Any] = {}
    for spec in field_specs(action_id):
        block = values.get(field_block(spec.name))
        if not isinstance(block, Mapping):
            continue
        value = field_value(spec, block)
        if value is not None:
            out[spec.name] = value
    return out


def errors_for(action_id: str, field_errors: Mapping[str, str]) -> dict[str, str]:
    """Field errors (name -> message) -> {block_id: message} for `response_action: errors`.

    An error on a name without a block (`__root__`, an unknown name) goes on the first input
    block; several errors on one block are joined; each message is cut to 150 characters.
    """
    names = [spec.name for spec in field_specs(action_id)]
    if not names:
        return {}
    merged: dict[str, list[str]] = {}
    for name, message in field_errors.items():
        block = field_block(name if name in names else names[0])
        text = str(message).strip() or "invalid value"
        merged.setdefault(block, []).append(text)
    return {block: truncate("; ".join(msgs), ERROR_TEXT) for block, msgs in merged.items()}
