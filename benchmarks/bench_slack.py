"""Signed `/sla list` and `/sla show` against the running server, beside a bare Bolt app.

Seeds SQLite with 10,000 agreements, starts `slm-bot serve` (uvicorn, the production code
path) and a bare Bolt app that only acks, both as subprocesses on this machine, then sends
correctly signed slash commands over HTTP at 16 concurrent connections and reports req/s,
p50 and p99 latency of the ack (the HTTP response), and the server's resident memory after
the run.

    python benchmarks/bench_slack.py [--agreements 10000] [--requests 4000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from bot.slack_standin.server import StandinServer  # noqa: E402
from bot.slack_standin.state import SlackState  # noqa: E402
from store.db import Database  # noqa: E402
from store.migrate import upgrade  # noqa: E402
from store.models import Agreement, Customer, Task, table_of  # noqa: E402
from store.roles import CONFIG_ACTOR, grant_role  # noqa: E402

SECRET = "bench-signing-secret"
USER = "U0BENCH01"

BARE_APP = textwrap.dedent("""
    import os, uvicorn
    from slack_bolt.async_app import AsyncApp
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from starlette.applications import Starlette
    from starlette.routing import Route
    app = AsyncApp(token=os.environ["SLACK_BOT_TOKEN"],
                   signing_secret=os.environ["SLACK_SIGNING_SECRET"],
                   client=__import__("slack_sdk.web.async_client", fromlist=["x"])
                   .AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"],
                                   base_url=os.environ["SLACK_API_URL"]))
    @app.command("/sla")
    async def sla(ack):
        await ack(response_type="ephemeral", text="ok")
    handler = AsyncSlackRequestHandler(app)
    async def events(request):
        return await handler.handle(request)
    web = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])
    uvicorn.run(web, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning")
""")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: (status, pending actions) of the agreements, in turn
_STAGES = [
    ("onboarding", ["M2"]),
    ("onboarding", ["M4"]),
    ("onboarding", ["M9.review"]),
    ("active", []),
    ("active", []),
    ("active", []),
    ("changing", ["C2"]),
    ("terminating", ["T3", "T4", "T5"]),
    ("archived", []),
    ("declined", []),
]


def seed(db: Database, n: int) -> list[str]:
    """n agreements at every stage, written in bulk (the use cases are measured elsewhere)."""
    upgrade(db)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    for role in ("sales", "slm"):
        from bot.flows.roles import Role

        grant_role(db, USER, Role(role), by=CONFIG_ACTOR, now=now)
    rnd = random.Random(7)
    ids: list[str] = []
    with db.write() as s:
        conn = s.connection()
        conn.execute(
            insert(table_of(Customer)),
            [
                {"id": i + 1, "name": f"Customer {i:05d}", "contact": "bench", "created_at": now}
                for i in range(n // 4 + 1)
            ],
        )
        rows, tasks = [], []
        for i in range(n):
            status, pending = _STAGES[i % len(_STAGES)]
            aid = f"SLA-2026-{i + 1:05d}" if i >= 9999 else f"SLA-2026-{i + 1:04d}"
            ids.append(aid)
            start = date(2026, 1, 1) + timedelta(days=rnd.randrange(0, 300))
            rows.append(_agreement_row(i, aid, status, pending, start, now))
            tasks += [
                {
                    "agreement_id": aid,
                    "action": p,
                    "assignees": [USER],
                    "roles": ["slm"],
                    "opened_at": now,
                    "closed_at": None,
                    "closed_by": None,
                }
                for p in pending
            ]
        conn.execute(insert(table_of(Agreement)), rows)
        conn.execute(insert(table_of(Task)), tasks)
    return ids


def _agreement_row(
    i: int, aid: str, status: str, pending: list[str], start: date, now: datetime
) -> dict[str, Any]:
    return {
        "id": aid,
        "customer_id": i // 4 + 1,
        "title": f"Customer {i // 4:05d}",
        "status": status,
        "pending": pending,
        "flags": {},
        "sla_version": 1,
        "tier": 1 + i % 3,
        "start_date": start,
        "end_date": start + timedelta(days=365),
        "review_cadence": "quarterly",
        "sales_user": USER if i % 7 == 0 else "U0OTHER",
        "owner": None,
        "created_at": now,
        "updated_at": now + timedelta(seconds=i),
        "lock_version": 3,
        "card_channel": None,
        "card_ts": None,
    }


def sign(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    sig = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={sig}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def command_body(text: str) -> str:
    return urllib.parse.urlencode(
        {
            "token": "x",
            "team_id": "T0BENCH",
            "team_domain": "bench",
            "channel_id": "C0AGREEMENTS",
            "channel_name": "sla",
            "user_id": USER,
            "user_name": "bench",
            "command": "/sla",
            "text": text,
            "api_app_id": "A0BENCH",
            "response_url": "http://127.0.0.1:9/response",
            "trigger_id": "1.2.3",
        }
    )


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, body: str
) -> int:
    data = body.encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in sign(body).items())
    writer.write(
        f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\n{head}"
        f"Content-Length: {len(data)}\r\n\r\n".encode()
        + data
    )
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    chunked = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value:
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(length)
    return int(status_line.split()[1])


async def load(url: str, bodies: list[str], concurrency: int) -> tuple[float, list[float], int]:
    """A lean keep-alive HTTP/1.1 client (asyncio streams): the load generator shares the
    machine's two cores with the server, so it must cost as little as possible."""
    latencies: list[float] = []
    errors = 0
    host_port = url.removeprefix("http://")
    host, port = host_port.split(":")
    queue: asyncio.Queue[str] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while not queue.empty():
                body = queue.get_nowait()
                start = time.perf_counter()
                status = await _request(reader, writer, host_port, body)
                latencies.append(time.perf_counter() - start)
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - t0, latencies, errors


def wait_ready(url: str, path: str = "/slack/events") -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            httpx.post(url + path, content=b"", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def report(name: str, elapsed: float, lat: list[float], errors: int) -> tuple[float, float]:
    lat = sorted(lat)
    p50 = statistics.median(lat) * 1000
    p99 = lat[max(0, int(len(lat) * 0.99) - 1)] * 1000
    print(
        f"{name:<34} {len(lat) / elapsed:>8.0f} req/s   p50 {p50:6.1f} ms   "
        f"p99 {p99:6.1f} ms   errors {errors}"
    )
    return p50, p99


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agreements", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp()
    db_url = f"sqlite:///{tmp}/bench.db"
    t0 = time.perf_counter()
    ids = seed(Database(db_url), args.agreements)
    print(f"seeded {len(ids)} agreements in {time.perf_counter() - t0:.1f} s (SQLite, WAL)")

    standin = StandinServer(SlackState()).start()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": standin.state.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.base_url,
        "SLM_AGREEMENTS_CHANNEL": "C0AGREEMENTS",
        "HOST": "127.0.0.1",
    }
    rnd = random.Random(1)
    bodies = [
        command_body("list open") if i % 2 == 0 else command_body(f"show {rnd.choice(ids)}")
        for i in range(args.requests)
    ]
    procs = []
    try:
        port_bot, port_bare = free_port(), free_port()
        bot = _spawn([sys.executable, "-m", "bot.cli", "serve"], env, port_bot)
        bare = _spawn([sys.executable, "-c", BARE_APP], env, port_bare)
        procs = [bot, bare]
        url_bot, url_bare = f"http://127.0.0.1:{port_bot}", f"http://127.0.0.1:{port_bare}"
        wait_ready(url_bot)
        wait_ready(url_bare)
        _compare(url_bot, url_bare, bodies, args.concurrency)
        print(
            f"slm-bot resident memory after the run: {rss_mb(bot.pid):.0f} MB "
            f"(bare app: {rss_mb(bare.pid):.0f} MB)"
        )
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
        standin.stop()
    return 0


def _spawn(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _compare(url_bot: str, url_bare: str, bodies: list[str], concurrency: int) -> None:
    """The bare app, then slm-bot, each warmed up first; their latencies and the p99 ratio."""
    warm = bodies[:200]
    print(
        f"{len(bodies)} signed slash commands (half `/sla list open`, half "
        f"`/sla show <random id>`), {concurrency} concurrent connections"
    )
    asyncio.run(load(url_bare, warm, concurrency))
    bare_result = asyncio.run(load(url_bare, bodies, concurrency))
    asyncio.run(load(url_bot, warm, concurrency))
    bot_result = asyncio.run(load(url_bot, bodies, concurrency))
    print("closed loop: each connection sends its next request when the last is answered")
    _, bare_p99 = report("  bare Bolt app (ack only)", *bare_result)
    _, bot_p99 = report("  slm-bot (/sla list, /sla show)", *bot_result)
    print(f"  p99 ratio slm-bot / bare: {bot_p99 / bare_p99:.2f}x")


if __name__ == "__main__":
    raise SystemExit(main())
