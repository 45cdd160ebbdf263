"""Confirmations through the outbox (issue 13): the "done" message a person must see after a
change is an outbox row, sent at once under its lease; a Slack fault never loses it (the
worker retries the row), a success never doubles it (the row is marked sent), and a worker
killed while holding claims gives them up within its lease (10 s by default), with the
real `slm-bot worker` in real time. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import select

from bot.flows.roles import Role
from bot.settings import Settings
from bot.slack_standin.models import FaultKind
from bot.slack_standin.server import StandinServer
from bot.slack_standin.testing import running_standin
from store.db import Database
from store.models import OutboxLease, OutboxMessage, table_of
from store.outbox import enqueue_notice
from tests.slack_support import SlackClient, fill, serve_app, wait_for
from tests.support import USERS, forms

ROOT = Path(__file__).resolve().parents[1]
SALES = USERS[Role.SALES]
_O, _L = table_of(OutboxMessage), table_of(OutboxLease)


@pytest.fixture(scope="module")
def standin() -> Iterator[StandinServer]:
    with running_standin() as server:
        for user in [*USERS.values(), "U_SLM_B"]:
            server.state.add_user(user, user.lower())
        yield server


@pytest.fixture(scope="module")
def slack(world: Database, standin: StandinServer) -> Iterator[SlackClient]:
    standin.state.reset()  # the stand-in is shared by both databases' runs
    with serve_app(world, standin) as app:
        client = SlackClient(app, standin)
        yield client
        client.close()


def notices(db: Database, text: str) -> list[tuple[str, int]]:
    """(status, attempts) of the confirmation rows holding `text`: a worded notice, or a
    step's confirmation queued with the step (its agreement, and customer for a new request)."""
    with db.read_conn() as conn:
        rows = conn.execute(select(_O.c.status, _O.c.attempts, _O.c.payload)).all()
    return [
        (s, a)
        for s, a, p in rows
        if p.get("template") in ("notice", "done")
        and text in " ".join(str(p.get(k) or "") for k in ("text", "created_for", "agreement_id"))
    ]


def confirmations(slack: SlackClient, customer: str) -> list[dict[str, Any]]:
    return [
        e
        for e in slack.standin.state.ephemerals(user=SALES)
        if customer in str(e.get("text")) and "Recorded SLA-" in str(e.get("text"))
    ]


def submit_new_request(slack: SlackClient, customer: str) -> None:
    state = slack.standin.state
    state.close_views(SALES)
    assert slack.command(SALES, "new").status_code == 200
    view = wait_for(lambda: state.open_views(SALES), what="new request modal")[-1]
    resp = slack.submit(SALES, view, fill(view, forms(customer)["M1"]))
    assert resp.status_code == 200, resp.text
    state.close_views(SALES)


def test_a_delivered_confirmation_is_sent_once_and_marked_sent(
    slack: SlackClient, world: Database
) -> None:
    submit_new_request(slack, "Once Ltd")
    wait_for(lambda: confirmations(slack, "Once Ltd"), what="the confirmation, at once")
    wait_for(lambda: [s for s, _ in notices(world, "Once Ltd")] == ["sent"], what="row sent")
    later = datetime.now(UTC) + timedelta(hours=1)
    for _ in range(3):  # the worker's rounds find nothing more to send
        asyncio.run(slack.app.dispatcher.run_once(later))
    assert len(confirmations(slack, "Once Ltd")) == 1


@pytest.mark.parametrize("kind", ["server_error", "rate_limit"])
def test_a_confirmation_that_slack_refuses_is_retried_by_the_worker_once(
    slack: SlackClient, world: Database, kind: str
) -> None:
    customer = f"Fault {kind}"
    fault = slack.standin.state.inject(
        kind=cast(FaultKind, kind), method="chat.postEphemeral", times=None
    )
    try:
        submit_new_request(slack, customer)
        wait_for(
            lambda: notices(world, customer) and notices(world, customer)[0][1] >= 1,
            what="a failed attempt recorded on the row",
            timeout=30,
        )
        assert fault.hits >= 1
        assert confirmations(slack, customer) == []
        assert notices(world, customer)[0][0] == "pending"  # kept, not lost
    finally:
        slack.standin.state.clear_faults()
    later = datetime.now(UTC) + timedelta(hours=1)  # past the back-off
    for _ in range(3):
        asyncio.run(slack.app.dispatcher.run_once(later))
    assert len(confirmations(slack, customer)) == 1
    assert notices(world, customer)[0][0] == "sent"


