"""The confirmations of a snooze and of an improvement marked done, through Slack (signed
clicks, the stand-in as Slack): each is queued in its change's own transaction and reaches the
person who clicked; in both languages."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.blocks.ids import ActionId
from bot.flows.roles import Role
from bot.scheduler.sweeps import Sweeper
from store.lifecycle import perform
from tests.slack_support import CHANNEL, SlackClient, buttons, slack_world, wait_for, zh
from tests.support import ACTOR, USERS, Clock, drive, forms

SALES, SLM = USERS[Role.SALES], USERS[Role.SLM]


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def slack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SlackClient]:
    with slack_world(tmp_path_factory.mktemp("n"), request.param) as client:
        yield client


def _told(slack: SlackClient, user: str, words: str) -> bool:
    state = slack.standin.state
    said = [*state.ephemerals(user=user), *state.dms(user)]
    return any(words in json.dumps(m, ensure_ascii=False) for m in said)


def test_snooze_is_confirmed(slack: SlackClient) -> None:
    clock = Clock(datetime(2026, 3, 2, 1, tzinfo=UTC))
    aid = drive(slack.app.db, "M11", clock, customer="Snooze Click Co").agreement_id
    when = datetime(2027, 3, 20, 9, tzinfo=UTC)  # 11 days before the end: an expiry reminder
    assert Sweeper(slack.app.db).run(when).recorded > 0
    for _ in range(5):
        asyncio.run(slack.app.dispatcher.run_once(when))
    reminder: dict[str, Any] = next(
        m
        for m in slack.standin.state.dms(SALES)
        if aid in str(m.get("text")) and "sla-snooze" in json.dumps(m.get("blocks"))
    )
    snooze = next(b for b in buttons(reminder) if b["action_id"].startswith(ActionId.SNOOZE))
    assert slack.click(SALES, snooze, message=reminder, channel=None).status_code == 200
    words = "我会在" if zh(slack) else "I will remind you again"
    wait_for(lambda: _told(slack, SALES, words), what="the snooze confirmation")


def test_improvement_done_is_confirmed(slack: SlackClient) -> None:
    clock = Clock()
    aid = drive(slack.app.db, "M11", clock, customer="Improve Click Co").agreement_id
    review = forms()["M11"]
    assert "Add a DBA runbook" in str(review["improvements"])
    perform(slack.app.db, aid, "M11", review, actor=ACTOR["M11"], now=clock())
    shown = slack.command(SLM, f"show {aid}").json()
    done = next(
        b
        for b in buttons({"blocks": shown["blocks"]})
        if b["action_id"] == ActionId.IMPROVEMENT_DONE
    )
    assert slack.click(SLM, done, channel=CHANNEL).status_code == 200
    words = "Add a DBA runbook"
    wait_for(
        lambda: any(
            words in json.dumps(m, ensure_ascii=False)
            and ("已标记完成" if zh(slack) else "Marked done") in json.dumps(m, ensure_ascii=False)
            for m in slack.standin.state.ephemerals(user=SLM)
        ),
        what="the improvement confirmation",
    )
    again = slack.command(SLM, f"show {aid}").json()
    assert not [
        b
        for b in buttons({"blocks": again["blocks"]})
        if b["action_id"] == ActionId.IMPROVEMENT_DONE
    ]
