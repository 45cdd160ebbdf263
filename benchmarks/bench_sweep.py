"""The due-reminder query and a full sweep over many agreements, on SQLite and PostgreSQL.

Seeds N agreements (default 1,000,000) whose end dates are spread so that about 5,000 end
within the next month (each then has an expiry reminder due), then measures:
* the due-reminder query (live agreements ending within the horizon; index
  `agreement(status, end_date)`), median of 20 runs;
* a full sweep (deemed confirmations, expiry, reviews, stale tasks, then recording and
  delivering every reminder into the outbox);
* the same sweep again (everything already recorded: nothing new, nothing doubled).

    python benchmarks/bench_sweep.py [--agreements 1000000] [--due 5000] [--no-pg]
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

from sqlalchemy import insert, text

from benchmarks.pg_schema import drop_schema, fresh_schema
from bot.flows.roles import Role
from bot.scheduler.sweeps import SweepConfig, Sweeper
from store.db import Database
from store.migrate import upgrade
from store.models import Agreement, Customer, table_of
from store.reminders import expiring
from store.roles import CONFIG_ACTOR, grant_role

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
TODAY = date(2026, 12, 1)


def seed(db: Database, n: int, due: int) -> None:
    upgrade(db)
    grant_role(db, "U0SLM", Role.SLM, by=CONFIG_ACTOR, now=NOW)
    per_day = max(1, due // 31)
    days = max(32, n // per_day)
    ag, cu = table_of(Agreement), table_of(Customer)
    with db.write() as s:
        conn = s.connection()
        conn.execute(insert(cu), [{"id": 1, "name": "Bench", "contact": "", "created_at": NOW}])
    chunk = 20_000
    for start in range(0, n, chunk):
        rows = []
        for i in range(start, min(n, start + chunk)):
            end = TODAY - timedelta(days=days // 2) + timedelta(days=i % days)
            status = "active" if i % 10 < 8 else ("archived" if i % 10 == 8 else "onboarding")
            rows.append(
                {
                    "id": f"SLA-B-{i:07d}",
                    "customer_id": 1,
                    "title": "bench",
                    "status": status,
                    "pending": [],
                    "flags": {},
                    "sla_version": 1,
                    "tier": 1 + i % 3,
                    "start_date": end - timedelta(days=365),
                    "end_date": end,
                    "review_cadence": "quarterly",
                    "sales_user": f"U0S{i % 50:03d}",
                    "owner": None,
                    "created_at": NOW,
                    "updated_at": NOW,
                    "lock_version": 1,
                    "card_channel": None,
                    "card_ts": None,
                    "next_review_on": TODAY + timedelta(days=1 + i % 90),
                    "next_sla_review_on": TODAY + timedelta(days=1 + i % 365),
                }
            )
        with db.write() as s:
            s.connection().execute(insert(ag), rows)
    if db.dialect == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE agreement"))
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def measure(name: str, db: Database, n: int, due: int) -> None:
    t0 = time.perf_counter()
    seed(db, n, due)
    seeded = time.perf_counter() - t0
    horizon = TODAY + timedelta(days=31)
    times = []
    for _ in range(20):
        t = time.perf_counter()
        rows = expiring(db, TODAY, horizon)
        times.append(time.perf_counter() - t)
    q = statistics.median(times) * 1000
    sweeper = Sweeper(db, SweepConfig())
    sweeper.calendar()  # build the holiday calendar outside the timing
    t = time.perf_counter()
    report = sweeper.run(NOW)
    first = time.perf_counter() - t
    t = time.perf_counter()
    again = sweeper.run(NOW + timedelta(minutes=1))
    second = time.perf_counter() - t
    print(
        f"{name:<11} {n:>9,} agreements (seeded in {seeded:5.1f} s): due-reminder query "
        f"{q:6.1f} ms for {len(rows):,} rows | full sweep {first:6.2f} s "
        f"({report.recorded:,} reminders, {report.delivered.messages:,} messages) | "
        f"repeat sweep {second:5.2f} s ({again.recorded} new)"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agreements", type=int, default=1_000_000)
    ap.add_argument("--due", type=int, default=5000)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/sweep.db")
        measure("SQLite", db, args.agreements, args.due)
        db.dispose()
    if not args.no_pg:
        schema = "slm_bench_sweep"
        db = Database(fresh_schema(args.pg, schema))
        try:
            measure("PostgreSQL", db, args.agreements, args.due)
        finally:
            db.dispose()
            drop_schema(args.pg, schema)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