def test_a_one_click_approval_confirms_through_the_outbox(
    slack: SlackClient, world: Database
) -> None:
    from bot.blocks.cards import action_buttons
    from tests.support import Clock, drive

    ag = drive(world, "M9.review", Clock(), customer="Click Ltd")
    approve = action_buttons(ag.agreement_id, "M9.review", ag.lock_version, "en")[0]
    slm = USERS[Role.SLM]
    slack.standin.state.inject(kind="server_error", method="chat.postEphemeral", times=None)
    try:
        resp = slack.click(slm, approve, message={"ts": "1.0", "text": ag.agreement_id})
        assert resp.status_code == 200
        # the immediate send has given up (its retries are over) before the faults stop
        wait_for(
            lambda: [n for n in notices(world, ag.agreement_id) if n[1] >= 1],
            timeout=30,
            what="the queued confirmation's failed first attempt",
        )
        assert notices(world, ag.agreement_id)[0][0] == "pending"
    finally:
        slack.standin.state.clear_faults()
    later = datetime.now(UTC) + timedelta(hours=1)
    for _ in range(3):
        asyncio.run(slack.app.dispatcher.run_once(later))
    got = [
        e
        for e in slack.standin.state.ephemerals(user=slm)
        if ag.agreement_id in str(e.get("text")) and "M9" in str(e.get("text"))
    ]
    assert len(got) == 1, [e.get("text") for e in got]
    assert notices(world, ag.agreement_id)[0][0] == "sent"


def test_a_steps_confirmation_is_committed_with_the_step(
    slack: SlackClient, world: Database
) -> None:
    """The web process may die the moment the step commits: its confirmation was queued in
    the same transaction, so the worker sends it, worded in the doer's language."""
    from store.lifecycle import perform
    from store.outbox import Confirm
    from tests.support import Clock, drive

    clock = Clock()
    ag = drive(world, "M9.review", clock, customer="Crash Ltd").agreement_id
    slm = USERS[Role.SLM]
    told = Confirm(user=slm, channel="C0AGREEMENTS", locale="zh-CN")
    out = perform(
        world, ag, "M9.review", {"decision": "approve"}, actor=slm, now=clock(), confirm=told
    )
    assert out.confirmed
    assert [s for s, _ in notices(world, ag)] == ["pending"]  # no handler ran: nothing sent yet
    later = datetime.now(UTC) + timedelta(hours=1)
    asyncio.run(slack.app.dispatcher.run_once(later))  # the worker
    got = [str(e.get("text")) for e in slack.standin.state.ephemerals(user=slm) if ag in str(e)]
    assert len(got) == 1 and got[0].startswith(f"已完成：{ag} 的 *M9")
    assert [s for s, _ in notices(world, ag)] == ["sent"]


WORKER = "from bot.cli import main; raise SystemExit(main(['worker']))"


def test_a_killed_worker_gives_up_its_claims_within_its_lease(
    world: Database, standin: StandinServer, slack: SlackClient
) -> None:
    """Worker 1 holds a person's DMs and waits on the channel pacing (30 s between posts to
    one conversation); SIGKILL; worker 2 sends the rest within the default lease (10 s) and
    its poll (1 s). Nothing lost, nothing doubled (the kill fell between two sends)."""
    lease = Settings().outbox_lease_seconds
    asyncio.run(slack.app.dispatcher.drain())  # only this test's rows are left to send
    user, n = USERS[Role.OPS_LEAD], 4
    texts = [f"Lease test {i}" for i in range(n)]
    for text in texts:
        enqueue_notice(world, user=user, channel=None, text=text, now=datetime.now(UTC))
    env = {
        **os.environ,
        "DATABASE_URL": world.url,
        "SLACK_BOT_TOKEN": standin.state.token,
        "SLACK_API_URL": standin.base_url,
        "SLM_AGREEMENTS_CHANNEL": "C0AGREEMENTS",
        "PYTHONPATH": str(ROOT),
    }
    first = subprocess.Popen(
        [sys.executable, "-c", WORKER], cwd=ROOT, env={**env, "SLM_CHANNEL_INTERVAL": "30"}
    )
    try:
        wait_for(lambda: sent(world, texts) == 1, timeout=30, what="worker 1's first DM")
        time.sleep(1)  # worker 1 now waits on the pacing, holding the lease
        with world.read_conn() as conn:
            assert conn.execute(select(_L.c.key).where(_L.c.key == f"notice:{user}")).first()
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    killed = time.monotonic()
    second = subprocess.Popen(
        [sys.executable, "-c", WORKER], cwd=ROOT, env={**env, "SLM_CHANNEL_INTERVAL": "0"}
    )
    try:
        wait_for(lambda: sent(world, texts) == n, timeout=lease + 20, what="the rest")
        took = time.monotonic() - killed
    finally:
        second.terminate()
        second.wait(10)
    assert took <= lease + 3, f"the dead worker's claims were held {took:.1f} s"
    dms = [
        c for c in standin.state.calls("chat.postMessage") if c.ok and c.args.get("channel") == user
    ]
    assert (
        sorted(str(c.args.get("text")) for c in dms if "Lease test" in str(c.args.get("text")))
        == texts
    )


def sent(db: Database, texts: list[str]) -> int:
    with db.read_conn() as conn:
        rows = conn.execute(select(_O.c.status, _O.c.payload)).all()
    return sum(1 for s, p in rows if s == "sent" and p.get("text") in texts)
