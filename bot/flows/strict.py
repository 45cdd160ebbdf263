"""Strict form input: a value of the wrong type is a field error, and a form accepts only what
both databases store.

Every form model (`StrictModel`) checks each raw value against its field's type before
pydantic's own (lax) conversion runs:

- text (`str` and choice fields) must be a string: no integers, no booleans;
- no control characters in text (NUL included, which PostgreSQL refuses); multi-line fields
  keep newlines and tabs; no lone surrogates (not storable as UTF-8);
- numbers are numbers: no booleans, no `1e6`, `inf` or `nan`; whole-number fields take no
  fractions (`4.0`);
- dates are dates: `YYYY-MM-DD` or a date, never a date-time, between `FIRST_DAY` and
  `LAST_DAY` (what every database column and calendar handles);
- a yes/no field takes a boolean or yes/no text, not a number.

Lengths are each field's `max_length`, the length of the database column it is stored in (a
test compares them).
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from types import NoneType, UnionType
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

#: our own validators' problems are pydantic custom errors whose type starts with this
PROBLEM_PREFIX = "slm."

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)  # as incidents (bot/flows/incidents.py)
#: longest item of a list of texts (one line of a multi-line field, one chosen value)
ITEM_MAX = 3000

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_WHOLE = re.compile(r"[+-]?\d+")
_LINE_BREAKS = frozenset("\n\r\t")


def strict_problem(code: str, english: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(PROBLEM_PREFIX + code, english, ctx)


def _bare(annotation: Any) -> Any:
    """`X | None` -> X, `Annotated[X, ...]` -> X; anything else unchanged."""
    if get_origin(annotation) is Annotated:
        return _bare(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not NoneType]
        if len(args) == 1:
            return _bare(args[0])
    return annotation


def _check_text(value: Any, *, multiline: bool) -> str:
    if not isinstance(value, str):
        raise strict_problem("text", "enter text")
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cs") and not (multiline and ch in _LINE_BREAKS):
            raise strict_problem("control_chars", "remove control characters")
    return value


def check_day(value: Any) -> Any:
    if isinstance(value, datetime) or not isinstance(value, (date, str)):
        raise strict_problem("date", "enter a date as YYYY-MM-DD")
    if isinstance(value, str):
        if not _DAY.fullmatch(value.strip()):
            raise strict_problem("date", "enter a date as YYYY-MM-DD")
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise strict_problem("date", "enter a date as YYYY-MM-DD") from None
    if not FIRST_DAY <= value <= LAST_DAY:
        raise strict_problem(
            "date_range",
            "enter a date from {first} to {last}",
            first=FIRST_DAY.isoformat(),
            last=LAST_DAY.isoformat(),
        )
    return value


def _check_number(value: Any, *, whole: bool) -> Any:
    if isinstance(value, bool):
        raise strict_problem("number", "enter a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if whole or not math.isfinite(value) or "e" in repr(value):
            raise strict_problem("number", "enter a number")
        return value
    if isinstance(value, Decimal):
        if whole or not value.is_finite():
            raise strict_problem("number", "enter a number")
        return value
    if isinstance(value, str) and (_WHOLE if whole else _DECIMAL).fullmatch(value.strip()):
        return value
    raise strict_problem("number", "enter a number")


def _check_bool(value: Any) -> Any:
    if isinstance(value, (bool, str)):
        return value
    raise strict_problem("yes_no", "tick the box or leave it empty")


def check_value(annotation: Any, value: Any, *, multiline: bool) -> Any:
    """`value` if it has the type of `annotation` (as a form receives it); else a problem."""
    ann = _bare(annotation)
    if value is None:
        return value  # "missing" or the default: pydantic decides
    if ann is str or (isinstance(ann, type) and issubclass(ann, Enum)):
        if isinstance(value, Enum) and isinstance(ann, type) and isinstance(value, ann):
            return value
        return _check_text(value, multiline=multiline)
    if ann is date:
        return check_day(value)
    if ann is bool:
        return _check_bool(value)
    if ann in (int, Decimal) or (isinstance(ann, type) and issubclass(ann, (int, Decimal))):
        return _check_number(value, whole=ann is int)
    if get_origin(ann) is list:
        return _check_list(get_args(ann), value, multiline=multiline)
    return value


def _check_list(args: tuple[Any, ...], value: Any, *, multiline: bool) -> Any:
    if isinstance(value, str):  # multi-line text, one item per line
        _check_items(_check_text(value, multiline=True).splitlines())
        return value
    if not isinstance(value, (list, tuple)):
        raise strict_problem("text", "enter text")
    item = args[0] if args else Any
    if item is str:
        _check_items([_check_text(v, multiline=multiline) for v in value])
    return value


def _check_items(items: list[str]) -> None:
    """Each item (a line) is stored on its own (an improvement action, an OLA): its column's
    length at most."""
    if any(len(v.strip()) > ITEM_MAX for v in items):
        raise strict_problem("too_long", "at most {max_length} characters", max_length=ITEM_MAX)


class StrictModel(BaseModel):
    """A model whose fields refuse values of the wrong type (see the module's docstring)."""

    #: fields (besides those the subclass marks otherwise) that keep newlines and tabs
    multiline_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def is_multiline(cls, name: str) -> bool:
        return name in cls.multiline_fields

    @field_validator("*", mode="before")
    @classmethod
    def _strict(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        field = cls.model_fields.get(name)
        if field is None:
            return value
        return check_value(field.annotation, value, multiline=cls.is_multiline(name))
