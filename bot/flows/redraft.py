"""What changed between two drafts (M4 again before M5, C2 again before C3): the form's fields
one by one, and a compact unified diff of the rendered text.

Pure: the store hands in the two step records' data and the two documents' issued text; the
handlers label the fields in the reader's language.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.flows.forms import StepForm


@dataclass(frozen=True)
class FieldChange:
    """One form field whose value differs between the previous draft and the new one."""

    name: str
    old: Any
    new: Any


def _same(a: Any, b: Any) -> bool:
    if a in (None, "", [], {}) and b in (None, "", [], {}):
        return True
    return bool(a == b) or str(a) == str(b)


def field_changes(
    form: type[StepForm], old: Mapping[str, Any], new: Mapping[str, Any]
) -> tuple[FieldChange, ...]:
    """The fields of `form` whose recorded values differ, in the form's order."""
    return tuple(
        FieldChange(name, old.get(name), new.get(name))
        for name in form.model_fields
        if not _same(old.get(name), new.get(name))
    )


def text_diff(old: str, new: str, *, context: int = 0, limit: int = 40) -> list[str]:
    """A unified diff of two rendered texts without the file header: `@@` hunks with `-` and
    `+` lines (and `context` unchanged lines around them), at most `limit` lines; a last
    line `…` says that more was left out."""
    lines = list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), n=context, lineterm="", fromfile="", tofile=""
        )
    )[2:]
    if len(lines) > limit:
        return [*lines[:limit], "…"]
    return lines
