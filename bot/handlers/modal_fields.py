"""One form field <-> one Slack input block: building the element and reading its state.

`field_specs` reads a step form (pydantic model with `UI` metadata) into `FieldSpec`s;
`input_block` turns a spec into an input block (label, hint, element, initial value);
`element_value` reads an element's state from `view.state.values` the way Slack sends it
(bot/handlers/modal_values.py, re-exported here).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, get_args, get_origin

import annotated_types as at
from pydantic.fields import FieldInfo

from bot.blocks.ids import field_action, field_block
from bot.blocks.kit import plain
from bot.flows.forms import UI, DeptLine, StepForm, Widget, ui_of
from bot.flows.process import ACTION_BY_ID
from bot.flows.target_lines import as_lines
from bot.handlers.modal_values import element_value as element_value
from bot.handlers.modal_values import field_value as field_value
from bot.i18n import t

#: Slack's limits (Block Kit reference)
LABEL_TEXT = 2000
HINT_TEXT = 2000
PLACEHOLDER_TEXT = 150
OPTION_TEXT = 75
OPTION_VALUE = 150
MAX_OPTIONS = 100
MAX_OPTION_GROUPS = 100
MAX_RADIO_OPTIONS = 10
TEXT_INPUT_MAX = 3000

#: (value, label) pairs, as the handlers pass them for the catalogue
Options = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class FieldSpec:
    """A form field as the modal needs it."""

    name: str
    ui: UI
    info: FieldInfo

    @property
    def widget(self) -> Widget:
        return self.ui.widget

    @property
    def required(self) -> bool:
        return self.info.is_required()

    @property
    def is_list(self) -> bool:
        return get_origin(self.info.annotation) is list

    @property
    def is_dept_lines(self) -> bool:
        return self.is_list and get_args(self.info.annotation) == (DeptLine,)

    @property
    def is_lines(self) -> bool:
        """Multiline text parsed into a list (`Lines` or `DeptLines`)."""
        return self.is_list and self.widget is Widget.MULTILINE

    @property
    def is_decimal(self) -> bool:
        return self.info.annotation is Decimal

    @property
    def is_str(self) -> bool:
        return self.info.annotation is str

    def constraint(self, *kinds: type[Any]) -> Any:
        """The bound of the first annotated-types constraint of one of `kinds` (Ge, MaxLen...)."""
        for meta in self.info.metadata:
            if isinstance(meta, kinds):
                for attr in ("ge", "gt", "le", "lt", "min_length", "max_length"):
                    if hasattr(meta, attr):
                        return getattr(meta, attr)
        return None

    def default(self) -> Any:
        """The field's default (None when required or factory-made)."""
        if self.required or self.info.default_factory is not None:
            return None
        return self.info.default


@functools.cache
def field_specs(action_id: str) -> tuple[FieldSpec, ...]:
    """The user-facing fields of an action's form, in form order.

    Raises KeyError for an unknown action and ValueError for a system action (nobody fills
    in its form).
    """
    act = ACTION_BY_ID[action_id]
    if act.system:
        raise ValueError(f"{action_id} is done by the system: it has no modal")
    return form_specs(act.form)


def form_specs(form: type[StepForm]) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec(name, ui_of(info), info) for name, info in form.model_fields.items())


# --- building -----------------------------------------------------------------------------


def _option(value: str, label: str) -> dict[str, Any]:
    if len(value) > OPTION_VALUE:
        raise ValueError(f"option value over {OPTION_VALUE} characters: {value[:40]!r}…")
    return {"text": plain(label, OPTION_TEXT), "value": value}


def choices(spec: FieldSpec, locale: str, options: Mapping[str, Options] | None) -> Options:
    """(value, label) pairs of a select, multi-select or radio field: the caller's options
    for this field if given, else the field's own choices in the locale."""
    given = (options or {}).get(spec.name)
    if given is not None:
        return tuple((str(v), str(label)) for v, label in given)
    zh = locale.lower().startswith("zh")
    return tuple((v, zh_label if zh else en) for v, en, zh_label in spec.ui.choices)


def _as_text(spec: FieldSpec, value: Any) -> str:
    """A form value as a user would type it."""
    if isinstance(value, Mapping):  # per-priority targets (the only mapping a form holds)
        return as_lines(value)
    if isinstance(value, (list, tuple)):
        if spec.is_dept_lines:
            return "\n".join(_dept_line(v) for v in value)
        return "\n".join(str(_scalar(v)) for v in value)
    return str(_scalar(value))


