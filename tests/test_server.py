"""`slm-bot serve`'s process: the web app runs the sweeps and the dispatcher in its lifespan
(the embedded default), and `--no-scheduler` runs neither."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.server import build
from bot.settings import Settings
from bot.slack_standin.testing import running_standin
from store.demo import PERSONAS, seed_demo
from store.models import Reminder, table_of
from tests.dbs import sqlite_db


def test_serve_runs_sweeps_and_dispatcher(tmp_path: Path) -> None:
    with running_standin() as standin, sqlite_db(tmp_path) as db:
        for p in PERSONAS:
            standin.state.add_user(p.user_id, p.name)
        seed_demo(db, now=datetime.now(UTC))  # one agreement ends within 30 days
        settings = Settings(
            DATABASE_URL=db.url,
            SLACK_BOT_TOKEN=standin.state.token,
            SLACK_SIGNING_SECRET="s" * 32,
            SLACK_API_URL=standin.base_url,
            SLM_AGREEMENTS_CHANNEL="C0AGREEMENTS",
            SLM_CHANNEL_INTERVAL=0,
        )
        rem = table_of(Reminder)

        def reminders() -> int:
            with db.read_conn() as conn:
                return int(conn.execute(select(func.count()).select_from(rem)).scalar_one())

        async def run(scheduler: bool) -> int:
            web, _, dispatcher = build(settings, scheduler=scheduler, db=db)
            assert (dispatcher is not None) == scheduler
            async with web.router.lifespan_context(web):
                for _ in range(400 if scheduler else 10):  # up to 20 s on a loaded machine
                    if any("⏰" in str(m.get("text")) for m in standin.state.dms("U0SALES01")):
                        break
                    await asyncio.sleep(0.05)
            return reminders()

        assert asyncio.run(run(scheduler=False)) == 0
        assert asyncio.run(run(scheduler=True)) > 0
        assert standin.state.messages("C0AGREEMENTS"), "the dispatcher posted the cards"
        expiry = [m for m in standin.state.dms("U0SALES01") if "⏰" in str(m.get("text"))]
        assert expiry, "sales got the expiry reminder"
        import json

        cards = json.dumps(standin.state.messages("C0AGREEMENTS"))
        assert "*Due*" in cards, "cards of agreements with open tasks show the due date"
