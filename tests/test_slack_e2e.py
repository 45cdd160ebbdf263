"""The whole process through Slack: signed requests over HTTP to the running app, the Slack
stand-in answering the Web API; assert what Slack received and what the database holds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.blocks.ids import ActionId
from bot.flows.process import ACTION_BY_ID, ACTIONS
from bot.flows.roles import Role
from bot.slack_standin.server import StandinServer
from bot.slack_standin.testing import assert_no_violations, running_standin
from store.db import Database
from store.queries import get_agreement
from tests.dbs import sqlite_db
from tests.slack_support import (
    CHANNEL,
    SlackClient,
    buttons,
    fill,
    find_button,
    serve_app,
    wait_for,
)
from tests.slack_validation import validate_all
from tests.support import HEADS, PEOPLE, USERS, forms, setup_world

SLACK = Path(__file__).resolve().parents[2] / "shared" / "slack"


@pytest.fixture(scope="module")
def standin() -> Iterator[StandinServer]:
    with running_standin() as server:
        for user in [*PEOPLE, *HEADS.values()]:
            server.state.add_user(user, user.lower())
        yield server


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    with sqlite_db(tmp_path_factory.mktemp("slack")) as db:
        setup_world(db)
        yield db


@pytest.fixture(scope="module")
def slack(world_db: Database, standin: StandinServer) -> Iterator[SlackClient]:
    with serve_app(world_db, standin) as app:
        client = SlackClient(app, standin)
        yield client
        client.close()
    assert_no_violations(standin.state)
    assert validate_all(standin.state) > 50


def card(slack: SlackClient, agreement_id: str) -> dict[str, Any]:
    for m in slack.standin.state.messages(CHANNEL):
        if str(m.get("text", "")).startswith(agreement_id):
            return m
    raise AssertionError(f"no card for {agreement_id}")


def thread(slack: SlackClient, agreement_id: str) -> list[dict[str, Any]]:
    c = card(slack, agreement_id)
    return [m for m in slack.standin.state.thread(CHANNEL, c["ts"]) if m["ts"] != c["ts"]]


def latest_view(slack: SlackClient, user: str, count_before: int) -> dict[str, Any]:
    calls = wait_for(
        lambda: len(slack.standin.state.calls("views.open")) > count_before, what="views.open"
    )
    assert calls
    views = slack.standin.state.open_views(user)
    assert views, "no modal open"
    return views[-1]


def open_and_submit(
    slack: SlackClient,
    user: str,
    element: dict[str, Any],
    data: dict[str, Any],
    *,
    message: dict[str, Any] | None = None,
) -> Any:
    before = len(slack.standin.state.calls("views.open"))
    resp = slack.click(user, element, message=message)
    assert resp.status_code == 200
    view = latest_view(slack, user, before)
    resp = slack.submit(user, view, fill(view, data))
    assert resp.status_code == 200, resp.text
    slack.standin.state.close_views(user)
    return resp


def step_via_card(
    slack: SlackClient,
    agreement_id: str,
    action: str,
    user: str,
    data: dict[str, Any],
    decision: str | None = None,
) -> None:
    c = card(slack, agreement_id)
    resp = open_and_submit(slack, user, find_button(c, action, decision), data, message=c)
    assert (
        resp.content in (b"", b"{}") or json.loads(resp.content).get("response_action") is None
    ), resp.text
    slack.dispatch()


def new_request(slack: SlackClient, customer: str) -> str:
    before = len(slack.standin.state.calls("views.open"))
    resp = slack.command(USERS[Role.SALES], "new")
    assert resp.status_code == 200
    view = latest_view(slack, USERS[Role.SALES], before)
    resp = slack.submit(USERS[Role.SALES], view, fill(view, forms(customer)["M1"]))
    assert resp.status_code == 200, resp.text
    assert resp.content in (b"", b"{}"), resp.text
    slack.standin.state.close_views(USERS[Role.SALES])
    result = slack.dispatch()
    assert result.sent >= 2
    msgs = [m for m in slack.standin.state.messages(CHANNEL) if customer in str(m.get("text"))]
    assert msgs, "the card was posted"
    return str(msgs[-1]["text"]).split(" ")[0]


WHO = {
    "M2": Role.SLM,
    "M3": Role.SLM,
    "M4": Role.SALES,
    "M5": Role.SALES,
    "M6": Role.SUPPLIER_MANAGER,
    "M7": Role.CONTRACTS,
    "M8": Role.SLM,
    "M9": Role.OPS_LEAD,
    "M10": Role.OPS_LEAD,
    "M11": Role.SLM,
    "M12": Role.SLM,
    "M13": Role.SLM,
    "C1": Role.SLM,
    "C2": Role.SALES,
    "C3": Role.SLM,
    "C4": Role.SUPPLIER_MANAGER,
    "T1": Role.SALES,
    "T2": Role.SALES,
    "T3": Role.SLM,
    "T4": Role.SLM,
    "T5": Role.SUPPLIER_MANAGER,
    "T6": Role.SLM,
    "T7": Role.SLM,
    "M14": Role.SLM,
}


def test_whole_process_through_slack(slack: SlackClient, world_db: Database) -> None:
    state = slack.standin.state
    aid = new_request(slack, "Slack Life Co")
    assert aid.startswith("SLA-")
    f = forms("Slack Life Co", today=date.today())  # the app runs on the real clock
    # the service level managers got a DM for M2
    assert any(aid in str(m.get("text")) for m in state.dms(USERS[Role.SLM]))
    for action in ("M2", "M3", "M4", "M5", "M6", "M7", "M8", "M9"):
        step_via_card(
            slack,
            aid,
            action,
            USERS[WHO[action]],
            f[action],
            decision="accept" if action == "M2" else None,
        )
        assert get_agreement(world_db, aid).row.pending != (action,), action
    # the steps' documents are files in the thread: the SLA draft (M4), then the signed
    # contract (M5), uploaded through files.getUploadURLExternal / completeUploadExternal
    files = [f["name"] for m in thread(slack, aid) for f in m.get("files", [])]
    assert f"{aid}_SLA_v1.en.md" in files and f"{aid}_CON_v1.en.md" in files
    assert files.index(f"{aid}_SLA_v1.en.md") < files.index(f"{aid}_CON_v1.en.md")
    assert state.calls("files.completeUploadExternal")
    # M9's approval lives in the thread: a one-click approve by the service level manager
    reply = next(m for m in reversed(thread(slack, aid)) if "M9" in str(m.get("text")))
    approve = find_button(reply, "M9.review", "approve")
    resp = slack.click(USERS[Role.SLM], approve, message=reply)
    assert resp.status_code == 200
    wait_for(lambda: get_agreement(world_db, aid).row.pending == ("M10",), what="M9 approved")
    slack.dispatch()
    # the department heads acknowledge M7 and sign their OLAs from their DMs (issue 9, 6 and 7)
    for head in HEADS.values():
        for action in (ActionId.DEPT_ACKNOWLEDGE, ActionId.OLA_SIGN):
            dm = next(
                m
                for m in reversed(state.dms(head))
                if aid in json.dumps(m) and action in json.dumps(m)
            )
            el = next(b for b in buttons(dm) if b["action_id"] == action)
            assert slack.click(head, el, message=dm, channel="D" + head[1:]).status_code == 200
    wait_for(lambda: not get_agreement(world_db, aid).waiting_olas, what="OLAs signed")
    step_via_card(slack, aid, "M10", USERS[Role.OPS_LEAD], f["M10"])
    detail = get_agreement(world_db, aid)
    assert detail.row.status == "active"
    c = card(slack, aid)
    assert "In service" in json.dumps(c["blocks"])
    # card updated in place: one parent message per agreement
    assert len([m for m in state.messages(CHANNEL) if str(m.get("text")).startswith(aid)]) == 1
    # M11, then a change C1-C4, then a termination T1-T7
    for action in ("M11", "M13", "C1", "C2", "C3", "C4"):
        step_via_card(slack, aid, action, USERS[WHO[action]], f[action])
    assert get_agreement(world_db, aid).sla_version == 2
    for action in ("T1", "T2", "T3", "T4", "T5", "T6", "T7"):
        step_via_card(slack, aid, action, USERS[WHO[action]], f[action])
    detail = get_agreement(world_db, aid)
    assert detail.row.status == "archived"
    texts = " ".join(str(m.get("text")) for m in thread(slack, aid))
    for step in ("M2", "M9", "M11", "C3", "T2", "T7"):
        assert step in texts, step
    # every task went to its assignee as a DM with the action button
    assert any("M9" in str(m.get("text")) for m in state.dms(USERS[Role.OPS_LEAD]))
    assert any("T2" in str(m.get("text")) for m in state.dms(USERS[Role.SALES]))


def test_bad_date_gets_a_field_error_and_changes_nothing(slack: SlackClient) -> None:
    before = len(slack.standin.state.calls("views.open"))
    slack.command(USERS[Role.SALES], "new")
    view = latest_view(slack, USERS[Role.SALES], before)
    data = forms("Bad Dates Ltd")["M1"] | {"end_date": "2020-01-01"}
    resp = slack.submit(USERS[Role.SALES], view, fill(view, data))
    body = resp.json()
    assert body["response_action"] == "errors"
    assert "after the requested start" in body["errors"]["sla-f-end_date"]
    slack.standin.state.close_views(USERS[Role.SALES])
    assert not any("Bad Dates" in str(m.get("text")) for m in slack.standin.state.messages(CHANNEL))


def test_unauthorised_click_is_refused(slack: SlackClient, world_db: Database) -> None:
    aid = new_request(slack, "Refusal Inc")
    c = card(slack, aid)
    button = find_button(c, "M2", "accept")
    before = get_agreement(world_db, aid).row.lock_version
    for role in Role:
        if role is Role.SLM:
            continue
        resp = slack.click(USERS[role], button, message=c)
        assert resp.status_code == 200
    for role in Role:
        if role is Role.SLM:
            continue
        wait_for(
            lambda r=role: any(  # type: ignore[misc]
                "Only Service level manager can M2" in str(e.get("text"))
                for e in slack.standin.state.ephemerals(user=USERS[r])
            ),
            what=f"refusal {role}",
        )
    assert get_agreement(world_db, aid).row.lock_version == before
    assert not slack.standin.state.open_views(USERS[Role.SALES])


@pytest.mark.parametrize("action", [a.id for a in ACTIONS if not a.system and a.id != "M1"])
def test_every_role_refused_on_every_step_it_does_not_own(
    slack: SlackClient, world_db: Database, action: str
) -> None:
    """Through Slack: clicking a button for a step one does not own opens nothing."""
    from tests.support import Clock, drive

    ag = drive(world_db, action, Clock())
    from bot.blocks.cards import action_buttons

    els = action_buttons(ag.agreement_id, action, ag.lock_version, "en")
    assert els
    act = ACTION_BY_ID[action]
    for role in Role:
        if role in act.roles:
            continue
        n_views = len(slack.standin.state.calls("views.open"))
        resp = slack.click(USERS[role], els[0])
        assert resp.status_code == 200
        assert len(slack.standin.state.calls("views.open")) == n_views
    assert get_agreement(world_db, ag.agreement_id).row.lock_version == ag.lock_version
