"""Field errors a person understands, in their language.

Validation reports each problem as a code and parameters (`bot.flows.errors.FieldProblem`);
this module turns them into the project's own text, `field_error.<code>` in
`templates/field_errors.<locale>.yaml`, naming other fields and choices by their labels in the
reader's language. A problem without a code (none is left in the forms; a test checks) keeps
its English text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from bot.flows.errors import FieldProblem, FormInvalid
from bot.flows.forms import UI
from bot.i18n import catalogue, norm_locale, t


def _ui(form: type[BaseModel] | None, name: str) -> UI | None:
    info = form.model_fields.get(name) if form is not None else None
    if info is None:
        return None
    return next((m for m in info.metadata if isinstance(m, UI)), None)


def _choices(form: type[BaseModel] | None, name: str, locale: str) -> str:
    ui = _ui(form, name)
    sep = "、" if norm_locale(locale) == "zh-CN" else ", "
    if ui is None or not ui.choices:
        return ""
    zh = norm_locale(locale) == "zh-CN"
    return sep.join(zh_label if zh else en_label for _, en_label, zh_label in ui.choices)


def problem_text(
    problem: FieldProblem, locale: str, *, form: type[BaseModel] | None = None, name: str = ""
) -> str:
    """One problem as the sentence that says what to type."""
    key = f"field_error.{problem.code}"
    if key not in catalogue(locale):
        return problem.english
    params: dict[str, Any] = {k: v for k, v in problem.params.items() if str(k).isidentifier()}
    other = params.get("other")
    if isinstance(other, str):
        ui = _ui(form, other)
        params["other"] = ui.label(locale) if ui else other
    if problem.code == "choice":
        params["choices"] = _choices(form, name, locale) or str(params.get("expected", ""))
    params.setdefault("day", "")
    return t(key, locale, **params)


def localized_errors(
    exc: FormInvalid, locale: str, *, form: type[BaseModel] | None = None
) -> dict[str, str]:
    """{field name: message in `locale`} for every field the error names."""
    out: dict[str, str] = {}
    for name, english in exc.errors.items():
        problem = exc.problems.get(name)
        out[name] = problem_text(problem, locale, form=form, name=name) if problem else english
    return out


def localized_summary(exc: FormInvalid, locale: str, form: type[BaseModel] | None = None) -> str:
    """All problems on one line, each after its field's label."""
    parts = []
    for name, text in localized_errors(exc, locale, form=form).items():
        ui = _ui(form, name)
        label = ui.label(locale) if ui else ("" if name == "__root__" else name)
        parts.append(f"{label}: {text}" if label else text)
    return "; ".join(parts)


def problem_codes() -> Mapping[str, str]:
    """Every code the English templates explain (for tests)."""
    return {
        k.removeprefix("field_error."): v
        for k, v in catalogue("en").items()
        if k.startswith("field_error.")
    }