def _dept_line(value: Any) -> str:
    if isinstance(value, DeptLine):
        return f"{value.department}: {value.text}"
    if isinstance(value, Mapping):
        return f"{value.get('department', '')}: {value.get('text', '')}"
    return str(value)


def _scalar(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def _select_options(pairs: Options, locale: str) -> tuple[str, list[dict[str, Any]]]:
    """("options" | "option_groups", the list): groups of 100 when there are more."""
    opts = [_option(v, label) for v, label in pairs]
    if len(opts) <= MAX_OPTIONS:
        return "options", opts
    groups = []
    for i in range(0, min(len(opts), MAX_OPTIONS * MAX_OPTION_GROUPS), MAX_OPTIONS):
        chunk = opts[i : i + MAX_OPTIONS]
        label = t("modal_options_group", locale, first=i + 1, last=i + len(chunk))
        groups.append({"label": plain(label, OPTION_TEXT), "options": chunk})
    return "option_groups", groups


def _text_element(spec: FieldSpec, locale: str, initial: Any, *, multiline: bool) -> dict[str, Any]:
    el: dict[str, Any] = {"type": "plain_text_input", "action_id": field_action(spec.name)}
    if multiline:
        el["multiline"] = True
    limit = TEXT_INPUT_MAX
    if spec.is_str:
        max_len = spec.constraint(at.MaxLen)
        min_len = spec.constraint(at.MinLen)
        if isinstance(max_len, int) and max_len < TEXT_INPUT_MAX:
            el["max_length"] = limit = max_len
        if isinstance(min_len, int) and 0 < min_len <= limit:
            el["min_length"] = min_len
    placeholder = spec.ui.placeholder
    if not placeholder and spec.is_dept_lines:
        placeholder = t("modal_placeholder_dept_lines", locale)
    if placeholder:
        el["placeholder"] = plain(placeholder, PLACEHOLDER_TEXT)
    if initial is not None:
        text = _as_text(spec, initial)
        if text:
            el["initial_value"] = text[:limit]
    return el


def _step(spec: FieldSpec) -> Decimal | None:
    """The smallest step a value of the field can move by: 1 for whole numbers, 10^-places for
    decimals with a number of places; None when any step is possible."""
    if spec.info.annotation is int:
        return Decimal(1)
    for meta in spec.info.metadata:
        places = getattr(meta, "decimal_places", None)
        if isinstance(places, int):
            return Decimal(1).scaleb(-places)
    return None


def slack_bounds(spec: FieldSpec) -> tuple[str | None, str | None]:
    """`min_value` and `max_value` for Slack's number input that accept exactly what the rule
    accepts: `ge=0` is 0, `gt=0` is the smallest allowed step above 0 (1, or 0.01 for two
    decimal places), and no bound at all when the step is unknown (the bot still refuses)."""
    step = _step(spec)
    low: str | None = None
    high: str | None = None
    ge, gt = spec.constraint(at.Ge), spec.constraint(at.Gt)
    le, lt = spec.constraint(at.Le), spec.constraint(at.Lt)
    if ge is not None:
        low = str(ge)
    elif gt is not None and step is not None:
        low = format(Decimal(str(gt)) + step, "f")
    if le is not None:
        high = str(le)
    elif lt is not None and step is not None:
        high = format(Decimal(str(lt)) - step, "f")
    return low, high


def _number_element(spec: FieldSpec, initial: Any) -> dict[str, Any]:
    el: dict[str, Any] = {
        "type": "number_input",
        "action_id": field_action(spec.name),
        "is_decimal_allowed": spec.is_decimal,
    }
    low, high = slack_bounds(spec)
    if low is not None:
        el["min_value"] = low
    if high is not None:
        el["max_value"] = high
    if isinstance(initial, Decimal):
        initial = format(initial, "f")  # never "1E+5"
    if initial is not None and str(initial).strip():
        el["initial_value"] = str(_scalar(initial)).strip()
    return el


def _choice_element(spec: FieldSpec, locale: str, pairs: Options, initial: Any) -> dict[str, Any]:
    action = field_action(spec.name)
    multi = spec.widget is Widget.MULTI_SELECT
    if spec.widget is Widget.RADIO and len(pairs) <= MAX_RADIO_OPTIONS:
        el: dict[str, Any] = {
            "type": "radio_buttons",
            "action_id": action,
            "options": [_option(v, label) for v, label in pairs],
        }
    else:
        key, opts = _select_options(pairs, locale)
        el = {
            "type": "multi_static_select" if multi else "static_select",
            "action_id": action,
            "placeholder": plain(
                t(
                    "modal_placeholder_multi_select" if multi else "modal_placeholder_select",
                    locale,
                ),
                PLACEHOLDER_TEXT,
            ),
            key: opts,
        }
    by_value = {v: _option(v, label) for v, label in pairs}
    if initial is None:
        return el
    if multi:
        wanted = initial if isinstance(initial, (list, tuple)) else [initial]
        chosen = [by_value[str(_scalar(v))] for v in wanted if str(_scalar(v)) in by_value]
        if chosen:
            el["initial_options"] = chosen
    elif str(_scalar(initial)) in by_value:
        el["initial_option"] = by_value[str(_scalar(initial))]
    return el


def _user_element(spec: FieldSpec, locale: str, initial: Any) -> dict[str, Any]:
    action = field_action(spec.name)
    if spec.is_list:
        el: dict[str, Any] = {
            "type": "multi_users_select",
            "action_id": action,
            "placeholder": plain(t("modal_placeholder_users", locale), PLACEHOLDER_TEXT),
        }
        wanted = initial if isinstance(initial, (list, tuple)) else [initial]
        users = [str(u) for u in wanted if isinstance(u, str) and u]
        if users:
            el["initial_users"] = users
        return el
    el = {
        "type": "users_select",
        "action_id": action,
        "placeholder": plain(t("modal_placeholder_user", locale), PLACEHOLDER_TEXT),
    }
    if isinstance(initial, str) and initial:
        el["initial_user"] = initial
    return el


def _checkbox_element(spec: FieldSpec, locale: str, initial: Any) -> dict[str, Any]:
    option = _option("true", t("modal_checkbox_yes", locale))
    el: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": field_action(spec.name),
        "options": [option],
    }
    if initial is not None and _truthy(initial):
        el["initial_options"] = [option]
    return el


