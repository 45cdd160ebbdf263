"""A step's reply in the thread shows a chosen value as its label in the reader's language,
never the raw value (`standard`, `2`)."""

from __future__ import annotations

from bot.blocks.cards import summary_lines
from bot.flows.forms import ui_of
from bot.flows.process import ACTION_BY_ID
from tests.support import forms


def test_choices_read_as_their_labels() -> None:
    data = forms("Labels Ltd")["M1"]
    model = ACTION_BY_ID["M1"].form
    for locale in ("en", "zh-CN"):
        lines = summary_lines("M1", data, locale)
        for name in ("tier", "project_class"):
            if name not in model.model_fields or name not in data:
                continue
            ui = ui_of(model.model_fields[name])
            value, en, zh = next(c for c in ui.choices if c[0] == str(data[name]))
            line = next(ln for ln in lines if ln.startswith(f"• *{ui.label(locale)}*"))
            assert line.endswith(zh if locale == "zh-CN" else en), line
            assert not line.endswith(f": {value}"), line
