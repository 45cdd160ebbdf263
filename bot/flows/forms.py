"""Form building blocks: field metadata (label, help, widget) carried by pydantic fields.

A step's form is a pydantic model whose fields are annotated with `UI(...)`. The same model
validates input, drives the generated Slack modal and documents the step in the README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic.fields import FieldInfo

from bot.flows.errors import FormInvalid


class Widget(StrEnum):
    TEXT = "text"
    MULTILINE = "multiline"
    NUMBER = "number"
    DATE = "date"
    SELECT = "select"
    MULTI_SELECT = "multi_select"
    USER = "user"
    CHECKBOX = "checkbox"
    RADIO = "radio"


@dataclass(frozen=True)
class UI:
    """How a form field is shown: labels and help in English and Simplified Chinese."""

    en: str
    zh: str
    widget: Widget = Widget.TEXT
    help_en: str = ""
    help_zh: str = ""
    #: value -> (English label, Chinese label), for select, multi-select and radio widgets
    choices: tuple[tuple[str, str, str], ...] = field(default=())
    placeholder: str = ""

    def label(self, locale: str) -> str:
        return self.zh if locale.lower().startswith("zh") else self.en

    def help(self, locale: str) -> str:
        return self.help_zh if locale.lower().startswith("zh") else self.help_en


def ui_of(info: FieldInfo) -> UI:
    for meta in info.metadata:
        if isinstance(meta, UI):
            return meta
    raise LookupError("form field without UI metadata")


def choices_of(
    enum: type[StrEnum], labels: dict[str, tuple[str, str]]
) -> tuple[tuple[str, str, str], ...]:
    """(value, en, zh) triples for every member of `enum`; fails loudly if one is missing."""
    missing = [m.value for m in enum if m.value not in labels]
    if missing:
        raise ValueError(f"labels missing for {enum.__name__}: {missing}")
    return tuple((m.value, *labels[m.value]) for m in enum)


class StepForm(BaseModel):
    """Base of every step form: strict about unknown fields, strips whitespace."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def _lines(value: Any) -> Any:
    if isinstance(value, str):
        return [ln.strip(" -*\t") for ln in value.splitlines() if ln.strip(" -*\t")]
    return value


_DEPT_LINE = re.compile(r"^\s*(?P<dept>[^:：]+?)\s*[:：]\s*(?P<text>.+?)\s*$")


class DeptLine(BaseModel):
    """One department's share: `Department: what it provides`."""

    model_config = ConfigDict(frozen=True)
    department: str
    text: str


def _dept_lines(value: Any) -> Any:
    if isinstance(value, str):
        out: list[dict[str, str] | str] = []
        for ln in value.splitlines():
            if not ln.strip():
                continue
            m = _DEPT_LINE.match(ln)
            if not m:
                raise ValueError(f"write each line as 'Department: text' (got {ln.strip()!r})")
            out.append({"department": m["dept"], "text": m["text"]})
        return out
    return value


#: Multiline text, one item per line.
Lines = Annotated[list[str], BeforeValidator(_lines)]
#: Multiline text, one `Department: text` per line.
DeptLines = Annotated[list[DeptLine], BeforeValidator(_dept_lines)]


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Map a pydantic ValidationError to {field name: first message}."""
    out: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = err.get("loc") or ()
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        if loc:
            name = str(loc[0])
        else:
            # model validators name their field as "field: message"
            m = re.match(r"^(\w+): (.+)$", msg, re.S)
            name, msg = (m[1], m[2]) if m else ("__root__", msg)
        out.setdefault(name, msg)
    return out


F = TypeVar("F", bound=StepForm)


def parse_form(model: type[F], data: dict[str, Any] | F) -> F:
    """Validate raw form data; raise FormInvalid with field-level messages."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FormInvalid(field_errors(exc)) from None


def check_not_before(value: date, other: date | None, *, what: str) -> date:
    if other is not None and value < other:
        raise ValueError(f"must not be before {what} ({other.isoformat()})")
    return value
