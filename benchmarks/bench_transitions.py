"""Use-case transitions per second on SQLite and PostgreSQL.

Each transition is a full use case: one transaction with the agreement update (optimistic
lock), step record, documents, side rows, the audit event and the outbox rows.

    python benchmarks/bench_transitions.py [--agreements 60] [--clients 1,8] [--pg URL] [--no-pg]

`--clients 1,8` runs one client, then eight client processes at once, each living its own
agreements on the same database (no shared rows: what several Slack users or web workers do).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

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
PATH = FULL_LIFE
ACTOR = {action: USERS[role] for action, role in DOER.items()}


def prepare(db: Database) -> None:
    upgrade(db)
    now = datetime(2026, 1, 5, tzinfo=UTC)
    for role, user in USERS.items():
        grant_role(db, user, role, by=CONFIG_ACTOR, now=now)
    save_entry(
        db,
        {
            "code": "DB-OPS",
            "name": "Database operations",
            "tier": 2,
            "price": "120000",
            "availability_pct": "99.9",
        },
        actor="U_SLM",
        now=now,
    )
    for department in ("DBA", "Network"):  # the sample breakdown's and OLAs' departments
        set_head(db, department, USERS[Role.SUPPORT_DEPT], by=USERS[Role.ADMIN], now=now)


def run(db: Database, agreements: int) -> tuple[int, float, list[float]]:
    forms = sample_forms(date(2026, 4, 1), today=date(2026, 2, 1))
    now = datetime(2026, 2, 1, tzinfo=UTC)
    n = 0
    lat: list[float] = []
    t0 = time.perf_counter()
    for _ in range(agreements):
        now += timedelta(seconds=1)
        s = time.perf_counter()
        out = submit_request(db, forms["M1"], actor="U_SALES", now=now)
        lat.append(time.perf_counter() - s)
        n += 1
        for action in PATH:
            now += timedelta(seconds=1)
            if action in NEEDS_SIGNED:  # the heads acknowledge M7 and sign the OLAs (untimed)
                departments_answer(db, out.agreement_id, now=now)
            s = time.perf_counter()
            perform(db, out.agreement_id, action, forms[action], actor=ACTOR[action], now=now)
            lat.append(time.perf_counter() - s)
            n += 1
    return n, time.perf_counter() - t0, lat


def client(url: str, agreements: int, start: Any, out: Any) -> None:
    """One client process: waits for the others, then lives its agreements."""
    db = Database(url)
    run(db, 1)  # warm: templates compiled, statements cached, connections open
    start.wait()
    out.put(run(db, agreements))
    db.dispose()


def concurrent(url: str, agreements: int, clients: int) -> tuple[int, float, list[float]]:
    """`clients` processes at once on one database; the wall time from the common start."""
    ctx = mp.get_context("spawn")
    start, out = ctx.Barrier(clients + 1), ctx.Queue()
    share = [agreements // clients + (i < agreements % clients) for i in range(clients)]
    procs = [ctx.Process(target=client, args=(url, k, start, out)) for k in share]
    for p in procs:
        p.start()
    start.wait()
    t0 = time.perf_counter()
    results = [out.get() for _ in procs]
    secs = time.perf_counter() - t0
    for p in procs:
        p.join()
    return sum(r[0] for r in results), secs, [x for r in results for x in r[2]]


def measure(name: str, url: str, agreements: int, clients: list[int]) -> None:
    for n in clients:
        db = Database(url)
        prepare(db)
        label = f"{name} x{n}"
        if n == 1:
            report(label, *run(db, agreements))
        else:
            report(label, *concurrent(url, agreements, n))
        db.dispose()


def report(name: str, n: int, secs: float, lat: list[float]) -> None:
    lat.sort()
    p50 = statistics.median(lat) * 1000
    p99 = lat[int(len(lat) * 0.99) - 1] * 1000
    print(
        f"{name:<16} {n:>6} transitions  {n / secs:>8.0f}/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agreements", type=int, default=60, help="full lives (25 transitions)")
    ap.add_argument("--clients", default="1,8", help="client counts to run, comma-separated")
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    args = ap.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    print(
        f"{args.agreements} agreements x 25 transitions (M1 -> T7 with a change), "
        "one transaction each; the department heads' answers count in the wall time"
    )
    with tempfile.TemporaryDirectory() as tmp:
        # a fresh database file for each run
        for i, _ in enumerate([] if args.no_sqlite else clients):
            measure("SQLite", f"sqlite:///{tmp}/bench{i}.db", args.agreements, clients[i : i + 1])
    if not args.no_pg:
        schema = "slm_bench"
        for n in clients:
            measure("PostgreSQL", fresh_schema(args.pg, schema), args.agreements, [n])
        drop_schema(args.pg, schema)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
