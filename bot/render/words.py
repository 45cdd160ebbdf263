"""Words every surface shares: the language test, role names, status names."""

from __future__ import annotations

from collections.abc import Iterable

from bot.flows.process import Status
from bot.flows.roles import Role
from bot.i18n import norm_locale, t


def zh(locale: str) -> bool:
    return norm_locale(locale) == "zh-CN"


def role_names(roles: Iterable[Role], locale: str) -> str:
    sep = "、" if zh(locale) else ", "
    return sep.join(r.label(locale) for r in roles)


def status_text(status: str, locale: str) -> str:
    return t(f"status_{Status(status).value}", locale)
