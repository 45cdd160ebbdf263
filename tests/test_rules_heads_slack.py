"""Issue 9, rules 6 and 7, through Slack (signed requests to the app, the local Slack
stand-in), in both languages: each department head gets a DM with their lines and an
Acknowledge button; each OLA's signer a DM with Sign / Query; the query reaches the owner in
the card's thread with Answer; the card names who has not acknowledged or signed yet; M10's
button is refused with the OLAs that wait."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.blocks.cards import action_buttons
from bot.blocks.ids import ActionId
from bot.flows.roles import Role
from store.queries import get_agreement
from tests.slack_support import (
    CHANNEL,
    SlackClient,
    buttons,
    fill,
    slack_world,
    wait_for,
    zh,
)
from tests.support import USERS, Clock, drive

OPS, SLM = USERS[Role.OPS_LEAD], USERS[Role.SLM]
DEP, NET = "U_DEP", "U_NET"


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def slack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SlackClient]:
    with slack_world(
        tmp_path_factory.mktemp("h"), request.param, people=[NET], user_locale=True
    ) as client:
        yield client


def text_of(messages: Any) -> str:
    return json.dumps(messages, ensure_ascii=False)


def dm_with(slack: SlackClient, user: str, action: ActionId, ag: str) -> dict[str, Any]:
    """The newest DM to `user` about `ag` with a button `action`."""
    slack.dispatch()
    for m in reversed(slack.standin.state.dms(user)):
        if ag in text_of(m) and any(b["action_id"] == action for b in buttons(m)):
            return m
    raise AssertionError(f"no DM to {user} with {action} about {ag}")


def button_of(message: dict[str, Any], action: ActionId) -> dict[str, Any]:
    return next(b for b in buttons(message) if b["action_id"] == action)


def card_of(slack: SlackClient, ag: str) -> str:
    slack.dispatch()
    cards = [m for m in slack.standin.state.messages(CHANNEL) if ag in text_of(m)]
    return text_of(cards[-1])


def waiting_line(card: str, words: str) -> str:
    """The card's line that starts with `words` (who has not acknowledged / signed)."""
    start = card.index(words)
    return card[start : card.index('"', start)]


def ephemeral_with(slack: SlackClient, user: str, *parts: str) -> None:
    wait_for(
        lambda: any(
            all(p in str(e.get("text")) for p in parts)
            for e in slack.standin.state.ephemerals(user=user)
        ),
        what=f"ephemeral to {user} with {parts}",
    )


def test_heads_get_their_lines_and_only_they_acknowledge(slack: SlackClient) -> None:
    ag = drive(slack.app.db, "M8", Clock()).agreement_id
    dm = dm_with(slack, DEP, ActionId.DEPT_ACKNOWLEDGE, ag)
    shown = text_of(dm)
    assert "7x12 database operations" in shown and "link monitoring" not in shown
    assert ("确认收到" if zh(slack) else "Acknowledge") in shown
    waiting = "尚未确认（M7）" if zh(slack) else "Not acknowledged yet (M7)"
    card = card_of(slack, ag)
    assert waiting in card and "<@U_DEP>" in card and "<@U_NET>" in card
    ack = button_of(dm, ActionId.DEPT_ACKNOWLEDGE)
    slack.click(NET, ack, message=dm, channel="D" + NET[1:])
    ephemeral_with(slack, NET, "部门领导" if zh(slack) else "Only the head of DBA")
    slack.click(DEP, ack, message=dm, channel="D" + DEP[1:])
    ephemeral_with(slack, DEP, "已确认" if zh(slack) else "You acknowledged")
    line = waiting_line(card_of(slack, ag), waiting)
    assert "<@U_NET>" in line and "<@U_DEP>" not in line
    # the owner's and the manager's view: /sla show names who has not acknowledged yet
    shown = text_of(slack.command(SLM, f"show {ag}").json())
    assert "<@U_NET>" in waiting_line(shown, waiting)
    replies = text_of(slack.standin.state.messages(CHANNEL, replies=True))
    assert ("已确认分解内容" if zh(slack) else "share acknowledged by its head") in replies


