"""Step modals: valid Slack views for every action, and a submission read back into its form."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.views import View

from bot.blocks.context import StepContext
from bot.blocks.ids import CallbackId, field_action, field_block, field_of_block
from bot.flows.errors import FormInvalid
from bot.flows.forms import parse_form
from bot.flows.onboarding_forms import M1Form, M2Form
from bot.flows.process import ACTION_BY_ID, ACTIONS
from bot.flows.samples import sample_forms
from bot.handlers.modal_fields import element_value
from bot.handlers.modals import errors_for, modal_title, parse_state, step_modal
from bot.i18n import LOCALES, TEMPLATES

HUMAN = [a.id for a in ACTIONS if not a.system]
SYSTEM = [a.id for a in ACTIONS if a.system]
CATALOGUE = [("DB-OPS", "Database operations"), ("NET-MON", "Network monitoring")]
OPTIONS = {"entry": CATALOGUE, "entries": CATALOGUE}
SAMPLES = sample_forms(date(2026, 3, 2))
PAYLOADS = Path(__file__).resolve().parents[2] / "shared" / "slack" / "payloads"
CJK = re.compile(r"[\u4e00-\u9fff]")


def ctx(action_id: str) -> StepContext:
    return StepContext(agreement_id="SLA-2026-0003", action=action_id, lock_version=7)


def modal(action_id: str, locale: str = "en", **kw: Any) -> dict[str, Any]:
    kw.setdefault("options", OPTIONS)
    return step_modal(action_id, ctx(action_id), locale, **kw)


def inputs(view: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [b for b in view["blocks"] if b["type"] == "input"]


# --- what Slack sends: state.values of a submitted modal ----------------------------------


def _all_options(el: Mapping[str, Any]) -> list[dict[str, Any]]:
    if "option_groups" in el:
        return [o for g in el["option_groups"] for o in g["options"]]
    return list(el.get("options", []))


def _pick(el: Mapping[str, Any], value: Any) -> dict[str, Any]:
    found = [o for o in _all_options(el) if o["value"] == str(value)]
    assert found, f"{el['action_id']}: no option {value!r} to pick"
    return found[0]


def element_state(el: Mapping[str, Any], entered: Any, touched: bool) -> dict[str, Any]:
    """The state Slack sends for element `el`: what the user entered, or (untouched) what
    the modal pre-filled."""
    kind = el["type"]
    state: dict[str, Any] = {"type": kind}
    if kind in ("plain_text_input", "number_input"):
        if touched:
            text = "\n".join(entered) if isinstance(entered, list) else str(entered)
            state["value"] = text or None  # Slack sends null for an empty input
        else:
            state["value"] = el.get("initial_value")
    elif kind == "datepicker":
        state["selected_date"] = entered if touched else el.get("initial_date")
    elif kind in ("static_select", "radio_buttons"):
        state["selected_option"] = _pick(el, entered) if touched else el.get("initial_option")
    elif kind == "multi_static_select":
        chosen = [_pick(el, v) for v in entered] if touched else el.get("initial_options", [])
        state["selected_options"] = chosen
    elif kind == "checkboxes":
        if touched:
            state["selected_options"] = [_pick(el, "true")] if entered else []
        else:
            state["selected_options"] = el.get("initial_options", [])
    elif kind == "users_select":
        state["selected_user"] = entered if touched else el.get("initial_user")
    elif kind == "multi_users_select":
        state["selected_users"] = list(entered) if touched else el.get("initial_users", [])
    else:
        raise AssertionError(f"unexpected element {kind}")
    return state


def fill(view: Mapping[str, Any], entered: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """view.state.values after a user typed `entered` (field -> value) into the modal."""
    values: dict[str, dict[str, Any]] = {}
    for block in inputs(view):
        name = field_of_block(block["block_id"])
        assert name is not None
        el = block["element"]
        state = element_state(el, entered.get(name), name in entered)
        values[block["block_id"]] = {el["action_id"]: state}
    return values


# --- valid views --------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("action_id", HUMAN)
@pytest.mark.parametrize("prefilled", [False, True], ids=["empty", "prefilled"])
def test_modal_is_a_valid_slack_view(action_id: str, locale: str, prefilled: bool) -> None:
    initial = SAMPLES[action_id] if prefilled else None
    view = modal(action_id, locale, initial=initial, agreement_label="SLA-2026-0003 · Harbour")
    model = View(**view)
    model.validate_json()
    # to_dict validates every nested block and element; equality means no key was unknown
    assert model.to_dict() == view
    assert view["type"] == "modal"
    assert view["callback_id"] == CallbackId.STEP
    assert StepContext.model_validate_json(view["private_metadata"]) == ctx(action_id)
    assert len(view["private_metadata"]) <= 3000
    assert len(view["blocks"]) <= 100
    for key in ("title", "submit", "close"):
        assert 1 <= len(view[key]["text"]) <= 24, key
    assert inputs(view), "every step form has inputs"
    assert view["submit"]["text"]
    block_ids = [b["block_id"] for b in inputs(view)]
    assert len(set(block_ids)) == len(block_ids)
    form = ACTION_BY_ID[action_id].form
    assert block_ids == [field_block(n) for n in form.model_fields]
    for block in inputs(view):
        name = field_of_block(block["block_id"])
        assert name is not None
        assert block["element"]["action_id"] == field_action(name)
        assert block["optional"] is not form.model_fields[name].is_required()


def test_title_is_the_step_id_and_a_short_verb() -> None:
    assert modal_title("M9.review", "en") == "M9 · Approve"
    assert modal_title("M9.review", "zh-CN") == "M9 · 审批"
    assert modal_title("M1", "en") == "M1 · New request"
    for a in ACTIONS:
        for locale in LOCALES:
            title = modal_title(a.id, locale)
            assert title.startswith(f"{a.step} · ")
            assert len(title) <= 24
    # an action without a short verb falls back to its verb, cut with an ellipsis
    assert modal_title("T2.deem", "en").endswith("…")


def test_first_block_names_the_step_and_the_agreement() -> None:
    view = modal("M9", "en", agreement_label="SLA-2026-0003 · Harbour & <Bank>")
    first = view["blocks"][0]
    assert first["type"] == "context"
    text = first["elements"][0]["text"]
    assert "M9 · Initiation report and OLAs" in text
    assert "SLA-2026-0003 · Harbour &amp; &lt;Bank&gt;" in text
    zh = modal("M9", "zh-CN")["blocks"][0]["elements"][0]["text"]
    assert "M9 · 提交运维项目立项报告和确定OLA" in zh


def test_widgets() -> None:
    by_name = {field_of_block(b["block_id"]): b for b in inputs(modal("M4"))}
    assert by_name["entry"]["element"]["type"] == "static_select"
    assert [o["value"] for o in by_name["entry"]["element"]["options"]] == ["DB-OPS", "NET-MON"]
    assert by_name["tier"]["element"]["type"] == "static_select"
    assert by_name["start_date"]["element"]["type"] == "datepicker"
    assert by_name["capacity"]["element"] == {
        "type": "plain_text_input",
        "action_id": field_action("capacity"),
        "multiline": True,
        "min_length": 1,
    }
    price = by_name["price"]["element"]
    assert price["type"] == "number_input"
    assert price["is_decimal_allowed"] is True
    assert price["min_value"] == "0"
    assert by_name["availability_pct"]["element"]["max_value"] == "100"
    assert by_name["suppliers_needed"]["element"]["type"] == "checkboxes"
    assert by_name["suppliers_needed"]["element"]["options"][0]["value"] == "true"
    # defaults are shown pre-filled
    assert by_name["review_cadence"]["element"]["initial_option"]["value"] == "quarterly"

    m11 = {field_of_block(b["block_id"]): b for b in inputs(modal("M11"))}
    sat = m11["satisfaction"]["element"]
    assert (sat["is_decimal_allowed"], sat["min_value"], sat["max_value"]) == (False, "1", "5")
    assert m11["changes"]["hint"]["text"] == "One per line"

    m1 = {field_of_block(b["block_id"]): b for b in inputs(modal("M1"))}
    assert m1["customer"]["element"]["max_length"] == 200
    assert m1["contact"]["hint"]["text"] == "Name, phone or e-mail"
    assert m1["services"]["element"]["multiline"] is True

    assert inputs(modal("M2"))[3]["element"]["type"] == "radio_buttons"
    assert inputs(modal("M3"))[0]["element"]["type"] == "multi_static_select"
    assert inputs(modal("M7"))[1]["element"]["type"] == "multi_users_select"
    assert inputs(modal("M8"))[1]["element"]["type"] == "users_select"
    t7 = {field_of_block(b["block_id"]): b for b in inputs(modal("T7"))}
    assert t7["corrective_actions"]["hint"]["text"] == "One item per line"


def test_initial_values_pre_fill_the_modal() -> None:
    view = modal("M9.review", initial={"decision": "reject"})
    assert inputs(view)[0]["element"]["initial_option"]["value"] == "reject"
    m9 = modal(
        "M9",
        initial={
            "report": "r",
            "budget": "90000.00",
            "olas": [{"department": "DBA", "text": "30 min"}, "Network: 1 h"],
        },
    )
    els = {field_of_block(b["block_id"]): b["element"] for b in inputs(m9)}
    assert els["olas"]["initial_value"] == "DBA: 30 min\nNetwork: 1 h"
    assert els["budget"]["initial_value"] == "90000.00"
    m4 = modal("M4", initial={"start_date": date(2026, 3, 2), "suppliers_needed": True})
    els = {field_of_block(b["block_id"]): b["element"] for b in inputs(m4)}
    assert els["start_date"]["initial_date"] == "2026-03-02"
    assert els["suppliers_needed"]["initial_options"][0]["value"] == "true"
    m9 = modal("M9", initial={"budget": Decimal("1E+5")})
    assert inputs(m9)[1]["element"]["initial_value"] == "100000"
    m12 = modal("M12", initial={"documents_current": "false"})
    assert "initial_options" not in inputs(m12)[0]["element"]
    # a value that is not among the options is not pre-selected (Slack would refuse the view)
    m4 = modal("M4", initial={"entry": "GONE", "tier": "9"})
    els = {field_of_block(b["block_id"]): b["element"] for b in inputs(m4)}
    assert "initial_option" not in els["entry"]
    assert "initial_option" not in els["tier"]
    View(**m4).validate_json()


def test_system_action_has_no_modal() -> None:
    assert SYSTEM
    for action_id in SYSTEM:
        with pytest.raises(ValueError, match="system"):
            step_modal(action_id, ctx(action_id), "en")
        with pytest.raises(ValueError, match="system"):
            parse_state(action_id, {})
        with pytest.raises(ValueError, match="system"):
            errors_for(action_id, {"x": "y"})


def test_big_catalogue_uses_option_groups() -> None:
    big = [(f"E{i:03}", f"Entry {i}") for i in range(250)]
    view = modal("M3", options={"entries": big}, initial={"entries": ["E000", "E249"]})
    el = inputs(view)[0]["element"]
    assert "options" not in el
    assert [len(g["options"]) for g in el["option_groups"]] == [100, 100, 50]
    assert el["option_groups"][2]["label"]["text"] == "201–250"
    assert [o["value"] for o in el["initial_options"]] == ["E000", "E249"]
    View(**view).validate_json()
    assert View(**view).to_dict() == view
    values = fill(view, {"entries": ["E000", "E249"]})
    assert parse_state("M3", values)["entries"] == ["E000", "E249"]


@pytest.mark.parametrize("locale", LOCALES)
def test_no_catalogue_says_so_and_offers_the_entry_modal(locale: str) -> None:
    """Issue 9, rule 8: no free text that M4 would later reject. M3 (and C1) with an empty
    catalogue say so and offer a button to the catalogue entry modal; M4 with nothing offered
    says so; neither can be submitted."""
    for action_id in ("M3", "C1"):
        view = modal(action_id, locale, options={})
        assert not inputs(view) and "submit" not in view
        assert json.loads(view["private_metadata"])["agreement_id"] == "SLA-2026-0003"
        (button,) = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert button["action_id"] == "sla-catalog-edit"
        text = json.dumps(view, ensure_ascii=False)
        assert ("服务目录中还没有有效条目" if locale != "en" else "no active entry") in text
        assert View(**view).to_dict() == view
    m4 = modal("M4", locale, options={"entry": []})
    assert not inputs(m4) and "submit" not in m4
    assert not [b for b in m4["blocks"] if b["type"] == "actions"], "sales cannot edit it"
    # with entries, M3 and C1 still offer the button beside the select
    m3 = modal("M3", locale)
    assert inputs(m3)[0]["element"]["type"] == "multi_static_select"
    assert any(b["type"] == "actions" for b in m3["blocks"])


# --- round trip ---------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("action_id", HUMAN)
def test_round_trip_of_the_sample(action_id: str, locale: str) -> None:
    form = ACTION_BY_ID[action_id].form
    sample = SAMPLES[action_id]
    view = modal(action_id, locale)
    raw = parse_state(action_id, fill(view, sample))
    assert form.model_validate(raw) == form.model_validate(sample)
    for name, value in raw.items():
        if ACTION_BY_ID[action_id].form.model_fields[name].annotation in (int,):
            assert isinstance(value, str), "number inputs stay strings"


@pytest.mark.parametrize("action_id", HUMAN)
def test_untouched_prefilled_modal_submits_the_initial_values(action_id: str) -> None:
    form = ACTION_BY_ID[action_id].form
    expected = form.model_validate(SAMPLES[action_id])
    for initial in (SAMPLES[action_id], expected.model_dump()):
        view = modal(action_id, initial=initial)
        raw = parse_state(action_id, fill(view, {}))
        assert form.model_validate(raw) == expected


def test_empty_inputs_are_left_out_so_defaults_apply() -> None:
    view = modal("M2")
    values = fill(view, {"current_state": "ok", "decision": "accept", "defects": ""})
    assert parse_state("M2", values) == {"current_state": "ok", "decision": "accept"}
    values[field_block("defects")][field_action("defects")]["value"] = "   "
    assert "defects" not in parse_state("M2", values)


def test_checkbox_gives_a_bool() -> None:
    view = modal("M12")
    ticked = parse_state("M12", fill(view, {"documents_current": True, "findings": "f"}))
    plain = parse_state("M12", fill(view, {"documents_current": False, "findings": "f"}))
    assert ticked["documents_current"] is True
    assert plain["documents_current"] is False


# --- real payloads ------------------------------------------------------------------------

PAYLOAD_FILES = (
    "python-slack-sdk__view_state_all_values.json",
    "slack-machine__view_submission.json",
    "captured__view_state_static_select_number_input.json",
)


def _state_values(name: str) -> dict[str, dict[str, Any]]:
    if not PAYLOADS.is_dir():
        pytest.skip(f"no shared Slack payloads at {PAYLOADS} (../shared next to the repo)")
    data = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    values = data["view"]["state"]["values"] if "view" in data else data["values"]
    assert isinstance(values, dict)
    return values


@pytest.mark.parametrize("name", PAYLOAD_FILES)
def test_real_payloads_parse(name: str) -> None:
    values = _state_values(name)
    for action_id in HUMAN:
        assert parse_state(action_id, values) == {}, "blocks of other modals are ignored"
    for block in values.values():
        for state in block.values():
            element_value(state)  # every element type Slack sends is read without error


def test_real_element_shapes() -> None:
    values = _state_values("python-slack-sdk__view_state_all_values.json")
    got = {b: element_value(next(iter(s.values()))) for b, s in values.items()}
    assert got["b1"] == "1990-04-12"
    assert got["b3"] == "Something wrong\nPlease help me!"
    assert got["b4"] == "U123"
    assert got["b4-2"] == ["U123", "U234"]
    assert got["b7"] == ["value-0", "value-1"]
    assert got["b8"] is False  # only an option with value "true" ticks our checkbox
    assert got["b9"] == "option 1"


def test_real_payload_rekeyed_onto_a_form() -> None:
    """The captured static_select / number_input state, as if it were C4's modal."""
    values = _state_values("captured__view_state_static_select_number_input.json")
    rekeyed = {
        field_block("action"): values["vendor"],
        field_block("supplier"): values["originator"],
        field_block("contract_no"): values["doc_id"],
        field_block("scope"): values["scope"],
        field_block("cost"): values["cost"],
        "client": values["client"],
    }
    raw = parse_state("C4", rekeyed)
    assert raw == {
        "action": "5",
        "supplier": "asd",
        "contract_no": "asd",
        "scope": "asd",
        "cost": "1",
    }
    view = _state_values("slack-machine__view_submission.json")
    m14 = {field_block("reason"): view["it2e/"], field_block("notes"): view["DVhIO"]}
    assert parse_state("M14", m14) == {"reason": "Pay better", "notes": "Nothing"}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
