"""Use-case transitions per second on SQLite and PostgreSQL.

Each transition is a full use case: one transaction with the agreement update (optimistic
lock), step record, documents, side rows, the audit event and the outbox rows.

    python benchmarks/bench_transitions.py [--agreements 60] [--pg URL] [--no-pg]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text

from bot.flows.roles import Role
from bot.flows.samples import sample_forms
from store.catalogue import save_entry
from store.db import Database
from store.lifecycle import perform, submit_request
from store.migrate import upgrade
from store.roles import CONFIG_ACTOR, grant_role

PATH = (
    "M2",
    "M3",
    "M4",
    "M5",
    "M6",
    "M7",
    "M8",
    "M9",
    "M9.review",
    "M10",
    "M11",
    "M12",
    "M13",
    "C1",
    "C2",
    "C3",
    "C4",
    "T1",
    "T2",
    "T3",
    "T4",
    "T5",
    "T6",
    "T7",
)
ACTOR = {
    "M2": "U_SLM",
    "M3": "U_SLM",
    "M4": "U_SALES",
    "M5": "U_SALES",
    "M6": "U_SUP",
    "M7": "U_CON",
    "M8": "U_SLM",
    "M9": "U_OPS",
    "M9.review": "U_SLM",
    "M10": "U_OPS",
    "M11": "U_SLM",
    "M12": "U_SLM",
    "M13": "U_SLM",
    "C1": "U_SLM",
    "C2": "U_SLM",
    "C3": "U_SLM",
    "C4": "U_SUP",
    "T1": "U_SALES",
    "T2": "U_SALES",
    "T3": "U_SLM",
    "T4": "U_SLM",
    "T5": "U_SUP",
    "T6": "U_SLM",
    "T7": "U_SLM",
}


def prepare(db: Database) -> None:
    upgrade(db)
    now = datetime(2026, 1, 5, tzinfo=UTC)
    for user, role in (
        ("U_SALES", Role.SALES),
        ("U_SLM", Role.SLM),
        ("U_OPS", Role.OPS_LEAD),
        ("U_SUP", Role.SUPPLIER_MANAGER),
        ("U_CON", Role.CONTRACTS),
    ):
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


def run(db: Database, agreements: int) -> tuple[int, float, list[float]]:
    forms = sample_forms(date(2026, 4, 1))
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
            s = time.perf_counter()
            perform(db, out.agreement_id, action, forms[action], actor=ACTOR[action], now=now)
            lat.append(time.perf_counter() - s)
            n += 1
    return n, time.perf_counter() - t0, lat


def report(name: str, n: int, secs: float, lat: list[float]) -> None:
    lat.sort()
    p50 = statistics.median(lat) * 1000
    p99 = lat[int(len(lat) * 0.99) - 1] * 1000
    print(
        f"{name:<12} {n:>6} transitions  {n / secs:>8.0f}/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agreements", type=int, default=60, help="full lives (25 transitions)")
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    print(
        f"{args.agreements} agreements x 25 transitions (M1 -> T7 with a change), "
        "one transaction each"
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.db")
        prepare(db)
        report("SQLite", *run(db, args.agreements))
        db.dispose()
    if not args.no_pg:
        schema = "slm_bench"
        admin = create_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
        db = Database(f"{args.pg}?options=-csearch_path%3D{schema}")
        prepare(db)
        report("PostgreSQL", *run(db, args.agreements))
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
