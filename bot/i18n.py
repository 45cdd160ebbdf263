"""Everything a user reads, in English and Simplified Chinese, from Jinja2 templates.

Templates live in `templates/<catalogue>.<locale>.yaml`: one YAML mapping per catalogue and
locale, each key a Jinja2 template rendered with `StrictUndefined` (a missing value is an
error, never an empty string). Step, action, role and document names come from the process
declarations, which are bilingual themselves.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template, UndefinedError

LOCALES = ("en", "zh-CN")
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def norm_locale(locale: str) -> str:
    return "zh-CN" if locale.lower().startswith("zh") else "en"


@functools.cache
def _env() -> Environment:
    env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters["mention"] = lambda user: f"<@{user}>" if user else "-"
    return env


@functools.cache
def catalogue(locale: str) -> dict[str, str]:
    """All keys of one locale (every catalogue file merged); duplicate keys are an error."""
    loc = norm_locale(locale)
    merged: dict[str, str] = {}
    for path in sorted(TEMPLATES.glob(f"*.{loc}.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path.name}: expected a mapping")
        for key, value in data.items():
            if key in merged:
                raise ValueError(f"{path.name}: duplicate key {key!r}")
            merged[str(key)] = str(value).rstrip("\n")
    return merged


_SIMPLE = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")


class _Simple:
    """A template made only of text and `{{ name }}`: rendered without Jinja's machinery
    (lists and cards render dozens per reply); a missing name is still an error."""

    def __init__(self, source: str) -> None:
        self.parts = _SIMPLE.split(source)  # text, name, text, name, ..., text

    def render(self, **params: Any) -> str:
        parts = self.parts
        out = [parts[0]]
        for i in range(1, len(parts), 2):
            name = parts[i]
            if name not in params:
                raise UndefinedError(f"{name!r} is undefined")
            out.append(str(params[name]))
            out.append(parts[i + 1])
        return "".join(out)


@functools.cache
def _template(locale: str, key: str) -> Template | _Simple:
    try:
        source = catalogue(locale)[key]
    except KeyError:
        raise KeyError(f"no text {key!r} for locale {norm_locale(locale)}") from None
    if (
        "{%" not in source
        and "{#" not in source
        and "|" not in "".join(_SIMPLE.findall(source))
        and source.count("{{") == len(_SIMPLE.findall(source))
    ):
        return _Simple(source)
    return _env().from_string(source)


class Safe(str):
    """Text that is already Slack markup (a mention, a link we built, escaped user text):
    `t()` inserts it as it is."""

    __slots__ = ()


def escape(text: str) -> Safe:
    """Escape user text for Slack (`&`, `<`, `>`, as Slack documents); markup passes."""
    if isinstance(text, Safe):
        return text
    return Safe(str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def join(sep: str, parts: Iterable[str]) -> Safe:
    """Join texts into markup: each part escaped unless it is already `Safe` (so a list of
    mentions stays a list of mentions)."""
    return Safe(escape(sep).join(escape(p) for p in parts))


def _param(value: Any) -> Any:
    return escape(value) if isinstance(value, str) else value


def t(key: str, locale: str = "en", **params: Any) -> Safe:
    """The text `key` in `locale`, rendered with `params`. The one place user text is
    escaped: every string parameter is, unless it is `Safe` (markup we built)."""
    if not params:
        return Safe(_constant(norm_locale(locale), key))
    clean = {k: _param(v) for k, v in params.items()}
    return Safe(_template(norm_locale(locale), key).render(**clean))


@functools.cache
def _constant(locale: str, key: str) -> str:
    return _template(locale, key).render()


def truncate(text: str, limit: int) -> str:
    """Cut to Slack's limits with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)] + "…"
    return Safe(cut) if isinstance(text, Safe) else cut
