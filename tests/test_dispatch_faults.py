"""The dispatcher against a misbehaving Slack and dying workers: 429 with Retry-After, 500s,
refused connections, SIGKILL mid-dispatch, three workers at once. Every message arrives, in
order per agreement, none lost (at least once)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bot.scheduler.dispatcher import Dispatcher
from bot.slack_standin.server import StandinServer
from bot.slack_standin.testing import running_standin
from store.db import Database
from store.lifecycle import perform
from store.models import OutboxMessage, table_of
from tests.dbs import database
from tests.support import ACTOR, PEOPLE, Clock, drive, forms, setup_world

CHANNEL = "C0AGREEMENTS"
ROOT = Path(__file__).resolve().parents[1]
_O = table_of(OutboxMessage)


@pytest.fixture
def standin() -> Iterator[StandinServer]:
    with running_standin(check_violations=True) as server:
        for user in PEOPLE:
            server.state.add_user(user, user.lower())
        yield server


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database(request.param, tmp_path) as d:
        setup_world(d)
        yield d


def statuses(db: Database) -> dict[str, int]:
    with db.read_conn() as conn:
        return {
            k: int(n)
            for k, n in conn.execute(select(_O.c.status, func.count()).group_by(_O.c.status)).all()
        }


def make_work(db: Database, n: int = 3) -> list[str]:
    ids = []
    clock = Clock()
    for i in range(n):
        ag = drive(db, "M5", clock, customer=f"Fault Co {i}")
        ids.append(ag.agreement_id)
    return ids


def no_retry_client(standin: StandinServer) -> AsyncWebClient:
    return AsyncWebClient(
        token=standin.state.token, base_url=standin.base_url, retry_handlers=[], timeout=5
    )


def thread_steps(standin: StandinServer, agreement_id: str) -> list[str]:
    card = next(
        m
        for m in standin.state.messages(CHANNEL)
        if str(m.get("text", "")).startswith(agreement_id)
    )
    replies = [m for m in standin.state.thread(CHANNEL, card["ts"]) if m["ts"] != card["ts"]]
    # the steps' replies (a step's documents follow its reply as a file share)
    return [str(m["text"]).split(" · ")[0].strip("*") for m in replies if not m.get("upload")]


def test_429_500_and_refused_connections_lose_nothing(db: Database, standin: StandinServer) -> None:
    ids = make_work(db)
    total = sum(statuses(db).values())
    state = standin.state
    rate = state.inject(kind="rate_limit", method="chat.postMessage", retry_after=30, times=2)
    boom = state.inject(kind="server_error", method="chat.postMessage", times=3)
    now = datetime(2026, 3, 3, tzinfo=UTC)
    d = Dispatcher(
        db,
        no_retry_client(standin),
        channel=CHANNEL,
        channel_interval=0,
        base_delay=5,
        clock=lambda: now,
    )
    rounds = 0
    while statuses(db).get("pending") and rounds < 200:
        rounds += 1
        if rounds == 2:
            standin.pause()  # Slack unreachable for a while
        if rounds == 6:
            standin.resume()
        asyncio.run(d.run_once(now))
        now += timedelta(seconds=31)
    assert rate.hits == 2
    assert boom.hits == 3
    assert statuses(db) == {"sent": total}
    for aid in ids:
        # every transition's event arrived, in the order the transitions happened
        assert thread_steps(standin, aid) == ["M1", "M2", "M3", "M4"]
        cards = [m for m in state.messages(CHANNEL) if str(m.get("text", "")).startswith(aid)]
        assert len(cards) == 1, "one card per agreement, updated in place"
    # the 429's Retry-After was honoured: the row waited its 30 s
    with db.read_conn() as conn:
        retried = conn.execute(select(_O.c.attempts).where(_O.c.attempts > 1)).scalars().all()
    assert retried


WORKER = """
import asyncio, os, sys
from datetime import UTC, datetime, timedelta
from slack_sdk.web.async_client import AsyncWebClient
from bot.scheduler.dispatcher import Dispatcher
from store.db import Database
db = Database(os.environ["DATABASE_URL"])
shift = float(os.environ.get("CLOCK_SHIFT", "0"))
client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
d = Dispatcher(db, client, channel="C0AGREEMENTS", channel_interval=float(os.environ["PACE"]),
               lease_seconds=5, clock=lambda: datetime.now(UTC) + timedelta(seconds=shift))
