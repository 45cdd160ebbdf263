"""The Alertmanager webhook under a steady load (M11's outages in): `slm-bot serve` as a
subprocess, alerts sent at a fixed rate (open loop: a slow answer does not slow the sender),
latency from send to answer.

    python benchmarks/bench_webhook.py [--rate 500] [--seconds 10] [--agreements 20] [--pg URL]

Each alert opens an outage of a random live agreement (firing) and the next one for it closes
it (resolved), as Alertmanager sends them, one alert per notification. The aim: 500 alerts/s
with a p99 under 50 ms on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.pg_schema import drop_schema, fresh_schema
from bot.flows.integrity import NEEDS_SIGNED
from bot.flows.roles import Role
from bot.flows.samples import DOER, FULL_LIFE, sample_forms
from store.catalogue import save_entry
from store.db import Database
from store.demo import departments_answer
from store.departments import set_head
from store.lifecycle import perform, submit_request
from store.migrate import upgrade
from store.roles import CONFIG_ACTOR, grant_role

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-webhook-token-0123456789"
USERS = {
    Role.SALES: "U_SALES",
    Role.SLM: "U_SLM",
    Role.OPS_LEAD: "U_OPS",
    Role.SUPPLIER_MANAGER: "U_SUP",
    Role.CONTRACTS: "U_CON",
    Role.EXECUTIVE: "U_EXE",
    Role.SUPPORT_DEPT: "U_DEP",
    Role.ADMIN: "U_ADM",
}


def seed(db: Database, n: int) -> list[str]:
    """`n` agreements in service (M1 to M10 through the use cases)."""
    upgrade(db)
    now = datetime(2026, 1, 20, 1, tzinfo=UTC)
    for role, user in USERS.items():
        grant_role(db, user, role, by=CONFIG_ACTOR, now=now)
    entry = {"code": "DB-OPS", "name": "Database operations", "tier": 1, "price": "1"}
    save_entry(db, entry | {"availability_pct": "99.9"}, actor="U_SLM", now=now)
    for department in ("DBA", "Network"):  # the sample breakdown's and OLAs' departments
        set_head(db, department, USERS[Role.SUPPORT_DEPT], by=USERS[Role.ADMIN], now=now)
    forms = sample_forms(date(2026, 2, 1), today=date(2026, 1, 20))
    path = FULL_LIFE[: FULL_LIFE.index("M10") + 1]
    ids = []
    for _ in range(n):
        now += timedelta(minutes=1)
        aid = submit_request(db, forms["M1"], actor="U_SALES", now=now).agreement_id
        for action in path:
            now += timedelta(minutes=1)
            if action in NEEDS_SIGNED:  # the heads acknowledge M7 and sign the OLAs
                departments_answer(db, aid, now=now)
            perform(db, aid, action, forms[action], actor=USERS[DOER[action]], now=now)
        ids.append(aid)
    return ids


def payloads(ids: list[str], count: int) -> list[bytes]:
    rnd = random.Random(1)
    base = datetime.now(UTC) - timedelta(days=1)
    open_: dict[str, tuple[str, datetime]] = {}
    out = []
    for i in range(count):
        aid = rnd.choice(ids)
        if aid in open_:
            fp, start = open_.pop(aid)
            status, ends = "resolved", start + timedelta(minutes=rnd.randint(1, 30))
        else:
            fp, start = f"fp{i:07d}", base + timedelta(seconds=i)
            open_[aid] = (fp, start)
            status, ends = "firing", None
        alert = {
            "status": status,
            "labels": {"sla": aid, "alertname": "Down", "severity": "critical"},
            "annotations": {"summary": "Service down"},
            "startsAt": start.isoformat(),
            "endsAt": ends.isoformat() if ends else "0001-01-01T00:00:00Z",
            "fingerprint": fp,
        }
        body = {"version": "4", "status": status, "alerts": [alert], "receiver": "slm"}
        out.append(json.dumps(body).encode())
    return out


async def _post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, body: bytes
) -> int:
    writer.write(
        f"POST /webhooks/alertmanager HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def load(
    url: str, bodies: list[bytes], rate: float, conns: int = 48
) -> tuple[list[float], int]:
    """Open loop: alert i is due at start + i/rate; its latency counts from that moment (a
    late answer delays nothing else, and waiting for a free connection counts too). A lean
    asyncio-streams client: it shares the two cores with the server."""
    host = url.removeprefix("http://")
    name, port = host.split(":")
    lat: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(bodies)):
        queue.put_nowait(i)
    start = time.perf_counter() + 0.05

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(name, int(port))
        try:
            while not queue.empty():
                i = queue.get_nowait()
                due = start + i / rate
                if (wait := due - time.perf_counter()) > 0:
                    await asyncio.sleep(wait)
                status = await _post(reader, writer, host, bodies[i])
                lat.append(time.perf_counter() - due)
                errors += status != 200
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(conns)))
    return lat, errors


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("server did not start")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--agreements", type=int, default=20)
    ap.add_argument("--pg", help="PostgreSQL URL (default: a SQLite file)")
    args = ap.parse_args()
    schema = f"bench_webhook_{os.getpid()}"
    url = _database_url(args.pg, schema)
    db = Database(url)
    ids = seed(db, args.agreements)
    db.dispose()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench-secret-0123456789",
        "SLM_WEBHOOK_TOKEN": TOKEN,
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--no-scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        bodies = payloads(ids, int(args.rate * args.seconds))
        if os.environ.get("BENCH_PROFILE"):
            _profile(proc.pid, os.environ["BENCH_PROFILE"])
        asyncio.run(load(base, bodies[:100], args.rate))  # warm up (these alerts count too)
        t0 = time.perf_counter()
        lat, errors = asyncio.run(load(base, bodies[100:], args.rate))
        took = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(10)
        if args.pg:
            drop_schema(args.pg, schema)
    _report("PostgreSQL" if args.pg else "SQLite", lat, took, args.rate, errors)


def _database_url(pg: str | None, schema: str) -> str:
    """A SQLite file, or on PostgreSQL a schema of its own (dropped at the end)."""
    return fresh_schema(pg, schema) if pg else f"sqlite:///{tempfile.mkdtemp()}/bench.db"


def _profile(pid: int, out: str) -> None:
    """py-spy records 5 s of the server (a speedscope file)."""
    subprocess.Popen(
        [
            "py-spy",
            "record",
            "-d",
            "5",
            "-r",
            "200",
            "-f",
            "speedscope",
            "-o",
            out,
            "-p",
            str(pid),
            "--nonblocking",
        ]
    )


def _report(kind: str, lat: list[float], took: float, rate: float, errors: int) -> None:
    lat.sort()

    def p(q: float) -> float:
        return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000

    print(f"{kind}: {len(lat)} alerts offered at {rate:.0f}/s, answered in {took:.2f} s")
    print(
        f"throughput {len(lat) / took:.0f} alerts/s, p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, "
        f"max {lat[-1] * 1000:.1f} ms, mean {statistics.mean(lat) * 1000:.1f} ms, errors {errors}"
    )


if __name__ == "__main__":
    main()
