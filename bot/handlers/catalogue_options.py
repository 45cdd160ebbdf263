"""The choices of a step modal's catalogue fields (issue 9, rule 8): every active entry for
M3 and C1, the active entries offered at M3 (C1) for M4 (C2), and a draft's prefill from the
first of them."""

from __future__ import annotations

from bot.flows.catalogue_rules import OFFERING, prefill
from bot.i18n import t
from store.prefill import ModalStart


def _label(code: str, name: str, name_zh: str, tier: int, locale: str) -> str:
    shown = name_zh if locale.lower().startswith("zh") and name_zh else name
    return t("catalog_option", locale, code=code, name=shown, tier=tier)


def step_options(
    start: ModalStart, action: str, locale: str, *, chosen: str | None = None
) -> tuple[dict[str, list[tuple[str, str]]], dict[str, str]]:
    """(options per catalogue field, the prefill of a draft from the offered entry `chosen`,
    else from the first one offered)."""
    labels = {e.code: _label(e.code, e.name, e.name_zh, e.tier, locale) for e in start.active}
    offer = start.offered
    options = {"entries": list(labels.items()), "entry": list(labels.items())}
    if action in OFFERING:
        options["entry"] = [(e.code, labels[e.code]) for e in offer if e.code in labels]
    picked = next((e for e in offer if e.code == chosen), offer[0] if offer else None)
    return options, prefill(picked) if picked else {}
