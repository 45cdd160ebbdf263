"""Form building blocks: field metadata (label, help, widget) carried by pydantic fields.

A step's form is a pydantic model whose fields are annotated with `UI(...)`. The same model
validates input, drives the generated Slack modal and documents the step in the README.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, ConfigDict, Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from bot.flows.errors import FieldProblem, FormInvalid
from bot.flows.strict import PROBLEM_PREFIX, StrictModel


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


class StepForm(StrictModel):
    """Base of every step form: strict about unknown fields and about each value's type
    (`bot.flows.strict`), strips whitespace."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @classmethod
    def is_multiline(cls, name: str) -> bool:
        info = cls.model_fields.get(name)
        ui = next((m for m in info.metadata if isinstance(m, UI)), None) if info else None
        return ui is not None and ui.widget in (Widget.MULTILINE, Widget.MULTI_SELECT)


def _lines(value: Any) -> Any:
    if isinstance(value, str):
        return [ln.strip(" -*\t") for ln in value.splitlines() if ln.strip(" -*\t")]
    return value


_DEPT_LINE = re.compile(r"^\s*(?P<dept>[^:：]+?)\s*[:：]\s*(?P<text>.+?)\s*$")


class DeptLine(StrictModel):
    """One department's share: `Department: what it provides` (the lengths of `ola.department`
    and `ola.commitment`)."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)
    department: Annotated[str, Field(min_length=1, max_length=200)]
    text: Annotated[str, Field(min_length=1, max_length=3000)]


def _dept_lines(value: Any) -> Any:
    if isinstance(value, str):
        out: list[dict[str, str] | str] = []
        for ln in value.splitlines():
            if not ln.strip():
                continue
            m = _DEPT_LINE.match(ln)
            if not m:
                raise problem(
                    "dept_line",
                    "write each line as 'Department: text' (got {line})",
                    line=repr(ln.strip()[:80]),
                )
            out.append({"department": m["dept"], "text": m["text"]})
        return out
    return value


def check_dept_lengths(text: str) -> str:
    """Free text whose `Department: text` lines become OLAs: each department fits its column."""
    limit = DeptLine.model_fields["department"].metadata
    max_len = next(m.max_length for m in limit if getattr(m, "max_length", None))
    for ln in text.splitlines():
        m = _DEPT_LINE.match(ln)
        if m and len(m["dept"]) > max_len:
            raise problem("too_long", "at most {max_length} characters", max_length=max_len)
    return text


#: Multiline text, one item per line.
Lines = Annotated[list[str], BeforeValidator(_lines)]
#: Multiline text, one `Department: text` per line.
DeptLines = Annotated[list[DeptLine], BeforeValidator(_dept_lines)]


def problem(code: str, english: str, *, field: str | None = None, **params: Any) -> Exception:
    """A validation problem a person can read in their language: `code` names the template
    `field_error.<code>` (templates/forms.*.yaml), `english` is the same text for logs and the
    command line (`{name}` placeholders from `params`); `field` names the field when a model
    validator raises it."""
    ctx: dict[str, Any] = {k: _ctx_value(v) for k, v in params.items()}
    if field:
        ctx["field"] = field
    return PydanticCustomError(PROBLEM_PREFIX + code, english, ctx)


def _ctx_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


#: pydantic error types -> our problem codes (templates `field_error.<code>`)
_TYPES: dict[str, str] = {
    "missing": "required",
    "string_too_long": "too_long",
    "too_short": "too_few",
    "too_long": "too_many",
    "greater_than": "gt",
    "greater_than_equal": "ge",
    "less_than": "lt",
    "less_than_equal": "le",
    "decimal_max_places": "decimal_places",
    "decimal_max_digits": "too_big",
    "decimal_whole_digits": "too_big",
    "literal_error": "choice",
    "enum": "choice",
    "extra_forbidden": "unknown_field",
    "bool_parsing": "yes_no",
    "bool_type": "yes_no",
}
_NUMBER = ("int_", "float_", "decimal_")
_DATE = ("date_", "datetime_")

#: patterns the forms use -> what to type (`field_error.pattern.<name>`); a test checks that
#: every pattern of every form is here
PATTERNS: dict[str, str] = {
    r"^[A-Z0-9][A-Z0-9_-]*$": "code",
}


def _problem_of(err: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    kind = str(err.get("type", ""))
    ctx = dict(err.get("ctx") or {})
    if kind.startswith(PROBLEM_PREFIX):
        ctx.pop("field", None)
        return kind.removeprefix(PROBLEM_PREFIX), ctx
    if kind == "string_too_short":
        return ("required", {}) if ctx.get("min_length", 1) <= 1 else ("too_short", ctx)
    if kind == "string_pattern_mismatch":
        return "pattern." + PATTERNS.get(str(ctx.get("pattern")), "other"), {}
    if kind in _TYPES:
        return _TYPES[kind], {k: _ctx_value(v) for k, v in ctx.items() if k != "error"}
    if kind.startswith(_DATE):
        return "date", {}
    if kind.startswith(_NUMBER):
        return "number", {}
    return "invalid", {}


def field_problems(exc: ValidationError) -> dict[str, FieldProblem]:
    """Map a pydantic ValidationError to {field name: the first problem on it}, each with the
    code of the text that explains it and that text in English."""
    out: dict[str, FieldProblem] = {}
    for err in exc.errors(include_url=False):
        loc = err.get("loc") or ()
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        ctx = err.get("ctx") or {}
        if loc:
            name = str(loc[0])
        elif isinstance(ctx, Mapping) and ctx.get("field"):
            name = str(ctx["field"])
        else:
            # a plain ValueError of a model validator names its field as "field: message"
            m = re.match(r"^(\w+): (.+)$", msg, re.S)
            name, msg = (m[1], m[2]) if m else ("__root__", msg)
        code, params = _problem_of(err)
        out.setdefault(name, FieldProblem(code, params, msg))
    return out


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Map a pydantic ValidationError to {field name: first message} (English)."""
    return {name: p.english for name, p in field_problems(exc).items()}


def form_invalid(exc: ValidationError) -> FormInvalid:
    problems = field_problems(exc)
    return FormInvalid({n: p.english for n, p in problems.items()}, problems=problems)


F = TypeVar("F", bound=StepForm)


def parse_form(model: type[F], data: dict[str, Any] | F) -> F:
    """Validate raw form data; raise FormInvalid with field-level messages."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise form_invalid(exc) from None


def check_not_before(value: date, day: date | None, *, other: str) -> date:
    """`value` must not be before `day`, the value of the field named `other`."""
    if day is not None and value < day:
        raise problem("not_before", "must not be before the start ({day})", other=other, day=day)
    return value