def _date_element(spec: FieldSpec, locale: str, initial: Any) -> dict[str, Any]:
    el: dict[str, Any] = {
        "type": "datepicker",
        "action_id": field_action(spec.name),
        "placeholder": plain(t("modal_placeholder_date", locale), PLACEHOLDER_TEXT),
    }
    if isinstance(initial, datetime):
        initial = initial.date()
    if isinstance(initial, date):
        el["initial_date"] = initial.isoformat()
    elif isinstance(initial, str) and initial:
        with contextlib.suppress(ValueError):  # not a date: leave the picker empty
            el["initial_date"] = date.fromisoformat(initial[:10]).isoformat()
    return el


def input_block(
    spec: FieldSpec,
    locale: str,
    *,
    initial: Any = None,
    options: Mapping[str, Options] | None = None,
) -> dict[str, Any]:
    """The input block of one form field; `initial` (or the field's default) pre-fills it."""
    if initial is None:
        initial = spec.default()
    hint = spec.ui.help(locale)
    w = spec.widget
    element: dict[str, Any]
    if w in (Widget.SELECT, Widget.MULTI_SELECT, Widget.RADIO):
        pairs = choices(spec, locale, options)
        if pairs:
            element = _choice_element(spec, locale, pairs, initial)
        else:
            # nothing to choose from (an empty catalogue): let the user type the value(s)
            multi = w is Widget.MULTI_SELECT
            element = _text_element(spec, locale, initial, multiline=multi)
            hint = t("modal_hint_type_lines" if multi else "modal_hint_type", locale)
    elif w is Widget.NUMBER:
        element = _number_element(spec, initial)
    elif w is Widget.DATE:
        element = _date_element(spec, locale, initial)
    elif w is Widget.USER:
        element = _user_element(spec, locale, initial)
    elif w is Widget.CHECKBOX:
        element = _checkbox_element(spec, locale, initial)
    else:
        element = _text_element(spec, locale, initial, multiline=w is Widget.MULTILINE)
        if not hint and spec.is_dept_lines:
            hint = t("modal_hint_dept_lines", locale)
        elif not hint and spec.is_lines:
            hint = t("modal_hint_lines", locale)
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field_block(spec.name),
        "label": plain(spec.ui.label(locale), LABEL_TEXT),
        "element": element,
        "optional": not spec.required,
    }
    if hint:
        block["hint"] = plain(hint, HINT_TEXT)
    return block
