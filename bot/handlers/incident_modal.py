"""The incident modal (`/sla incident SLA-…`, M11): priority, impact, when it opened, was
acknowledged and resolved (a date and a time each, in the service's time zone), a summary.
Parsing turns the pickers into the `IncidentForm` data every other way in uses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.ids import CallbackId
from bot.blocks.kit import context, plain
from bot.flows.errors import FormInvalid
from bot.flows.forms import ui_of
from bot.flows.incidents import IncidentForm
from bot.i18n import t
from store.incidents import IncidentRecord

#: the instants of the form: each a date picker and a time picker
INSTANTS = ("opened_at", "acknowledged_at", "resolved_at")
#: one pause of the clocks (waiting for the customer): from, to (empty while it lasts), why
PAUSE = ("pause_from", "pause_to")
BLOCK = "inc"


def block_of(name: str, part: str = "") -> str:
    return f"{BLOCK}-{name}{'-' + part if part else ''}"


def _input(name: str, label: str, element: dict[str, Any], *, optional: bool) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_of(name),
        "label": plain(label),
        "optional": optional,
        "element": {**element, "action_id": block_of(name)},
    }


def _choices(name: str, locale: str) -> list[dict[str, Any]]:
    ui = ui_of(IncidentForm.model_fields[name])
    zh = locale.lower().startswith("zh")
    return [{"text": plain(z if zh else e), "value": v} for v, e, z in ui.choices]


def _label(name: str, locale: str) -> str:
    if name in PAUSE or name == "pause_reason":
        return str(t(f"incident_{name}", locale))
    return ui_of(IncidentForm.model_fields[name]).label(locale)


def _instant_blocks(name: str, locale: str, now: datetime | None, tz: str) -> list[Any]:
    """A date picker and a time picker, showing `now` (the field's value) when given."""
    optional = name != "opened_at"
    day: dict[str, Any] = {"type": "datepicker"}
    clock: dict[str, Any] = {"type": "timepicker"}
    if now is not None:
        local = now.astimezone(ZoneInfo(tz))
        day["initial_date"] = local.date().isoformat()
        clock["initial_time"] = local.strftime("%H:%M")
    label = _label(name, locale)
    return [
        {**_input(name, label, day, optional=optional), "block_id": block_of(name, "date")},
        {
            **_input(name, t("incident_time_of", locale, what=label), clock, optional=optional),
            "block_id": block_of(name, "time"),
        },
    ]


def _initial_option(block: dict[str, Any], value: str) -> dict[str, Any]:
    options = block["element"]["options"]
    block["element"]["initial_option"] = next(o for o in options if o["value"] == value)
    return block


def incident_modal(
    agreement_id: str,
    locale: str,
    *,
    tz: str,
    now: datetime,
    incident: IncidentRecord | None = None,
) -> dict[str, Any]:
    """The modal; `private_metadata` carries the agreement (and the incident when it corrects
    one, shown with its values)."""
    blocks: list[Any] = [context(t("incident_intro", locale, agreement=agreement_id, tz=tz))]
    blocks.append(
        _input(
            "priority",
            _label("priority", locale),
            {"type": "static_select", "options": _choices("priority", locale)},
            optional=False,
        )
    )
    blocks.append(
        _input(
            "impact",
            _label("impact", locale),
            {"type": "static_select", "options": _choices("impact", locale)},
            optional=False,
        )
    )
    inc = incident
    blocks += _instant_blocks("opened_at", locale, inc.opened_at if inc else now, tz)
    blocks += _instant_blocks("acknowledged_at", locale, inc.acknowledged_at if inc else None, tz)
    blocks += _instant_blocks("resolved_at", locale, inc.resolved_at if inc else None, tz)
    pause = inc.pauses[0] if inc and inc.pauses else None
    blocks += _instant_blocks("pause_from", locale, pause.start if pause else None, tz)
    blocks += _instant_blocks("pause_to", locale, pause.end if pause else None, tz)
    reason: dict[str, Any] = {"type": "plain_text_input", "max_length": 500}
    if pause is not None and pause.reason:
        reason["initial_value"] = pause.reason
    blocks.append(_input("pause_reason", _label("pause_reason", locale), reason, optional=True))
    summary: dict[str, Any] = {"type": "plain_text_input", "multiline": True, "max_length": 500}
    if inc is not None:
        summary["initial_value"] = inc.summary
        _initial_option(blocks[1], inc.priority.value)
        _initial_option(blocks[2], inc.impact.value)
    blocks.append(_input("summary", _label("summary", locale), summary, optional=False))
    meta: dict[str, Any] = {"a": agreement_id, "z": tz} | ({"i": inc.id} if inc else {})
    return {
        "type": "modal",
        "callback_id": CallbackId.INCIDENT,
        "private_metadata": json.dumps(meta),
        "title": plain(t("incident_title", locale), 24),
        "submit": plain(t("button_save", locale), 24),
        "close": plain(t("button_cancel", locale), 24),
        "blocks": blocks,
    }


def _state(values: Mapping[str, Mapping[str, Any]], block: str) -> Mapping[str, Any]:
    inner = values.get(block, {})
    for v in inner.values():
        if isinstance(v, Mapping):
            return v
    return {}


def _instant(
    values: Mapping[str, Mapping[str, Any]], name: str, tz: str
) -> tuple[str | None, FormInvalid | None]:
    day = _state(values, block_of(name, "date")).get("selected_date")
    clock = _state(values, block_of(name, "time")).get("selected_time")
    if not day and not clock:
        return None, None
    if not day or not clock:
        missing = "date" if not day else "time"
        return None, FormInvalid.one(
            block_of(name, missing), "required", "pick both a date and a time"
        )
    try:
        local = datetime.combine(
            date.fromisoformat(str(day)), time.fromisoformat(str(clock)), ZoneInfo(tz)
        )
    except ValueError:
        return None, FormInvalid.one(block_of(name, "date"), "datetime", "not a date and time")
    return local.isoformat(), None


def parse_incident(
    values: Mapping[str, Mapping[str, Any]], tz: str
) -> tuple[dict[str, Any], FormInvalid | None]:
    """(data for IncidentForm, a problem found while reading the pickers, if any)."""
    data: dict[str, Any] = {}
    for name in ("priority", "impact"):
        option = _state(values, block_of(name)).get("selected_option") or {}
        if option.get("value"):
            data[name] = option["value"]
    summary = _state(values, block_of("summary")).get("value")
    if summary:
        data["summary"] = summary
    for name in INSTANTS:
        value, problem = _instant(values, name, tz)
        if problem is not None:
            return data, problem
        if value is not None:
            data[name] = value
    start, problem = _instant(values, "pause_from", tz)
    end, problem2 = _instant(values, "pause_to", tz)
    if problem or problem2:
        return data, problem or problem2
    reason = _state(values, block_of("pause_reason")).get("value") or ""
    if start is not None:
        data["pauses"] = [{"start": start, "end": end, "reason": reason}]
    elif end is not None:
        return data, FormInvalid.one(block_of("pause_from", "date"), "required", "when it began")
    return data, None


def error_block(field: str) -> str:
    """The block that shows a field's error (an instant's errors show under its date)."""
    if field in INSTANTS:
        return block_of(field, "date")
    if field == "pauses":
        return block_of("pause_from", "date")
    if field.startswith(BLOCK + "-"):
        return field
    return block_of(field if field in IncidentForm.model_fields else "summary")
