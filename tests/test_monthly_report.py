"""The monthly service report (M11): in the first days of a month the sweep queues last
month's report for each agreement in service, once across sweeps and sweepers, and the
dispatcher posts it in the agreement's thread as the comment of its trend chart."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.flows.incidents import IncidentForm
from bot.scheduler.sweeps import SweepConfig, Sweeper
from bot.slack_standin.testing import running_standin
from store.incidents import record_incident
from store.models import OutboxMessage, table_of
from tests.dbs import sqlite_db
from tests.slack_support import CHANNEL, SlackClient, serve_app
from tests.support import PEOPLE, Clock, drive, setup_world

CONFIG = SweepConfig(tz="Asia/Shanghai")


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackClient]:
    with running_standin() as standin, sqlite_db(tmp_path) as db:
        for user in PEOPLE:
            standin.state.add_user(user, user.lower())
        setup_world(db)
        with serve_app(db, standin) as app:
            client = SlackClient(app, standin)
            yield client
            client.close()


def _queued(slack: SlackClient) -> int:
    o = table_of(OutboxMessage)
    with slack.app.db.read_conn() as conn:
        q = select(func.count()).where(o.c.dedupe_key.like("service_report:%"))
        return int(conn.execute(q).scalar_one())


def test_last_months_report_in_the_thread_once(slack: SlackClient) -> None:
    db = slack.app.db
    aid = drive(db, "M11", Clock()).agreement_id
    slack.dispatch()
    form = IncidentForm.model_validate(
        {
            "priority": "P1",
            "impact": "down",
            "opened_at": "2026-05-13T10:00:00+08:00",
            "resolved_at": "2026-05-13T10:45:00+08:00",
            "summary": "Cluster failover",
        }
    )
    record_incident(
        db, agreement_id=aid, form=form, actor="U_SLM", now=datetime(2026, 6, 1, tzinfo=UTC)
    )
    # 10 May is too late for April's report; 2 June (Shanghai) is in May's window
    Sweeper(db, CONFIG).run(datetime(2026, 5, 10, 2, tzinfo=UTC))
    assert _queued(slack) == 0
    june = datetime(2026, 6, 2, 1, tzinfo=UTC)
    sweepers = [threading.Thread(target=Sweeper(db, CONFIG).run, args=(june,)) for _ in "ab"]
    for th in sweepers:
        th.start()
    for th in sweepers:
        th.join()
    Sweeper(db, CONFIG).run(june + timedelta(hours=5))
    assert _queued(slack) == 1
    for _ in range(3):
        slack.dispatch()
    replies = [m for m in slack.standin.state.messages(CHANNEL, replies=True) if m.get("files")]
    (report,) = [
        m for m in replies if any(f["name"].endswith("2026-05.trend.png") for f in m["files"])
    ]
    words = str(report)
    assert "Service report 2026-05" in words
    # May 2026 on 7x12: 27 days x 12 h = 324 h; 45 min down
    assert "Availability 99.768 %" in words and "45 min of downtime in 324.0 service hours" in words
