"""Soak: mixed traffic for a bounded time against the Slack stand-in answering 5% of message
calls with 429 (Retry-After) and 1% with 500, then a check of what arrived.

The bot runs as its own process (`python -m bot.cli serve`: uvicorn, its outbox dispatcher
and its sweeps every 10 s, a SQLite file seeded with the demo data first), its Slack API the
stand-in served by this process. Traffic (signed HTTP, as in the end-to-end tests): slash
commands (`/sla list`, `/sla show`, `/sla help`), new requests through the M1 modal, clicks on
the card's M2 button and the M2 modal submitted. At the end the faults stop, the bot's
dispatcher gets up to two minutes to send the rest, the bot is stopped, and whatever it left
is sent an hour ahead (counted in `left_for_final_drain`). The report: requests and errors
(HTTP answers other than 200), the bot process's resident memory (VmRSS) at the start, each
minute and the end, this process's (stand-in + driver) the same way, outbox rows and rows
not sent (lost), posts beyond one per message (doubled), sweeps and ERROR lines in the bot's
log.

    python benchmarks/soak.py --minutes 30 [--seed 1] [--rate 4]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from benchmarks.pg_schema import drop_schema, fresh_schema  # noqa: E402
from benchmarks.soak_processes import BotClient, bot_env, bot_process  # noqa: E402
from bot.blocks.cards import action_buttons  # noqa: E402
from bot.flows.samples import sample_forms  # noqa: E402
from bot.scheduler.factory import build_dispatcher  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.slack_standin.models import Fault  # noqa: E402
from bot.slack_standin.server import StandinServer  # noqa: E402
from bot.slack_standin.testing import running_standin  # noqa: E402
from store.db import Database  # noqa: E402
from store.demo import PERSONAS, seed_demo  # noqa: E402
from store.migrate import upgrade  # noqa: E402
from store.models import Agreement, OutboxLease, OutboxMessage, table_of  # noqa: E402
from tests.slack_support import SlackClient, fill  # noqa: E402

SALES, SLM = "U0SALES01", "U0SLM0001"
MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")


@dataclass
class Report:
    minutes: float
    database: str = "sqlite"
    workers: int = 0
    requests: int = 0
    errors: int = 0
    new_requests: int = 0
    transitions: int = 0
    sweeps: int = 0
    injected_429: int = 0
    injected_500: int = 0
    rate: float = 0.0
    bot_pid: int = 0
    #: the bot process's resident memory (VmRSS), at the start, each minute and the end
    rss_start_mb: float = 0.0
    rss_per_minute_mb: list[float] = field(default_factory=list)
    rss_end_mb: float = 0.0
    #: this process's (the Slack stand-in and the traffic driver), the same way
    standin_rss_start_mb: float = 0.0
    standin_rss_per_minute_mb: list[float] = field(default_factory=list)
    standin_rss_end_mb: float = 0.0
    bot_log_errors: int = 0
    lease_takeovers: int = 0
    settled_by_bot: bool = False
    left_for_final_drain: int = 0
    outbox_rows: int = 0
    lost: int = 0
    doubled: int = 0


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _outbox(db: Database) -> tuple[int, int, int]:
    """(rows, rows not sent, non-card rows sent with a ts that went out by chat.postMessage)."""
    o = table_of(OutboxMessage)
    with db.read_conn() as conn:
        rows = conn.execute(select(o.c.status, o.c.kind, o.c.ts, o.c.payload)).all()
    unsent = sum(1 for s, *_ in rows if s != "sent")
    posted = sum(
        1
        for s, k, ts, p in rows
        if s == "sent" and k != "card" and ts and (p or {}).get("template") != "notice"
    )
    return len(rows), unsent, posted


def _wait_for_leases(db: Database, timeout: float = 60.0) -> None:
    """Until no outbox lease is live: the drain below runs an hour ahead, where every lease
    looks expired, so it must not start while a handler still sends under one."""
    lease = table_of(OutboxLease)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read_conn() as conn:
            live = conn.execute(
                select(func.count()).select_from(lease).where(lease.c.until > datetime.now(UTC))
            ).scalar_one()
        if not live:
            return
        time.sleep(0.2)


def _cards(db: Database) -> int:
    ag = table_of(Agreement)
    with db.read_conn() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(ag).where(ag.c.card_ts.is_not(None))
            ).scalar_one()
        )


class Traffic:
    def __init__(self, slack: SlackClient, db: Database, rng: random.Random, r: Report) -> None:
        self.slack, self.db, self.rng, self.r = slack, db, rng, r
        self.fresh: list[str] = []  # agreements waiting for M2
        self.n = 0
        self.ok_posts = 0  # chat.postMessage calls to a channel that Slack accepted

    @staticmethod
    def forms(customer: str) -> dict[str, dict[str, Any]]:
        return sample_forms(date.today() + timedelta(days=30), customer=customer)

    def _count(self, status: int) -> None:
        self.r.requests += 1
        self.r.errors += status != 200

    def command(self) -> None:
        ids = self.fresh or ["SLA-2026-0001"]
        text = self.rng.choice(["list all", "list open", "help", f"show {self.rng.choice(ids)}"])
        self._count(self.slack.command(self.rng.choice([SALES, SLM]), text).status_code)

    def _view_after(self, user: str, answer: int) -> dict[str, Any] | None:
        """The modal the last command or click opened for `user` (None if none opened)."""
        self._count(answer)
        views = self.slack.standin.state.open_views(user)
        return views[-1] if views else None

    def new_request(self) -> None:
        state = self.slack.standin.state
        state.close_views(SALES)
        view = self._view_after(SALES, self.slack.command(SALES, "new").status_code)
        if view is None:
            return
        self.n += 1
        resp = self.slack.submit(SALES, view, fill(view, self.forms(f"Soak {self.n}")["M1"]))
        self._count(resp.status_code)
        state.close_views(SALES)
        self.r.new_requests += 1
        ag = table_of(Agreement)
        with self.db.read_conn() as conn:
            made = conn.execute(select(ag.c.id).order_by(ag.c.created_at.desc())).first()
        if made:
            self.fresh.append(str(made[0]))

    def click_and_submit(self) -> None:
        if not self.fresh:
            return self.new_request()
        aid = self.fresh.pop(0)
        state = self.slack.standin.state
        state.close_views(SLM)
        button = action_buttons(aid, "M2", 0, "en")[0]
        answer = self.slack.click(SLM, button, message={"ts": "1.0", "text": aid}).status_code
        view = self._view_after(SLM, answer)
        if view is None:
            return None
        resp = self.slack.submit(SLM, view, fill(view, self.forms("Soak")["M2"]))
        self._count(resp.status_code)
        state.close_views(SLM)
        self.r.transitions += 1
        return None

    def forget_calls(self) -> None:
        """Count the channel posts Slack accepted, then let the stand-in forget its call log
        and the content nobody reads again (else the stand-in's record of everything would be
        this process's memory that grows)."""
        state = self.slack.standin.state
        for c in state.drain_calls():
            if c.method == "chat.postMessage" and c.ok and c.args.get("channel"):
                self.ok_posts += 1
        state.forget_content()


def _inject(standin: StandinServer, seed: int, rate_429: float, rate_500: float) -> list[Fault]:
    """429s and 500s at random on every message method."""
    state = standin.state
    return [
        state.inject(kind="rate_limit", method=m, times=None, probability=rate_429, seed=seed + i)
        for i, m in enumerate(MESSAGE_METHODS)
    ] + [
        state.inject(kind="server_error", method=m, times=None, probability=rate_500, seed=seed + 9)
        for m in MESSAGE_METHODS
    ]


def _drive(traffic: Traffic, pid: int, minutes: float, rate: float) -> None:
    """Mixed traffic until the time is up, at most `rate` actions a second; each minute the
    bot's and this process's resident memory."""
    r = traffic.r
    actions = [traffic.command] * 5 + [traffic.new_request] * 2 + [traffic.click_and_submit]
    deadline = time.monotonic() + minutes * 60
    next_minute = time.monotonic() + 60
    while time.monotonic() < deadline:
        began = time.monotonic()
        traffic.rng.choice(actions)()
        if time.monotonic() >= next_minute:
            traffic.forget_calls()
            r.rss_per_minute_mb.append(round(rss_mb(pid), 1))
            r.standin_rss_per_minute_mb.append(round(rss_mb(), 1))
            next_minute += 60
        if rate > 0:
            time.sleep(max(0.0, 1 / rate - (time.monotonic() - began)))


def _settle(db: Database, timeout: float = 120.0) -> bool:
    """Until the bot's own dispatcher has sent every outbox row (faults are off by now)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _outbox(db)[1] == 0:
            return True
        time.sleep(0.5)
    return False


def _final_drain(db: Database, env: dict[str, str]) -> None:
    """With the bot stopped: send what it left, an hour ahead (past every back-off)."""
    dispatcher = build_dispatcher(Settings(**env), db)  # type: ignore[arg-type]
    later = datetime.now(UTC) + timedelta(hours=1)
    for _ in range(200):
        asyncio.run(dispatcher.run_once(later))
        if _outbox(db)[1] == 0:
            return


def _log_counts(tmp: str) -> tuple[int, int, int]:
    """(sweeps the bot ran, lines it logged at ERROR or with a traceback, outbox leases it
    took over: a lease ran out while its sender still held it)."""
    lines = [
        line
        for path in sorted(Path(tmp).glob("*.log"))
        for line in path.read_text(errors="replace").splitlines()
    ]
    sweeps = sum(1 for x in lines if 'Job "Scheduler.sweep' in x and "executed successfully" in x)
    errors = sum(1 for x in lines if " ERROR " in x or x.startswith("Traceback"))
    return sweeps, errors, sum(1 for x in lines if "outbox leases taken over" in x)


@contextmanager
def _database(tmp: str, pg: str | None) -> Iterator[Database]:
    """The soak's database, migrated and seeded with the demo data: a SQLite file in `tmp`,
    or a fresh schema on the PostgreSQL server `pg` (dropped afterwards)."""
    schema = f"soak_{os.getpid()}"
    db = Database(fresh_schema(pg, schema) if pg else f"sqlite:///{tmp}/soak.db")
    try:
        upgrade(db)
        seed_demo(db, now=datetime.now(UTC))
        yield db
    finally:
        db.dispose()
        if pg:
            drop_schema(pg, schema)


def soak(
    minutes: float,
    seed: int = 1,
    rate_429: float = 0.05,
    rate_500: float = 0.01,
    rate: float = 4.0,
    pg: str | None = None,
    workers: int = 0,
) -> Report:
    """`rate`: at most this many traffic actions per second (a command, a new request, a
    click with its modal); 0 for as fast as the driver goes. `pg`: a PostgreSQL server (a
    schema of its own, dropped at the end) instead of a SQLite file; `workers`: that many
    `slm-bot worker` processes beside `serve --no-scheduler` (the Procfile's shape)."""
    report = Report(minutes=minutes, rate=rate, database="postgresql" if pg else "sqlite")
    report.workers = workers
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_standin() as standin,
        _database(tmp, pg) as db,
    ):
        for p in PERSONAS:
            standin.state.add_user(p.user_id, p.name)
        with bot_process(tmp, db.url, standin, workers) as (url, proc):
            report.bot_pid = proc.pid
            slack = BotClient(url, standin)
            faults = _inject(standin, seed, rate_429, rate_500)
            traffic = Traffic(slack, db, random.Random(seed), report)
            report.rss_start_mb = round(rss_mb(proc.pid), 1)
            report.standin_rss_start_mb = round(rss_mb(), 1)
            _drive(traffic, proc.pid, minutes, rate)
            report.injected_429 = sum(f.hits for f in faults if f.kind == "rate_limit")
            report.injected_500 = sum(f.hits for f in faults if f.kind == "server_error")
            standin.state.clear_faults()
            report.settled_by_bot = _settle(db)
            traffic.forget_calls()
            report.rss_end_mb = round(rss_mb(proc.pid), 1)
            report.standin_rss_end_mb = round(rss_mb(), 1)
            slack.close()
        _wait_for_leases(db)
        report.left_for_final_drain = _outbox(db)[1]
        _final_drain(db, bot_env(db.url, standin, 3000))
        traffic.forget_calls()
        report.sweeps, report.bot_log_errors, report.lease_takeovers = _log_counts(tmp)
        rows, unsent, posted = _outbox(db)
        report.outbox_rows, report.lost = rows, unsent
        report.doubled = max(0, traffic.ok_posts - posted - _cards(db))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--rate", type=float, default=4.0, help="traffic actions per second at most (0: no bound)"
    )
    parser.add_argument("--pg", help="a PostgreSQL URL (a schema of its own) instead of SQLite")
    parser.add_argument(
        "--workers", type=int, default=0, help="`slm-bot worker` processes beside the web one"
    )
    args = parser.parse_args(argv)
    report = soak(args.minutes, args.seed, rate=args.rate, pg=args.pg, workers=args.workers)
    print(json.dumps(asdict(report), indent=1))
    return 0 if report.errors == 0 and report.lost == 0 and report.doubled == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
