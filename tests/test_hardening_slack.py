"""Hardening seen from Slack's side: confirmations through the outbox, the request guard,
escaped user text, events handled once across processes."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.flows.roles import Role
from bot.slack_standin.server import StandinServer
from bot.slack_standin.testing import running_standin
from store.db import Database
from tests.dbs import sqlite_db
from tests.slack_support import SECRET, SlackClient, fill, serve_app, wait_for
from tests.support import PEOPLE, USERS, forms, setup_world


@pytest.fixture(scope="module")
def standin() -> Iterator[StandinServer]:
    with running_standin() as server:
        for user in PEOPLE:
            server.state.add_user(user, user.lower())
        yield server


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    with sqlite_db(tmp_path_factory.mktemp("harden")) as db:
        setup_world(db)
        yield db


@pytest.fixture(scope="module")
def slack(world_db: Database, standin: StandinServer) -> Iterator[SlackClient]:
    with serve_app(world_db, standin) as app:
        client = SlackClient(app, standin)
        yield client
        client.close()


def new_request_view(slack: SlackClient) -> dict[str, Any]:
    before = len(slack.standin.state.calls("views.open"))
    assert slack.command(USERS[Role.SALES], "new").status_code == 200
    wait_for(lambda: len(slack.standin.state.calls("views.open")) > before, what="views.open")
    return slack.standin.state.open_views(USERS[Role.SALES])[-1]


def test_confirmation_survives_a_slack_fault(slack: SlackClient) -> None:
    """The "Recorded SLA-..." the user must see was lost when Slack failed; it is now queued
    in the outbox when the direct send fails, and arrives once Slack answers again."""
    state = slack.standin.state
    sales = USERS[Role.SALES]
    view = new_request_view(slack)
    fault = state.inject(kind="server_error", method="chat.postEphemeral", times=3)
    resp = slack.submit(sales, view, fill(view, forms("Confirm Co")["M1"]))
    assert resp.status_code == 200, resp.text
    state.close_views(sales)
    wait_for(lambda: fault.hits == 3, what="the failed sends")  # the client retried twice
    assert not any("Confirm Co" in str(e.get("text")) for e in state.ephemerals(user=sales))

    def notes() -> list[dict[str, Any]]:
        slack.dispatch()
        return [e for e in state.ephemerals(user=sales) if "Confirm Co" in str(e.get("text"))]

    wait_for(notes, what="the queued confirmation")
    got = notes()
    assert len(got) == 1 and "Recorded SLA-" in str(got[0]["text"])


# -- the guard in front of Bolt -------------------------------------------------------------
FORM = "application/x-www-form-urlencoded"


def signed(body: bytes, *, ts: str | None = None) -> dict[str, str]:
    stamp = ts if ts is not None else str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


def payload(**fields: Any) -> bytes:
    base: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": USERS[Role.SLM]},
        "team": {"id": "T0TEST"},
        "actions": [{"action_id": "sla-open-step", "value": "{}"}],
    }
    base.update(fields)
    return urllib.parse.urlencode({"payload": json.dumps(base)}).encode()


BAD_BODIES: dict[str, tuple[str, bytes]] = {
    "payload not JSON": (FORM, b"payload=not-json"),
    "payload a JSON array": (FORM, b"payload=%5B1%2C2%5D"),
    "actions null": (FORM, payload(actions=None)),
    "actions empty": (FORM, payload(actions=[])),
    "view a list": (FORM, payload(type="view_submission", view=[])),
    "state a string": (FORM, payload(state="x")),
    "view state a string": (FORM, payload(type="view_submission", view={"state": "x"})),
    "user null": (FORM, payload(user=None)),
    "invalid UTF-8": (FORM, b"payload=\xff\xfe{}"),
    "JSON nested 100,000 deep": (
        FORM,
        b"payload=" + urllib.parse.quote("[" * 100_000 + "]" * 100_000).encode(),
    ),
    "event body not JSON": ("application/json", b"nope"),
    "event body a JSON array": ("application/json", b"[]"),
    "event without event": ("application/json", b'{"type": "event_callback"}'),
    "JSON to the form endpoint": ("application/json", b'{"command": "/sla", "text": "list"}'),
    "neither command nor payload": (FORM, b"text=hello"),
    "command without user": (FORM, b"command=%2Fsla&text=list"),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_malformed_signed_bodies_get_400(
    slack: SlackClient, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    ctype, body = BAD_BODIES[case]
    with caplog.at_level(logging.INFO):
        r = slack.http.post(
            "/slack/events", content=body, headers={"Content-Type": ctype, **signed(body)}
        )
    assert r.status_code == 400, (case, r.status_code, r.text)
    assert not [rec for rec in caplog.records if rec.exc_info], "a traceback was logged"
    refusals = [rec for rec in caplog.records if rec.name == "slm_bot.guard"]
    assert len(refusals) == 1


BAD_HEADERS: dict[str, dict[str, str | None]] = {
    "no timestamp": {"X-Slack-Request-Timestamp": None},
    "empty timestamp": {"X-Slack-Request-Timestamp": ""},
    "non-numeric timestamp": {"X-Slack-Request-Timestamp": "soon"},
    "fractional timestamp": {"X-Slack-Request-Timestamp": "1700000000.5"},
    "hex timestamp": {"X-Slack-Request-Timestamp": "0x6553f100"},
    "negative timestamp": {"X-Slack-Request-Timestamp": "-1"},
    "huge timestamp": {"X-Slack-Request-Timestamp": "9" * 400},
    "no signature": {"X-Slack-Signature": None},
    "signature not v0": {"X-Slack-Signature": "v1=" + "0" * 64},
    "signature not hex": {"X-Slack-Signature": "v0=" + "z" * 64},
}


@pytest.mark.parametrize("case", list(BAD_HEADERS))
def test_bad_signature_headers_get_401(slack: SlackClient, case: str) -> None:
    body = b"command=%2Fsla&text=help&user_id=U_SALES&channel_id=C0AGREEMENTS"
    headers: dict[str, str] = {"Content-Type": FORM, **signed(body)}
    for k, v in BAD_HEADERS[case].items():
        if v is None:
            headers.pop(k)
        else:
            headers[k] = v
    r = slack.http.post("/slack/events", content=body, headers=headers)
    assert r.status_code == 401, (case, r.status_code)


def test_huge_bodies_are_refused_before_reading(slack: SlackClient) -> None:
    big = b"payload=" + b"x" * 2_000_000
    started = time.perf_counter()
    r = slack.http.post("/slack/events", content=big, headers={"Content-Type": FORM})
    assert r.status_code == 401  # unsigned: refused on the headers
    r = slack.http.post("/slack/events", content=big, headers={"Content-Type": FORM, **signed(big)})
    assert r.status_code == 413
    assert time.perf_counter() - started < 5


def test_a_slow_sender_does_not_delay_others(slack: SlackClient) -> None:
    """A request that sends its headers and then trickles: others are answered meanwhile."""
    url = urllib.parse.urlsplit(slack.app.url)
    body = b"command=%2Fsla&text=help&user_id=U_SALES&channel_id=C0AGREEMENTS"
    head = "".join(f"{k}: {v}\r\n" for k, v in signed(body).items())
    with socket.create_connection((url.hostname, url.port)) as slow:
        slow.sendall(
            (
                f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\n"
                f"Content-Length: 900000\r\n{head}\r\n"
            ).encode()
            + b"command=%2Fsla"
        )
        started = time.perf_counter()
        r = slack.command(USERS[Role.SALES], "help")
        assert r.status_code == 200
        assert time.perf_counter() - started < 2


# -- events handled once across web processes -----------------------------------------------
def test_a_retry_reaching_a_second_web_process_is_handled_once(
    slack: SlackClient, world_db: Database, standin: StandinServer
) -> None:
    """Slack retries an event (same `event_id`) and the retry reaches another web process:
    the App Home is published once (the de-duplication was one process's memory)."""
    user = USERS[Role.SLM]
    before = len(standin.state.calls("views.publish"))
    event = {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D0HOME"}
    with serve_app(world_db, standin) as second:
        other = SlackClient(second, standin)
        try:
            for i in range(5):
                eid = f"Ev0RETRY{i}"
                assert slack.event(event, event_id=eid).status_code == 200
                retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
                assert other.event(event, event_id=eid, headers=retry).status_code == 200
                assert slack.event(event, event_id=eid, headers=retry).status_code == 200
        finally:
            other.close()
    wait_for(lambda: len(standin.state.calls("views.publish")) >= before + 5, what="publishes")
    time.sleep(0.3)
    assert len(standin.state.calls("views.publish")) == before + 5


def test_handled_events_are_pruned_after_a_day(world_db: Database) -> None:
    from store.events import first_delivery

    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    assert first_delivery(world_db, "Ev0PRUNE", now=t0)
    assert not first_delivery(world_db, "Ev0PRUNE", now=t0 + timedelta(hours=23))
    first_delivery(world_db, "Ev0OTHER", now=t0 + timedelta(days=1, seconds=1))  # prunes
    assert first_delivery(world_db, "Ev0PRUNE", now=t0 + timedelta(days=1, seconds=2))


def test_the_same_new_request_submitted_twenty_times_makes_one_agreement(
    slack: SlackClient, world_db: Database
) -> None:
    """Slack delivered the same modal submission (same view id and hash) 20 times: it made
    20 agreements; now the first makes one and the others answer with it."""
    from sqlalchemy import func, select

    from store.models import Agreement, Customer, table_of

    ag, cu = table_of(Agreement), table_of(Customer)

    def agreements_of(name: str) -> list[str]:
        with world_db.read_conn() as conn:
            return list(
                conn.execute(
                    select(ag.c.id).join(cu, cu.c.id == ag.c.customer_id).where(cu.c.name == name)
                ).scalars()
            )

    sales = USERS[Role.SALES]
    view = new_request_view(slack)
    values = fill(view, forms("Twenty Times Co")["M1"])
    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(lambda _: slack.submit(sales, view, values), range(20)))
    assert [a.status_code for a in answers] == [200] * 20
    made = agreements_of("Twenty Times Co")
    assert len(made) == 1
    with world_db.read_conn() as conn:
        assert conn.execute(select(func.count()).select_from(ag)).scalar_one() >= 1
