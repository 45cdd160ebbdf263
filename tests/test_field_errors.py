"""Field errors a person understands: every form, submitted with every kind of bad value its
rules can meet, answers with the project's own text in the reader's language; no pydantic
message reaches a user; Slack's number inputs carry the rule's bounds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import annotated_types as at
import pytest
from pydantic import BaseModel

from bot.field_errors import localized_errors
from bot.flows.errors import FormInvalid
from bot.flows.forms import PATTERNS, Widget, parse_form, ui_of
from bot.flows.process import ACTIONS
from bot.handlers.modal_fields import field_specs, slack_bounds
from bot.i18n import LOCALES, catalogue
from store.catalogue import CatalogueInput
from tests.support import forms

#: words of pydantic's own messages, which must never reach a person
PYDANTIC = re.compile(
    r"Input should|String should|Value error|should have at least|should have at most|"
    r"Field required|Extra inputs|valid (number|date|integer|decimal)|Decimal input",
    re.I,
)
_CJK = re.compile(r"[\u4e00-\u9fff]")

CATALOGUE_OK: dict[str, Any] = {
    "code": "DB-OPS-24",
    "name": "Database operations",
    "tier": 2,
    "price": "1000.00",
    "availability_pct": "99.9",
}


def _meta(model: type[BaseModel], name: str, kind: type[Any]) -> Any:
    for m in model.model_fields[name].metadata:
        if isinstance(m, kind):
            return m
    return None


def _general(model: type[BaseModel], name: str, attr: str) -> Any:
    for m in model.model_fields[name].metadata:
        if getattr(m, attr, None) is not None:
            return getattr(m, attr)
    return None


def bad_values(model: type[BaseModel], name: str) -> Iterator[tuple[str, Any]]:
    """(kind, value) for every kind of bad value the field's rules refuse."""
    info = model.model_fields[name]
    ann = info.annotation
    if info.is_required():
        yield "required", None
    max_len = _general(model, name, "max_length")
    min_len = _general(model, name, "min_length")
    if ann is str:
        if max_len is not None:
            yield "too long", "x" * (max_len + 1)
        if min_len is not None and min_len > 1:
            yield "too short", "x"
        if _general(model, name, "pattern"):
            yield "pattern", "db ops!"
    if ann in (Decimal, int):
        yield "not a number", "twelve"
        ge, gt = _general(model, name, "ge"), _general(model, name, "gt")
        le = _general(model, name, "le")
        if ge is not None:
            yield "below the minimum", str(Decimal(str(ge)) - 1)
        if gt is not None:
            yield "not above the minimum", str(gt)
        if le is not None:
            yield "above the maximum", str(Decimal(str(le)) + 1)
        places = _general(model, name, "decimal_places")
        if places is not None:
            yield "too many decimals", "1." + "1" * (places + 1)
    if ann is date:
        yield "not a date", "31/01/2027"
    choices = getattr(_ui_or_none(model, name), "choices", ())
    if choices:
        yield "not a choice", "nope"
    if ann is not None and getattr(ann, "__origin__", None) is list and min_len:
        yield "empty list", ""


def _ui_or_none(model: type[BaseModel], name: str) -> Any:
    try:
        return ui_of(model.model_fields[name])
    except LookupError:
        return None


def _cases() -> Iterator[tuple[str, type[BaseModel], dict[str, Any]]]:
    samples = forms("Field Errors Ltd")
    for action in ACTIONS:
        if action.system:
            continue
        yield action.id, action.form, samples[action.id]
    yield "catalogue", CatalogueInput, CATALOGUE_OK


def _check(text: str, locale: str, where: str) -> None:
    assert text.strip(), where
    assert not PYDANTIC.search(text), f"{where}: pydantic's words reach the user: {text}"
    if locale == "zh-CN":
        assert _CJK.search(text), f"{where}: no Chinese in {text!r}"


def _own_texts(locale: str) -> list[re.Pattern[str]]:
    """Each field_error template as a pattern (parameters match anything)."""
    out = []
    for key, source in catalogue(locale).items():
        if key.startswith("field_error."):
            parts = re.split(r"\{\{.*?\}\}", source)
            out.append(re.compile("^" + ".*".join(re.escape(p) for p in parts) + "$", re.S))
    return out


