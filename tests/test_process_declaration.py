"""The process declaration itself: complete, bilingual, consistent, pure."""

from __future__ import annotations

import ast
import sys
from collections import deque
from pathlib import Path

import pytest

from bot.flows.forms import Widget, ui_of
from bot.flows.machine import INITIAL_STATE
from bot.flows.process import ACTION_BY_ID, ACTIONS, STEP_BY_ID, STEPS, Status
from bot.flows.roles import ROLE_NAMES, Role

PROCESS_IDS = (
    [f"M{i}" for i in range(1, 15)]
    + [f"C{i}" for i in range(1, 5)]
    + [f"T{i}" for i in range(1, 8)]
)


def test_every_step_of_process_md_is_declared_once() -> None:
    assert [s.id for s in STEPS] == PROCESS_IDS
    assert len(STEPS) == 25


@pytest.mark.parametrize("step_id", PROCESS_IDS)
def test_step_is_bilingual_and_has_actions(step_id: str) -> None:
    st = STEP_BY_ID[step_id]
    assert st.en and st.zh and st.inputs_en and st.inputs_zh
    assert any("\u4e00" <= ch <= "\u9fff" for ch in st.zh), "Chinese name from the seed"
    assert st.actions, f"{step_id} has no action"
    for aid in st.actions:
        act = ACTION_BY_ID[aid]
        assert act.verb_en and act.verb_zh
        assert act.system or act.roles, f"{aid} names no role"
        assert act.all_outputs(), f"{aid} produces no document"


@pytest.mark.parametrize("action_id", [a.id for a in ACTIONS if not a.system])
def test_every_form_field_has_labels_and_a_widget(action_id: str) -> None:
    form = ACTION_BY_ID[action_id].form
    assert form.model_fields, f"{action_id} records nothing"
    for name, info in form.model_fields.items():
        ui = ui_of(info)
        assert ui.en and ui.zh, f"{action_id}.{name} lacks a label"
        assert isinstance(ui.widget, Widget)
        if ui.widget in (Widget.SELECT, Widget.RADIO) and name not in ("entry",):
            assert ui.choices, f"{action_id}.{name}: a choice widget without choices"
            for _value, en, zh in ui.choices:
                assert en and zh


def test_roles_have_names_in_both_languages() -> None:
    assert set(ROLE_NAMES) == set(Role)
    assert {r.value for r in Role} == {
        "sales",
        "slm",
        "ops_lead",
        "supplier_manager",
        "support_dept",
        "contracts",
        "executive",
        "admin",
    }


def test_every_action_is_reachable_from_m1() -> None:
    """Walk the declared branches (and the standing actions of each status reached)."""
    seen: set[str] = set()
    statuses: set[Status] = {INITIAL_STATE.status}
    queue = deque(INITIAL_STATE.pending)
    while queue:
        aid = queue.popleft()
        if aid in seen:
            continue
        seen.add(aid)
        act = ACTION_BY_ID[aid]
        for b in act.branches:
            queue.extend(b.opens)
            if b.status and b.status not in statuses:
                statuses.add(b.status)
                queue.extend(a.id for a in ACTIONS if b.status in a.standing_in)
    assert seen == set(ACTION_BY_ID)
    assert statuses == set(Status)


def test_branches_of_the_real_process() -> None:
    m2 = {b.key: b for b in ACTION_BY_ID["M2"].branches}
    assert m2["decline"].status is Status.DECLINED
    m5 = {b.key: b for b in ACTION_BY_ID["M5"].branches}
    assert m5["no_suppliers"].skips == ("M6",)
    assert ACTION_BY_ID["M9.review"].four_eyes == "M9"
    t1 = {b.key for b in ACTION_BY_ID["T1"].branches}
    assert {"renewal", "extension", "notice"} <= t1
    assert ACTION_BY_ID["T1.extension"].roles == (Role.EXECUTIVE,)
    assert ACTION_BY_ID["T2.deem"].system
    assert ACTION_BY_ID["T6"].join == () and ACTION_BY_ID["T3"].join == ("T3", "T4", "T5")


FLOWS = Path(__file__).resolve().parents[1] / "bot" / "flows"
#: business time may use the holidays package (data) and numpy (batch forms)
EXTRA_ALLOWED = {"business_time": {"holidays", "numpy"}}


def _top_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(
                node.module.split(".")[0]
                if node.module != "bot.flows" and not node.module.startswith("bot.flows.")
                else "bot.flows"
            )
    return out


def test_flows_import_only_stdlib_and_pydantic() -> None:
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    for path in sorted(FLOWS.rglob("*.py")):
        allowed = stdlib | {"pydantic", "pydantic_core", "bot.flows"}
        rel = path.relative_to(FLOWS).with_suffix("")
        allowed |= EXTRA_ALLOWED.get(rel.parts[0], set())
        bad = _top_imports(path) - allowed
        assert not bad, f"bot/flows/{rel}.py imports {sorted(bad)}"
