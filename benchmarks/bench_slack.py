"""Signed `/sla list` and `/sla show` against the running server, beside a bare Bolt app.

Seeds SQLite with 10,000 agreements, starts `slm-bot serve` (uvicorn, the production code
path) and a bare Bolt app that only acks, both as subprocesses on this machine, then sends
correctly signed slash commands over HTTP at 16 concurrent connections and reports req/s,
p50 and p99 latency of the ack (the HTTP response), and the server's resident memory after
the run.

With `--pg URL`, the same agreements are also seeded into a fresh schema on PostgreSQL and a
second `slm-bot serve` runs against it in the same run; the report adds PostgreSQL's req/s
against SQLite's.

    python benchmarks/bench_slack.py [--agreements 10000] [--requests 4000] [--concurrency 16]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]
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

from benchmarks.pg_schema import drop_schema, fresh_schema  # noqa: E402
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


def report(name: str, elapsed: float, lat: list[float], errors: int) -> tuple[float, float, float]:
    """Prints and returns p50, p99 (ms) and req/s."""
    lat = sorted(lat)
    p50 = statistics.median(lat) * 1000
    p99 = lat[max(0, int(len(lat) * 0.99) - 1)] * 1000
    rps = len(lat) / elapsed
    print(f"{name:<34} {rps:>8.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   errors {errors}")
    return p50, p99, rps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agreements", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--pg", metavar="URL", help="also slm-bot on PostgreSQL (a fresh schema)")
    args = ap.parse_args()

    urls = {"SQLite": f"sqlite:///{tempfile.mkdtemp()}/bench.db"}
    schema = f"slm_bench_slack_{os.getpid()}"
    if args.pg:
        urls["PostgreSQL"] = fresh_schema(args.pg, schema)
    ids: list[str] = []
    for name, db_url in urls.items():
        t0 = time.perf_counter()
        db = Database(db_url)
        ids = seed(db, args.agreements)
        db.dispose()
        print(f"seeded {len(ids)} agreements in {time.perf_counter() - t0:.1f} s ({name})")

    standin = StandinServer(SlackState()).start()
    env = {
        **os.environ,
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
    servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        servers["bare Bolt app (ack only)"] = _spawn([sys.executable, "-c", BARE_APP], env)
        for name, db_url in urls.items():
            cmd = [sys.executable, "-m", "bot.cli", "serve"]
            servers[f"slm-bot on {name}"] = _spawn(cmd, {**env, "DATABASE_URL": db_url})
        for _, url in servers.values():
            wait_ready(url)
        _compare({name: url for name, (_, url) in servers.items()}, bodies, args.concurrency)
        print(
            "resident memory after the run: "
            + ", ".join(f"{name} {rss_mb(proc.pid):.0f} MB" for name, (proc, _) in servers.items())
        )
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(10)
        standin.stop()
        if args.pg:
            drop_schema(args.pg, schema)
    return 0


def _spawn(cmd: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, f"http://127.0.0.1:{port}"


def _compare(urls: dict[str, str], bodies: list[str], concurrency: int) -> None:
    """Each server in turn (the bare app first), warmed up first; their latencies, each
    slm-bot's p99 against the bare app's, and PostgreSQL's req/s against SQLite's."""
    warm = bodies[:200]
    print(
        f"{len(bodies)} signed slash commands (half `/sla list open`, half "
        f"`/sla show <random id>`), {concurrency} concurrent connections"
    )
    results = {}
    for name, url in urls.items():
        asyncio.run(load(url, warm, concurrency))
        results[name] = asyncio.run(load(url, bodies, concurrency))
    print("closed loop: each connection sends its next request when the last is answered")
    figures = {name: report(f"  {name}", *result) for name, result in results.items()}
    (_, (_, bare_p99, _)), *bots = figures.items()
    for name, (_, p99, _) in bots:
        print(f"  p99 ratio {name} / bare: {p99 / bare_p99:.2f}x")
    if len(bots) == 2:
        (_, (_, _, sqlite_rps)), (_, (_, _, pg_rps)) = bots
        print(f"  req/s ratio PostgreSQL / SQLite: {pg_rps / sqlite_rps:.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
