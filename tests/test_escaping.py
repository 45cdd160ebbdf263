"""No mention injection: user text reaches Slack escaped (`&`, `<`, `>`), in every message
kind, so a customer name cannot ping a channel, mention someone or disguise a link."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.flows.roles import Role
from bot.scheduler.sweeps import Sweeper
from bot.slack_standin.server import StandinServer
from bot.slack_standin.testing import running_standin
from store.db import Database
from store.lifecycle import perform
from tests.dbs import sqlite_db
from tests.slack_support import SlackClient, serve_app, wait_for
from tests.support import ACTOR, PEOPLE, USERS, Clock, drive, forms, setup_world

HOSTILE = "Evil <!channel> <@U0HOSTILE> <https://evil.example|click> & Co"
LIVE = ("<!channel>", "<@U0HOSTILE>", "<https://evil", "<!here>", "<!everyone>")


@pytest.fixture
def standin() -> Iterator[StandinServer]:
    with running_standin() as server:
        for user in PEOPLE:
            server.state.add_user(user, user.lower())
        yield server


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def live_markup(standin: StandinServer) -> list[str]:
    found = []
    for call in standin.state.calls():
        for s in strings(call.args):
            if s.startswith("{") and s.endswith("}"):  # a button value (JSON), not shown
                continue
            for token in LIVE:
                if token in s:
                    found.append(f"{call.method}: {token} in {s[:120]!r}")
    return found


def test_hostile_user_text_is_escaped_in_every_message(
    tmp_path: Path, standin: StandinServer
) -> None:
    with sqlite_db(tmp_path) as db, serve_app(db, standin) as app:
        setup_world(db)
        slack = SlackClient(app, standin)
        clock = Clock(datetime(2026, 3, 2, 1, tzinfo=UTC))
        answers = walk(db, slack, clock)
        slack.close()
        calls = standin.state.calls()
        assert len(calls) > 40
        in_answers = [s[:160] for s in answers if any(token in s for token in LIVE)]
        assert live_markup(standin) + in_answers == []
        # the name still shows, escaped as Slack documents
        shown = json.dumps([c.args for c in calls])
        assert "&lt;!channel&gt;" in shown
        assert "&amp;lt;" not in shown and "&amp;amp;" not in shown, "escaped twice"
        # our own markup (mentions of the people in the process) is never escaped
        ours = [u for u in USERS.values() if f"&lt;@{u}&gt;" in shown + json.dumps(answers)]
        assert ours == [], f"mentions shown as text: {ours}"


def walk(db: Database, slack: SlackClient, clock: Clock) -> list[str]:
    """Every message kind: thread events, DMs, cards, reminders, /sla answers, App Home."""
    answers: list[str] = []
    done = drive(db, "T7", clock, customer=HOSTILE)  # the whole life: every event and DM
    live = drive(db, "M11", clock, customer=HOSTILE + " 2")
    perform(db, live.agreement_id, "M11", forms()["M11"], actor=ACTOR["M11"], now=clock())
    for _ in range(30):
        if not slack.dispatch().sent:
            break
    Sweeper(db).run(datetime(2027, 3, 20, 9, tzinfo=UTC))  # reminders for the live one
    for _ in range(30):
        if not slack.dispatch().sent:
            break
    for user in (USERS[Role.SLM], USERS[Role.SALES]):
        for text in (
            f"show {done.agreement_id}",
            f"show {live.agreement_id}",
            "list all",
            "show SLA-<!channel>",
            "frobnicate <!channel> <@U0HOSTILE>",
        ):
            r = slack.command(user, text)
            assert r.status_code == 200
            answers += strings(r.json() if r.content else {})
        slack.event(
            {"type": "app_home_opened", "user": user, "tab": "home"},
            event_id=f"Ev0ESC{user}",
        )
    wait_for(lambda: len(slack.standin.state.calls("views.publish")) >= 2, what="homes")
    return answers
