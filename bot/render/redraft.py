"""A redraft in the reader's language: the changed fields (label, old value, new value) and
the headline naming both drafts. Slack (bot/blocks/redraft_blocks.py) and the command line
(bot/cli.py `act`) lay them out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.flows.forms import ui_of
from bot.flows.process import ACTION_BY_ID
from bot.flows.redraft import field_changes
from bot.i18n import t
from bot.render.words import value_words, zh

#: what an empty value reads as
EMPTY = "—"
#: fields that, left empty, take the catalogue entry's value (M4 and C2's targets)
ENTRY_DEFAULTS = frozenset({"targets"})


@dataclass(frozen=True)
class ChangeRow:
    """One changed field, worded: its label, the value before and after."""

    field: str
    label: str
    old: str
    new: str


def _choice(choices: Sequence[tuple[str, str, str]], value: Any, locale: str) -> str:
    labels = {v: (z if zh(locale) else e) for v, e, z in choices}
    values = value if isinstance(value, list) else [value]
    return ("、" if zh(locale) else ", ").join(labels.get(str(v), str(v)) for v in values)


def value_text(value: Any, locale: str, choices: Sequence[tuple[str, str, str]] = ()) -> str:
    """A recorded value as a person reads it: a choice by its label, a tick for a checkbox."""
    if value in (None, "", [], {}):
        return EMPTY
    if choices:
        return _choice(choices, value, locale)
    return " ".join(value_words(value).split())


def change_rows(
    action_id: str, old: Mapping[str, Any], new: Mapping[str, Any], locale: str
) -> list[ChangeRow]:
    """The fields of `action_id`'s form that the redraft changed, labelled in `locale`."""
    form = ACTION_BY_ID[action_id].form
    rows: list[ChangeRow] = []
    for ch in field_changes(form, old, new):
        ui = ui_of(form.model_fields[ch.name])
        old_text, new_text = (value_text(v, locale, ui.choices) for v in (ch.old, ch.new))
        if ch.name in ENTRY_DEFAULTS:  # left empty: the catalogue entry's, in words
            old_text, new_text = (
                t("redraft_entry_default", locale) if x == EMPTY else x
                for x in (old_text, new_text)
            )
        rows.append(ChangeRow(ch.name, ui.label(locale), old_text, new_text))
    return rows