@pytest.mark.parametrize("locale", LOCALES)
def test_every_form_answers_every_bad_value_in_its_own_words(locale: str) -> None:
    own = _own_texts(locale)
    tried = set()
    for where, model, good in _cases():
        model.model_validate(good)
        for name in model.model_fields:
            for kind, value in bad_values(model, name):
                data = dict(good)
                if value is None:
                    data.pop(name, None)
                else:
                    data[name] = value
                try:
                    parse_form(model, data)  # type: ignore[type-var]
                except FormInvalid as exc:
                    texts = localized_errors(exc, locale, form=model)
                else:
                    pytest.fail(f"{where}.{name} accepted {kind} {value!r}")
                label = f"{where}.{name} ({kind})"
                assert name in texts, f"{label}: the message is not on the field: {texts}"
                _check(texts[name], locale, label)
                assert any(p.match(texts[name]) for p in own), f"{label}: {texts[name]!r}"
                tried.add(kind)
    assert tried >= {
        "required",
        "too long",
        "pattern",
        "not a number",
        "below the minimum",
        "not above the minimum",
        "above the maximum",
        "too many decimals",
        "not a date",
        "not a choice",
        "empty list",
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_rules_between_fields_in_their_own_words(locale: str) -> None:
    f = forms("Cross Field Ltd")
    cases = [
        ("M1", {"end_date": "2026-01-01"}, "end_date"),
        ("M2", {"decision": "decline", "reason": ""}, "reason"),
        ("M9.review", {"decision": "reject", "reason": ""}, "reason"),
        ("T1.extension", {"decision": "reject", "reason": ""}, "reason"),
    ]
    by_id = {a.id: a for a in ACTIONS}
    for action, change, field in cases:  # (action, bad change, the field that answers)
        model = by_id[action].form
        with pytest.raises(FormInvalid) as exc:
            parse_form(model, f[action] | change)
        texts = localized_errors(exc.value, locale, form=model)
        _check(texts[field], locale, f"{action}.{field}")
        assert exc.value.problems[field].code in {"after", "reason_to_decline", "reason_to_reject"}
    # the other field is named by its label in the reader's language
    with pytest.raises(FormInvalid) as exc:
        parse_form(by_id["M1"].form, f["M1"] | {"end_date": "2026-01-01"})
    start_label = ui_of(by_id["M1"].form.model_fields["start_date"]).label(locale)
    text = localized_errors(exc.value, locale, form=by_id["M1"].form)["end_date"]
    assert start_label.lower() in text.lower()


def test_the_catalogue_code_says_what_to_type() -> None:
    with pytest.raises(FormInvalid) as exc:
        parse_form(CatalogueInput, CATALOGUE_OK | {"code": "db ops"})  # type: ignore[type-var]
    assert localized_errors(exc.value, "en")["code"] == (
        "Use capital letters, digits and dashes, e.g. DB-OPS-24."
    )
    assert "DB-OPS-24" in localized_errors(exc.value, "zh-CN")["code"]


def test_every_pattern_a_form_uses_has_its_words() -> None:
    for _, model, _ in _cases():
        for name in model.model_fields:
            pattern = _general(model, name, "pattern")
            if pattern:
                assert pattern in PATTERNS, f"{model.__name__}.{name}: no words for {pattern}"


def test_number_inputs_offer_the_rule_bounds() -> None:
    """Slack's input accepts exactly what the rule accepts: `gt=0` is never `min_value` 0."""
    seen_gt = False
    for action in ACTIONS:
        if action.system:
            continue
        for spec in field_specs(action.id):
            if spec.widget is not Widget.NUMBER:
                continue
            low, high = slack_bounds(spec)
            gt = spec.constraint(at.Gt)
            if gt is not None:
                seen_gt = True
                assert low is None or Decimal(low) > Decimal(str(gt)), (action.id, spec.name, low)
                if low is not None:
                    parse_form(action.form, forms()[action.id] | {spec.name: low})
            ge = spec.constraint(at.Ge)
            if ge is not None:
                assert low == str(ge)
            if high is not None:
                parse_form(action.form, forms()[action.id] | {spec.name: high})
    assert seen_gt


def test_a_task_dm_names_the_recipients_roles() -> None:
    from bot.blocks.cards import task_blocks
    from bot.flows.roles import Role

    for locale in LOCALES:
        _, blocks = task_blocks("SLA-2026-0001", "Acme", "M4", 1, locale, held={Role.SLM})
        line = str(blocks[1])
        assert Role.SLM.label(locale) in line and Role.SALES.label(locale) not in line
        _, blocks = task_blocks(
            "SLA-2026-0001", "Acme", "M9", 1, locale, held={Role.OPS_LEAD, Role.ADMIN}
        )
        line = str(blocks[1])
        assert Role.OPS_LEAD.label(locale) in line and Role.ADMIN.label(locale) not in line
