"""The catalogue entry modal (service level managers): add an entry or a new version."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.blocks.ids import CallbackId
from bot.blocks.kit import plain
from bot.flows.errors import FormInvalid
from bot.i18n import t

FIELDS = ("code", "name", "name_zh", "description", "tier", "price", "availability_pct", "targets")
_TARGET = re.compile(r"^\s*(P\d)\s*[:：]\s*(\d+)\s*/\s*(\d+)\s*$")


def _input(
    name: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": f"cat-{name}",
        "label": plain(label),
        "optional": optional,
        "element": {**element, "action_id": f"cat-{name}"},
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def catalog_modal(locale: str, *, private_metadata: str | None = None) -> dict[str, Any]:
    """The entry modal; `private_metadata` is the step modal's context when it was opened
    from M3 or C1 (the edit is then made for that agreement's step, rule 8)."""
    text = {"type": "plain_text_input"}
    tiers = [{"text": plain(t(f"catalog_tier_{n}", locale)), "value": str(n)} for n in (1, 2, 3)]
    blocks = [
        _input("code", t("catalog_f_code", locale), text, hint=t("catalog_h_code", locale)),
        _input("name", t("catalog_f_name", locale), text),
        _input("name_zh", t("catalog_f_name_zh", locale), text, optional=True),
        _input(
            "description",
            t("catalog_f_description", locale),
            {"type": "plain_text_input", "multiline": True},
            optional=True,
        ),
        _input("tier", t("catalog_f_tier", locale), {"type": "static_select", "options": tiers}),
        _input(
            "price",
            t("catalog_f_price", locale),
            {"type": "number_input", "is_decimal_allowed": True, "min_value": "0"},
        ),
        _input(
            "availability_pct",
            t("catalog_f_availability", locale),
            {
                "type": "number_input",
                "is_decimal_allowed": True,
                "min_value": "0",
                "max_value": "100",
            },
        ),
        _input(
            "targets",
            t("catalog_f_targets", locale),
            {"type": "plain_text_input", "multiline": True},
            optional=True,
            hint=t("catalog_h_targets", locale),
        ),
    ]
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": CallbackId.CATALOG,
        "title": plain(t("catalog_title", locale), 24),
        "submit": plain(t("button_save", locale), 24),
        "close": plain(t("button_cancel", locale), 24),
        "blocks": blocks,
    }
    if private_metadata:
        view["private_metadata"] = private_metadata
    return view


def parse_catalog(
    values: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[str, Any], FormInvalid | None]:
    """(data for CatalogueInput, the problems found while parsing, if any)."""
    data: dict[str, Any] = {}
    errors: FormInvalid | None = None
    for name in FIELDS:
        state = values.get(f"cat-{name}", {}).get(f"cat-{name}", {})
        value = state.get("value")
        if state.get("selected_option"):
            value = state["selected_option"].get("value")
        if value in (None, ""):
            continue
        if name == "targets":
            targets: dict[str, dict[str, int]] = {}
            for line in str(value).splitlines():
                if not line.strip():
                    continue
                m = _TARGET.match(line)
                if not m:
                    got = repr(line.strip()[:80])
                    english = f"write 'P1: 15/240' (got {got})"
                    errors = FormInvalid.one("targets", "targets_line", english, line=got)
                    break
                targets[m[1]] = {"response_min": int(m[2]), "resolution_min": int(m[3])}
            data["targets"] = targets
        elif name == "code":
            data["code"] = str(value).strip().upper()
        else:
            data[name] = value
    return data, errors


def catalog_block(field: str) -> str:
    return f"cat-{field}" if field in FIELDS else "cat-code"