TYPES = st.sampled_from(
    [
        "plain_text_input",
        "number_input",
        "datepicker",
        "static_select",
        "radio_buttons",
        "multi_static_select",
        "checkboxes",
        "users_select",
        "multi_users_select",
        "unknown",
    ]
)
STATE = st.builds(
    lambda k, extra: {**extra, "type": k},
    TYPES,
    st.dictionaries(
        st.sampled_from(
            [
                "value",
                "selected_option",
                "selected_options",
                "selected_date",
                "selected_user",
                "selected_users",
            ]
        ),
        JSON,
    ),
)


@settings(max_examples=200, deadline=None)
@given(state=STATE, name=st.sampled_from(["customer", "tier", "start_date", "other"]))
def test_odd_states_never_crash(state: dict[str, Any], name: str) -> None:
    values = {field_block(name): {field_action(name): state}}
    raw = parse_state("M1", values)
    assert set(raw) <= {"customer", "tier", "start_date"}


# --- errors -------------------------------------------------------------------------------


def test_date_order_error_lands_on_the_end_date() -> None:
    bad = {**SAMPLES["M1"], "end_date": "2026-01-01"}
    with pytest.raises(FormInvalid) as info:
        parse_form(M1Form, bad)
    errors = errors_for("M1", info.value.errors)
    assert list(errors) == [field_block("end_date")]
    assert "2026-03-02" in errors[field_block("end_date")]


