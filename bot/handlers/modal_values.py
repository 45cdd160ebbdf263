"""Reading a form field's value back from a modal's `view.state.values`, the way Slack sends
each kind of element (re-exported by bot.handlers.modal_fields)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.blocks.ids import field_action

if TYPE_CHECKING:
    from bot.handlers.modal_fields import FieldSpec


def _selected_values(state: Mapping[str, Any], key: str) -> list[Any]:
    options = state.get(key)
    if not isinstance(options, list):
        return []
    return [o["value"] for o in options if isinstance(o, Mapping) and o.get("value") is not None]


def element_value(state: Mapping[str, Any]) -> Any:
    """The value of one element's state as Slack sends it in `view.state.values`.

    None means "nothing entered" (the form's default applies). Number inputs stay strings.
    """
    kind = state.get("type")
    if not isinstance(kind, str):
        return None
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        value = state.get("value")
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return value  # not a string: the form refuses it as the wrong type
    if kind in ("static_select", "external_select", "radio_buttons"):
        option = state.get("selected_option")
        if not isinstance(option, Mapping) or option.get("value") is None:
            return None
        return option["value"]
    if kind in ("multi_static_select", "multi_external_select"):
        return _selected_values(state, "selected_options")
    if kind == "checkboxes":
        return "true" in _selected_values(state, "selected_options")
    single = {
        "datepicker": "selected_date",
        "timepicker": "selected_time",
        "datetimepicker": "selected_date_time",
        "users_select": "selected_user",
        "conversations_select": "selected_conversation",
        "channels_select": "selected_channel",
    }
    multi = {
        "multi_users_select": "selected_users",
        "multi_conversations_select": "selected_conversations",
        "multi_channels_select": "selected_channels",
    }
    if kind in single:
        value = state.get(single[kind])
        return None if value in (None, "") else value
    if kind in multi:
        values = state.get(multi[kind])
        return list(values) if isinstance(values, list) else []
    return None


def field_value(spec: FieldSpec, block: Mapping[str, Any]) -> Any:
    """The value of `spec`'s element in its block's state (None if absent or empty)."""
    state = block.get(field_action(spec.name))
    if state is None and len(block) == 1:
        state = next(iter(block.values()))
    if not isinstance(state, Mapping):
        return None
    value = element_value(state)
    if isinstance(value, str) and spec.is_list and not spec.is_lines:
        # a multi-select shown as text (no options to choose from): one value per line
        value = [ln.strip() for ln in value.splitlines() if ln.strip()]
    return value
