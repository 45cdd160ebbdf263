"""Words every surface shares: the language test, role names, status names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.flows.process import Status
from bot.flows.roles import Role
from bot.flows.target_lines import as_lines
from bot.i18n import norm_locale, t


def zh(locale: str) -> bool:
    return norm_locale(locale) == "zh-CN"


def role_names(roles: Iterable[Role], locale: str) -> str:
    sep = "、" if zh(locale) else ", "
    return sep.join(r.label(locale) for r in roles)


def status_text(status: str, locale: str) -> str:
    return t(f"status_{Status(status).value}", locale)


def value_words(value: Any) -> str:
    """A recorded form value as a person reads it (not as Python prints it): a tick for a
    checkbox, lines joined by "; " (an OLA's `Department: commitment`), response/resolution
    targets as the catalogue writes them (`P1: 15/240; P2: 60/960`)."""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, Mapping):
        if value and all(
            isinstance(v, Mapping) and {"response_min", "resolution_min"} <= set(v)
            for v in value.values()
        ):
            return "; ".join(as_lines(value).splitlines())
        return "; ".join(f"{k}: {value_words(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(
            f"{v.get('department', '')}: {v.get('text', '')}"
            if isinstance(v, Mapping) and "department" in v
            else value_words(v)
            for v in value
        )
    return str(value)