def test_olas_are_signed_or_queried_before_m10(slack: SlackClient) -> None:
    db = slack.app.db
    out = drive(db, "M10", Clock())
    ag = out.agreement_id
    # M10's button is refused, naming the OLAs that wait and for whom
    state = slack.standin.state
    n = len(state.calls("views.open"))
    slack.click(OPS, action_buttons(ag, "M10", out.lock_version, "en")[0])
    wait_for(lambda: len(state.calls("views.open")) > n, what="M10 modal")
    view = state.open_views(OPS)[-1]
    resp = slack.submit(OPS, view, fill(view, {"live_on": "2026-03-02"}))
    state.close_views(OPS)
    refusal = text_of(resp.json())
    assert "<@U_DEP>" in refusal and "<@U_NET>" in refusal
    assert ("OLA须全部签署" if zh(slack) else "every OLA of the initiation report is signed") in (
        refusal
    )
    card = card_of(slack, ag)
    assert ("尚未签署的OLA（M9）" if zh(slack) else "OLAs not signed yet (M9)") in card
    # DBA signs
    dm = dm_with(slack, DEP, ActionId.OLA_SIGN, ag)
    slack.click(DEP, button_of(dm, ActionId.OLA_SIGN), message=dm, channel="D" + DEP[1:])
    ephemeral_with(slack, DEP, "已签署" if zh(slack) else "You signed")
    # Network queries: a modal, then the owner is told in the thread with Answer
    dm = dm_with(slack, NET, ActionId.OLA_QUERY, ag)
    n = len(state.calls("views.open"))
    slack.click(NET, button_of(dm, ActionId.OLA_QUERY), message=dm, channel="D" + NET[1:])
    wait_for(lambda: len(state.calls("views.open")) > n, what="query modal")
    view = state.open_views(NET)[-1]
    assert slack.submit(NET, view, fill(view, {"sla-dept-text": "P1 only?"})).status_code == 200
    state.close_views(NET)
    slack.dispatch()
    thread = [m for m in state.messages(CHANNEL, replies=True) if "P1 only?" in text_of(m)]
    assert thread and "<@U_OPS>" in text_of(thread[-1])
    answer = button_of(thread[-1], ActionId.OLA_ANSWER)
    # only the owner answers; the answer may revise the commitment
    n = len(state.calls("views.open"))
    slack.click(OPS, answer, message=thread[-1])
    wait_for(lambda: len(state.calls("views.open")) > n, what="answer modal")
    view = state.open_views(OPS)[-1]
    data = {"sla-dept-text": "Yes, P1 only", "sla-dept-commitment": "1 h response for P1"}
    assert slack.submit(OPS, view, fill(view, data)).status_code == 200
    state.close_views(OPS)
    dm = dm_with(slack, NET, ActionId.OLA_SIGN, ag)
    assert "1 h response for P1" in text_of(dm) and "Yes, P1 only" in text_of(dm)
    slack.click(NET, button_of(dm, ActionId.OLA_SIGN), message=dm, channel="D" + NET[1:])
    ephemeral_with(slack, NET, "已签署" if zh(slack) else "You signed")
    # now M10 goes through
    row = get_agreement(db, ag).row
    n = len(state.calls("views.open"))
    slack.click(OPS, action_buttons(ag, "M10", row.lock_version, "en")[0])
    wait_for(lambda: len(state.calls("views.open")) > n, what="M10 modal")
    view = state.open_views(OPS)[-1]
    assert slack.submit(OPS, view, fill(view, {"live_on": "2026-03-02"})).status_code == 200
    state.close_views(OPS)
    wait_for(lambda: get_agreement(db, ag).row.status == "active", what="in service")
    assert ("尚未签署的OLA" if zh(slack) else "OLAs not signed yet") not in card_of(slack, ag)


def test_the_directory_through_sla_dept(slack: SlackClient) -> None:
    refused = text_of(slack.command(SLM, "dept set Storage team <@U0STO01|sto>").json())
    assert ("只有管理员可以指定部门领导" if zh(slack) else "only an admin can name") in refused
    done = text_of(slack.command(USERS[Role.ADMIN], "dept set Storage team <@U0STO01|sto>").json())
    assert "<@U0STO01>" in done and "Storage team" in done
    listed = text_of(slack.command(SLM, "dept").json())
    assert "Storage team" in listed and "<@U0STO01>" in listed and "<@U_DEP>" in listed
    usage = text_of(slack.command(SLM, "dept set Storage").json())
    assert "/sla dept set" in usage
