"""The lifecycle engine, pure: every action x every role, branches, joins. No database."""

from __future__ import annotations

from typing import Any

import pytest

from bot.flows.errors import FormInvalid, InvalidTransition, PermissionDenied
from bot.flows.machine import SYSTEM_ACTOR, AgreementState, decide
from bot.flows.process import ACTION_BY_ID, ACTIONS, Status
from bot.flows.roles import Role
from bot.flows.samples import sample_forms
from tests.support import START

FORMS: dict[str, dict[str, Any]] = sample_forms(START)
FORMS["T2.deem"] = {"notice_on": "2026-03-02", "deadline": "2026-03-09", "reply_days": 5}


def open_state(action_id: str) -> AgreementState:
    act = ACTION_BY_ID[action_id]
    if act.standing_in:
        needed = {act.needs_flag: "U_OWNER"} if act.needs_flag else {}
        return AgreementState(
            status=next(iter(act.standing_in)), pending=act.only_while[:1], flags=needed
        )
    flags: dict[str, str | bool | int | None] = {"suppliers_needed": True}
    return AgreementState(status=Status.ONBOARDING, pending=(action_id,), flags=flags)


CASES = [(a.id, r) for a in ACTIONS for r in Role]


@pytest.mark.parametrize(("action_id", "role"), CASES, ids=[f"{a}-{r.value}" for a, r in CASES])
def test_every_action_for_every_role(action_id: str, role: Role) -> None:
    act = ACTION_BY_ID[action_id]
    state = open_state(action_id)
    if role in act.roles:
        d = decide(state, action_id, FORMS[action_id], actor="U1", roles={role})
        assert d.action.id == action_id
        assert action_id not in d.after.pending or act.standing_in
    else:
        with pytest.raises(PermissionDenied) as exc:
            decide(state, action_id, FORMS[action_id], actor="U1", roles={role})
        needed = " or ".join(r.value for r in act.roles)
        assert needed in str(exc.value) if act.roles else "scheduler" in str(exc.value)


def test_system_action_only_by_the_scheduler() -> None:
    state = AgreementState(status=Status.TERMINATING, pending=("T2", "T2.deem"))
    d = decide(state, "T2.deem", FORMS["T2.deem"], actor=SYSTEM_ACTOR, roles=())
    assert d.after.pending == ("T3", "T4", "T5")


def test_action_not_open_is_refused_with_where_the_agreement_is() -> None:
    state = AgreementState(status=Status.ONBOARDING, pending=("M4",))
    with pytest.raises(InvalidTransition, match="M4 · SLA drafting"):
        decide(state, "M7", FORMS["M7"], actor="U1", roles={Role.CONTRACTS})


def test_four_eyes_on_the_initiation_report() -> None:
    state = AgreementState(status=Status.ONBOARDING, pending=("M9.review",))
    with pytest.raises(PermissionDenied, match="author of M9"):
        decide(
            state,
            "M9.review",
            FORMS["M9.review"],
            actor="U1",
            roles={Role.SLM, Role.OPS_LEAD},
            last_actor={"M9": "U1"},
        )


def test_release_tasks_in_any_order_then_accounting() -> None:
    import itertools

    for order in itertools.permutations(("T3", "T4", "T5")):
        state = AgreementState(status=Status.TERMINATING, pending=("T3", "T4", "T5"))
        for i, aid in enumerate(order):
            state = decide(
                state, aid, FORMS[aid], actor="U1", roles={Role.SLM, Role.SUPPLIER_MANAGER}
            ).after
            assert ("T6" in state.pending) == (i == 2)
        assert state.pending == ("T6",)


def test_bad_form_gives_field_messages() -> None:
    state = AgreementState(status=Status.ONBOARDING, pending=("M2",))
    with pytest.raises(FormInvalid) as exc:
        decide(state, "M2", {"decision": "decline"}, actor="U1", roles={Role.SLM})
    assert set(exc.value.errors) == {"current_state"}
    with pytest.raises(FormInvalid) as exc:
        decide(
            state,
            "M2",
            {"current_state": "ok", "decision": "decline"},
            actor="U1",
            roles={Role.SLM},
        )
    assert exc.value.errors == {"reason": "a reason is required to decline"}
    bad_dates = FORMS["M1"] | {"end_date": "2026-01-01"}
    with pytest.raises(FormInvalid) as exc:
        decide(AgreementState(pending=("M1",)), "M1", bad_dates, actor="U1", roles={Role.SALES})
    assert list(exc.value.errors) == ["end_date"]
    assert "after the requested start" in exc.value.errors["end_date"]
