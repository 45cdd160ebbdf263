"""Issue 9's rules through Slack (signed requests to the app, the local Slack stand-in), in
both languages: the card names what runs and offers the withdrawal, a refused click says what
runs since when and how to end it, four eyes on the extension, the project class in M1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.blocks.cards import action_buttons
from bot.flows.process import Status
from bot.flows.roles import Role
from bot.slack_standin.testing import assert_no_violations, running_standin
from store.lifecycle import perform
from store.queries import get_agreement
from store.roles import CONFIG_ACTOR, grant_role
from tests.dbs import sqlite_db
from tests.slack_support import CHANNEL, SlackClient, fill, find_button, serve_app, wait_for
from tests.slack_validation import validate_all
from tests.support import PATHS, PEOPLE, T0, USERS, Clock, drive, forms, setup_world

SALES, SLM, EXE = USERS[Role.SALES], USERS[Role.SLM], USERS[Role.EXECUTIVE]


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def slack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SlackClient]:
    with running_standin() as standin, sqlite_db(tmp_path_factory.mktemp("r")) as db:
        for user in [*PEOPLE, "U_SALES_EXE"]:
            standin.state.add_user(user, user.lower())
        setup_world(db)
        grant_role(db, "U_SALES_EXE", Role.SALES, by=CONFIG_ACTOR, now=T0)
        grant_role(db, "U_SALES_EXE", Role.EXECUTIVE, by=CONFIG_ACTOR, now=T0)
        with serve_app(db, standin, locale=request.param) as app:
            client = SlackClient(app, standin)
            setattr(client, "locale", request.param)  # noqa: B010
            yield client
            client.close()
        assert_no_violations(standin.state)
        assert validate_all(standin.state) > 0


def zh(slack: SlackClient) -> bool:
    return str(getattr(slack, "locale", "en")).startswith("zh")


def card_of(slack: SlackClient, agreement_id: str) -> dict[str, Any]:
    slack.dispatch()
    cards = [
        m
        for m in slack.standin.state.messages(CHANNEL)
        if agreement_id in json.dumps(m.get("blocks", []))
    ]
    assert cards, f"no card for {agreement_id}"
    return cards[-1]


def ephemeral_with(slack: SlackClient, user: str, *parts: str) -> None:
    wait_for(
        lambda: any(
            all(p in str(e.get("text")) for p in parts)
            for e in slack.standin.state.ephemerals(user=user)
        ),
        what=f"ephemeral to {user} with {parts}",
    )


def test_refused_click_says_what_runs_and_the_card_offers_withdrawal(slack: SlackClient) -> None:
    db = slack.app.db
    ag = drive(db, "C2", Clock())
    card = card_of(slack, ag.agreement_id)
    assert ("变更中（C）" if zh(slack) else "Changing (C)") in json.dumps(card, ensure_ascii=False)
    withdraw = find_button(card, "M13.withdraw")
    # T1 while the change runs: refused with what runs, since when, how to end it
    t1 = action_buttons(ag.agreement_id, "T1", ag.lock_version, "en")[0]
    slack.click(SALES, t1)
    if zh(slack):
        ephemeral_with(slack, SALES, "服务级别变更（C）正在进行", "M13", "撤回")
    else:
        ephemeral_with(slack, SALES, "a service level change (C) runs since", "withdraws it")
    # the service level manager withdraws it through the modal, with a reason
    state = slack.standin.state
    n = len(state.calls("views.open"))
    slack.click(SLM, withdraw, message=card)
    wait_for(lambda: len(state.calls("views.open")) > n, what="withdraw modal")
    view = state.open_views(SLM)[-1]
    resp = slack.submit(SLM, view, fill(view, {"reason": "The customer dropped it"}))
    assert resp.status_code == 200
    state.close_views(SLM)
    wait_for(
        lambda: get_agreement(db, ag.agreement_id).row.status == Status.ACTIVE.value,
        what="back in service",
    )


def test_extension_pending_card_and_four_eyes(slack: SlackClient) -> None:
    db = slack.app.db
    clock = Clock()
    ag = drive(db, "T1", clock)
    perform(db, ag.agreement_id, "M1.class", forms()["M1.class"], actor=EXE, now=clock())
    out = perform(
        db,
        ag.agreement_id,
        "T1",
        forms()["T1"] | dict(PATHS["T1.extension"][-1][1]),
        actor="U_SALES_EXE",
        now=clock(),
    )
    card = card_of(slack, ag.agreement_id)
    shown = json.dumps(card, ensure_ascii=False)
    assert ("延期待批（T1）" if zh(slack) else "Extension pending (T1)") in shown
    find_button(card, "T1.withdraw")
    approve = find_button(card, "T1.extension", "approve")
    slack.click("U_SALES_EXE", approve, message=card)
    ephemeral_with(slack, "U_SALES_EXE", "T1 的提交人不能审批" if zh(slack) else "author of T1")
    assert get_agreement(db, ag.agreement_id).row.status == Status.EXTENSION_PENDING.value
    assert out.lock_version == get_agreement(db, ag.agreement_id).row.lock_version


def test_m1_modal_asks_for_the_project_class(slack: SlackClient) -> None:
    state = slack.standin.state
    n = len(state.calls("views.open"))
    slack.command(SALES, "new")
    wait_for(lambda: len(state.calls("views.open")) > n, what="M1 modal")
    view = state.open_views(SALES)[-1]
    assert "sla-f-project_class" in [b.get("block_id") for b in view["blocks"]]
    data = forms("Class Co")["M1"] | {"project_class": "special"}
    resp = slack.submit(SALES, view, fill(view, data))
    assert resp.status_code == 200
    state.close_views(SALES)
    from sqlalchemy import select

    from store.models import Agreement, table_of

    ags = table_of(Agreement)
    with slack.app.db.read() as s:
        flags = s.execute(
            select(ags.c.flags).where(ags.c.title.startswith("Class Co"))
        ).scalar_one()
    assert flags["project_class"] == "special"


def open_modal(slack: SlackClient, user: str, agreement_id: str, action: str, lv: int) -> Any:
    state = slack.standin.state
    n = len(state.calls("views.open"))
    slack.click(user, action_buttons(agreement_id, action, lv, "en")[0])
    wait_for(lambda: len(state.calls("views.open")) > n, what=f"{action} modal")
    return state.open_views(user)[-1]


def test_dates_come_back_under_their_field_and_t2_objection(slack: SlackClient) -> None:
    db = slack.app.db
    ag = drive(db, "M10", Clock())
    ops = USERS[Role.OPS_LEAD]
    view = open_modal(slack, ops, ag.agreement_id, "M10", ag.lock_version)
    resp = slack.submit(ops, view, fill(view, {"live_on": "2099-01-01"}))
    body = resp.json()
    assert body["response_action"] == "errors" and "sla-f-live_on" in body["errors"]
    slack.standin.state.close_views(ops)

    ag = drive(db, "T2", Clock())
    view = open_modal(slack, SALES, ag.agreement_id, "T2", ag.lock_version)
    data = {"replied_on": "2026-03-02", "reply": "We object", "outcome": "object"}
    assert slack.submit(SALES, view, fill(view, data)).status_code == 200
    slack.standin.state.close_views(SALES)
    wait_for(lambda: get_agreement(db, ag.agreement_id).row.pending == ("T1",), what="T1")


def test_archived_click_says_archived(slack: SlackClient) -> None:
    db = slack.app.db
    clock = Clock()
    ag = drive(db, "T7", clock)
    out = perform(db, ag.agreement_id, "T7", forms()["T7"], actor=SLM, now=clock())
    slack.click(SLM, action_buttons(ag.agreement_id, "M11", out.lock_version, "en")[0])
    ephemeral_with(slack, SLM, "已归档" if zh(slack) else "Archived")


def test_t6_modal_prefilled_with_the_budget_and_show_compares(slack: SlackClient) -> None:
    db = slack.app.db
    ag = drive(db, "T6", Clock())
    view = open_modal(slack, SLM, ag.agreement_id, "T6", ag.lock_version)
    block = next(b for b in view["blocks"] if b.get("block_id") == "sla-f-planned_cost")
    assert block["element"]["initial_value"] == "90000.00"
    values = fill(view, {"planned_cost": "90000", "actual_cost": "86500"})
    assert slack.submit(SLM, view, values).status_code == 200
    slack.standin.state.close_views(SLM)
    wait_for(lambda: "T7" in get_agreement(db, ag.agreement_id).row.pending, what="T6 done")
    slack.dispatch()
    replies = json.dumps(slack.standin.state.messages(CHANNEL, replies=True), ensure_ascii=False)
    assert ("差异（实际-计划）" if zh(slack) else "Variance (actual - planned)") in replies
    assert "-3500.00" in replies
    resp = slack.command(SLM, f"show {ag.agreement_id}")
    assert resp.status_code == 200
    shown = json.dumps(resp.json(), ensure_ascii=False)
    assert "T6" in shown and "86500.00" in shown and "-3500.00" in shown


def test_owner_tasks_reach_the_owner_saying_why(slack: SlackClient) -> None:
    db = slack.app.db
    clock = Clock()
    ag = drive(db, "M8", clock)
    ops = USERS[Role.OPS_LEAD]
    # M8 is the service level manager's: an operations lead's click is refused
    seen = len(slack.standin.state.ephemerals(user=ops))
    slack.click(ops, action_buttons(ag.agreement_id, "M8", ag.lock_version, "en")[0])
    wait_for(lambda: len(slack.standin.state.ephemerals(user=ops)) > seen, what="refusal")
    refusal = str(slack.standin.state.ephemerals(user=ops)[-1].get("text"))
    assert ("服务级别经理" if zh(slack) else "Service level manager") in refusal
    before = len(slack.standin.state.dms(ops))
    perform(db, ag.agreement_id, "M8", forms()["M8"], actor=SLM, now=clock())
    slack.dispatch()
    new = slack.standin.state.dms(ops)[before:]
    text = json.dumps(new, ensure_ascii=False)
    assert ag.agreement_id in text and "M9" in text
    assert ("指定的运维服务负责人" if zh(slack) else "named O&M service owner") in text