print("started", flush=True)
asyncio.run(d.drain(rounds=1000))
"""


def worker_env(db: Database, standin: StandinServer, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db.url,
        "SLACK_BOT_TOKEN": standin.state.token,
        "SLACK_API_URL": standin.base_url,
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def test_sigkill_mid_dispatch_loses_nothing(db: Database, standin: StandinServer) -> None:
    ids = make_work(db, n=4)
    total = sum(statuses(db).values())
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env=worker_env(db, standin, PACE="0.05"),
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"started"
    deadline = time.time() + 20
    while statuses(db).get("sent", 0) < 3 and time.time() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    sent_before = statuses(db).get("sent", 0)
    assert 0 < sent_before < total, "killed in the middle"
    # a new worker takes over once the dead one's leases expire (5 s, clock moved past it)
    subprocess.run(
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        check=True,
        timeout=120,
        env=worker_env(db, standin, PACE="0", CLOCK_SHIFT="10"),
        stdout=subprocess.DEVNULL,
    )
    assert statuses(db) == {"sent": total}
    with db.read_conn() as conn:
        delivered = conn.execute(
            select(func.count()).select_from(_O).where(_O.c.ts.is_not(None))
        ).scalar_one()  # the rest were coalesced card updates
    calls = standin.state.calls("chat.postMessage") + standin.state.calls("chat.update")
    ok = [c for c in calls if c.ok]
    assert len(ok) >= delivered, "every message reached Slack (at least once)"
    # each agreement's first thread reply posts its card first (one call more, same row);
    # beyond that, at most the message in flight when the worker died is sent twice
    assert len(ok) - delivered - len(ids) <= 1, "duplicates beyond the at-least-once window"


def test_three_workers_send_every_reminder_exactly_once(
    tmp_path: Path, standin: StandinServer
) -> None:
    with database("postgres", tmp_path) as pg:
        setup_world(pg)
        clock = Clock(datetime(2026, 3, 2, 1, tzinfo=UTC))
        ids = [drive(pg, "M11", clock, customer=f"Triple {i}").agreement_id for i in range(6)]
        for aid in ids[3:]:  # some with open tasks too
            perform(pg, aid, "M13", forms()["M13"], actor=ACTOR["M13"], now=clock())
        # the transitions' own messages are sent first (not part of the count)
        asyncio.run(
            Dispatcher(pg, no_retry_client(standin), channel=CHANNEL, channel_interval=0).drain()
        )
        before = {c.seq for c in standin.state.calls("chat.postMessage")}
        now = "2027-03-10T09:00:00+08:00"  # 21 days before the end: expiry, reviews, stale
        env = worker_env(pg, standin, SLM_AGREEMENTS_CHANNEL=CHANNEL, SLM_CHANNEL_INTERVAL="0")
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "sweep", "--now", now, "--send"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(3)
        ]
        outs = [p.communicate(timeout=120) for p in procs]
        for p, (_, err) in zip(procs, outs, strict=True):
            assert p.returncode == 0, err.decode()
        from store.models import Reminder

        rem = table_of(Reminder)
        with pg.read_conn() as conn:
            n_reminders = conn.execute(select(func.count()).select_from(rem)).scalar_one()
            sent = conn.execute(
                select(func.count()).select_from(rem).where(rem.c.status == "sent")
            ).scalar_one()
        assert n_reminders > 10
        assert sent == n_reminders
        assert statuses(pg).get("pending", 0) == 0
        new_posts = [c for c in standin.state.calls("chat.postMessage") if c.seq not in before]
        with pg.read_conn() as conn:
            rows = conn.execute(
                select(func.count())
                .select_from(_O)
                .where(_O.c.status == "sent", _O.c.ts.is_not(None), _O.c.kind != "card")
            ).scalar_one()
        texts = [str(c.args.get("channel")) + "|" + str(c.args.get("text")) for c in new_posts]
        assert len(texts) == len(set(texts)), "a message was sent twice"
        assert len(new_posts) <= rows


def test_reminders_reach_slack(db: Database, standin: StandinServer) -> None:
    """Every kind of reminder renders and arrives: DMs with buttons, the card's thread, the
    channel for overdue reviews, and one grouped DM for a pile."""
    from bot.scheduler.sweeps import Sweeper
    from tests.slack_validation import validate_all

    clock = Clock(datetime(2026, 3, 2, 1, tzinfo=UTC))
    ids = [drive(db, "M11", clock, customer=f"Remind {i}").agreement_id for i in range(2)]
    client = no_retry_client(standin)
    asyncio.run(Dispatcher(db, client, channel=CHANNEL, channel_interval=0).drain())
    n_before = len(standin.state.calls("chat.postMessage"))
    when = datetime(2027, 3, 20, 9, tzinfo=UTC)  # 11 days before the end
    report = Sweeper(db).run(when)
    assert report.recorded > 0
    asyncio.run(
        Dispatcher(db, client, channel=CHANNEL, channel_interval=0, clock=lambda: when).drain()
    )
    posts = standin.state.calls("chat.postMessage")[n_before:]
    texts = [str(c.args.get("text")) for c in posts]
    assert any("⏰" in x for x in texts), "expiry reminder"
    assert any("❗" in x for x in texts), "overdue review in the channel"
    assert any(c.args.get("thread_ts") and "⏰" in str(c.args.get("text")) for c in posts)
    sales_dms = [c for c in posts if c.args.get("channel") == "U_SALES"]
    for aid in ids:
        assert any(aid in str(c.args.get("text")) for c in sales_dms), f"no reminder for {aid}"
    snooze = json.dumps([c.args.get("blocks") for c in sales_dms])
    assert "sla-snooze" in snooze
    assert statuses(db).get("pending", 0) == 0
    assert validate_all(standin.state) > 0


LOOP_WORKER = """
import asyncio, os
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler, AsyncServerErrorRetryHandler)
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select
from bot.scheduler.dispatcher import Dispatcher
from store.db import Database
from store.models import OutboxMessage, table_of
db = Database(os.environ["DATABASE_URL"])
out = table_of(OutboxMessage)
client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"],
    retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2),
                    AsyncServerErrorRetryHandler(max_retry_count=1)])
