"""What the service exposes: `/metrics` in Prometheus format and JSON log lines."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.flows.roles import Role
from bot.logs import JsonFormatter
from bot.scheduler.runner import Scheduler
from bot.slack_standin.server import StandinServer
from bot.slack_standin.testing import running_standin
from tests.dbs import sqlite_db
from tests.slack_support import SlackClient, serve_app
from tests.support import PEOPLE, USERS, Clock, drive, setup_world


@pytest.fixture
def standin() -> Iterator[StandinServer]:
    with running_standin() as server:
        for user in PEOPLE:
            server.state.add_user(user, user.lower())
        yield server


def metric(text: str, name: str) -> float:
    """The sum of every sample of `name` (all label sets)."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_cover_requests_transitions_outbox_sends_429s_and_sweeps(
    tmp_path: Path, standin: StandinServer
) -> None:
    with sqlite_db(tmp_path) as db, serve_app(db, standin) as app:
        setup_world(db)
        slack = SlackClient(app, standin)
        before = slack.http.get("/metrics").text
        assert slack.command(USERS[Role.SALES], "help").status_code == 200
        assert slack.http.post("/slack/events", content=b"x").status_code == 401
        drive(db, "M3", Clock())
        standin.state.inject(kind="rate_limit", method="chat.postMessage", retry_after=0)
        for _ in range(5):
            slack.dispatch()
        asyncio.run(Scheduler(app.settings, db, app.dispatcher).sweep())
        after = slack.http.get("/metrics")
        slack.close()
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    assert 'slm_requests_total{outcome="ok",surface="command"}' in text
    assert 'outcome="refused_401"' in text
    assert metric(text, "slm_ack_seconds_count") > metric(before, "slm_ack_seconds_count")
    assert metric(text, "slm_transitions_total") >= metric(before, "slm_transitions_total") + 2
    assert 'slm_transitions_total{step="M2"}' in text
    assert 'slm_outbox_messages{status="sent"}' in text
    assert metric(text, "slm_outbox_sends_total") > metric(before, "slm_outbox_sends_total")
    assert metric(text, "slm_slack_rate_limited_total") >= 1
    assert metric(text, "slm_sweep_seconds_count") >= 1


def test_json_log_lines_carry_the_error_and_agreement_ids() -> None:
    record = logging.LogRecord("slm_bot.x", logging.ERROR, __file__, 1, "boom %s", ("x",), None)
    record.error_id = "abcd1234"
    record.agreement_id = "SLA-2026-0001"
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert data["message"] == "boom x" and data["level"] == "ERROR"
    assert data["error_id"] == "abcd1234" and data["agreement_id"] == "SLA-2026-0001"
    assert "\n" not in line
