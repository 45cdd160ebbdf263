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
from bot.render.words import value_words, zh

#: what an empty value reads as
EMPTY = "—"


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
        rows.append(
            ChangeRow(
                ch.name,
                ui.label(locale),
                value_text(ch.old, locale, ui.choices),
                value_text(ch.new, locale, ui.choices),
            )
        )
    return rows