d = Dispatcher(db, client, channel="C0AGREEMENTS", channel_interval=float(os.environ["PACE"]),
               lease_seconds=float(os.environ["LEASE"]), base_delay=0.2, max_delay=1.0)
def pending():
    with db.read_conn() as conn:
        return conn.execute(select(func.count()).select_from(out)
                            .where(out.c.status == "pending")).scalar_one()
async def main():
    while pending():
        r = await d.run_once()
        if not r.sent:
            await asyncio.sleep(0.1)
asyncio.run(main())
"""


def test_three_workers_exactly_once_under_random_429_and_500(
    tmp_path: Path, standin: StandinServer
) -> None:
    """Three workers on PostgreSQL, Slack answering 429 (Retry-After) and 500 at random, the
    channel paced and the leases short: every message arrives once, in order per agreement.
    (Before the leases were renewed during a send, a lease ran out while its worker waited on
    Retry-After or pacing and another worker sent the same rows again.)"""
    with database("postgres", tmp_path) as pg:
        setup_world(pg)
        ids = make_work(pg, n=4)
        total = sum(statuses(pg).values())
        state = standin.state
        state.inject(
            kind="rate_limit", method="chat.postMessage", times=None, probability=0.2, seed=1
        )
        state.inject(
            kind="server_error", method="chat.postMessage", times=None, probability=0.1, seed=2
        )
        env = worker_env(pg, standin, PACE="0.1", LEASE="4")
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", LOOP_WORKER], cwd=ROOT, env=env, stderr=subprocess.PIPE
            )
            for _ in range(3)
        ]
        for p in procs:
            _, err = p.communicate(timeout=180)
            assert p.returncode == 0, err.decode()[-3000:]
        assert statuses(pg) == {"sent": total}
        with pg.read_conn() as conn:
            posted = conn.execute(
                select(func.count())
                .select_from(_O)
                .where(_O.c.kind != "card", _O.c.ts.is_not(None))
            ).scalar_one()
        ok = [c for c in state.calls("chat.postMessage") if c.ok]
        # one post per thread reply and DM, plus each agreement's card posted once
        assert len(ok) == posted + len(ids), "a message was sent twice"
        for aid in ids:
            assert thread_steps(standin, aid) == ["M1", "M2", "M3", "M4"]