def test_model_level_error_lands_on_its_field() -> None:
    with pytest.raises(FormInvalid) as info:
        parse_form(M2Form, {"current_state": "x", "decision": "decline"})
    assert errors_for("M2", info.value.errors) == {
        field_block("reason"): "a reason is required to decline"
    }


def test_errors_without_a_block_go_on_the_first_input() -> None:
    errors = errors_for("M1", {"__root__": "whole form", "nope": "x" * 400, "tier": "bad"})
    first = field_block("customer")
    assert set(errors) == {first, field_block("tier")}
    assert errors[first].startswith("whole form; xxx")
    assert len(errors[first]) == 150
    assert errors[first].endswith("…")
    view_blocks = {b["block_id"] for b in inputs(modal("M1"))}
    assert set(errors) <= view_blocks


# --- locale -------------------------------------------------------------------------------


def test_chinese_modal_is_chinese_and_english_modal_is_not() -> None:
    zh = json.dumps(modal("M1", "zh-CN"), ensure_ascii=False)
    for text in ("客户", "期望服务等级", "提交", "取消", "选择日期", "M1 · 新需求登记"):
        assert text in zh
    en = json.dumps(modal("M1", "en"), ensure_ascii=False)
    assert not CJK.search(en)
    for text in ("Customer", "Desired tier", "Submit", "Cancel"):
        assert text in en


def _yaml(locale: str) -> dict[str, str]:
    data = yaml.safe_load((TEMPLATES / f"modals.{locale}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_templates_have_the_same_keys_in_both_locales() -> None:
    en, zh = _yaml("en"), _yaml("zh-CN")
    assert set(en) == set(zh)
    neutral = {"modal_title", "modal_context", "modal_options_group"}
    for key in set(en) - neutral:
        assert CJK.search(zh[key]), f"{key} is not Chinese"
        assert not CJK.search(en[key]), f"{key} is not English"
    for action_id in HUMAN:
        assert "modal_verb_" + action_id.replace(".", "_") in en
