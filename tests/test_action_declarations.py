"""Per-action behaviour is declared on the `Action` (bot.flows.process), nowhere else."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.flows.behaviour import Effect
from bot.flows.process import ACTION_BY_ID, ACTIONS, COMMANDS, command_action
from bot.flows.roles import Role
from bot.i18n import catalogue
from store.effects import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
#: pure declarations and sample data may name actions; nothing else may
ALLOWED = (ROOT / "bot" / "flows", ROOT / "store" / "demo.py", ROOT / "store" / "migrations")


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in ACTION_BY_ID
    ]


def test_no_action_id_literal_outside_flows() -> None:
    found = []
    for top in ("bot", "store"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if any(path == a or a in path.parents for a in ALLOWED):
                continue
            found += [f"{path.relative_to(ROOT)}:{n}: {v!r}" for n, v in _literals(path)]
    assert not found, "declare the behaviour on the Action instead:\n" + "\n".join(found)


def test_the_literal_scan_finds_a_literal(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text('X = {"M9.review": 1}\nY = "M9.reviewer"\n', encoding="utf-8")
    assert _literals(probe) == [(1, "M9.review")]


def test_every_declared_effect_has_one_store_function() -> None:
    assert set(REGISTRY) == set(Effect)
    used = {e for a in ACTIONS for e in a.effects}
    assert used == set(Effect), f"effects no action declares: {set(Effect) - used}"


def test_approvals_name_what_they_approve_and_have_one_click_choices() -> None:
    for a in ACTIONS:
        if Effect.APPROVAL in a.effects:
            assert a.approves in ACTION_BY_ID
            assert any(c.one_click for c in a.choices), a.id
        for c in a.choices:
            for locale in ("en", "zh-CN"):
                assert c.label_key in catalogue(locale), (a.id, c.label_key, locale)


def test_every_person_action_has_its_modal_verb_in_both_languages() -> None:
    for a in ACTIONS:
        if a.system:
            continue
        assert a.verb_key == "modal_verb_" + a.id.replace(".", "_")
        for locale in ("en", "zh-CN"):
            assert a.verb_key in catalogue(locale), (a.id, locale)


def test_terminate_opens_the_notice_for_sales_and_the_decision_for_a_manager() -> None:
    assert len(COMMANDS["terminate"]) == 2
    assert ACTION_BY_ID[command_action("terminate", {Role.SLM}) or ""].roles == (Role.SLM,)
    by_sales = command_action("terminate", {Role.SALES, Role.SLM}) or ""
    assert Role.SALES in ACTION_BY_ID[by_sales].roles
    assert command_action("terminate", set()) == by_sales
    assert command_action("nonsense", {Role.SLM}) is None
