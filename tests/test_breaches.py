"""Breach warnings (M11): each threshold told once, as a DM to the owner and a reply in the
thread, across repeated sweeps, a restart and two concurrent sweepers on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.blocks.reminder_messages import reminder_line
from bot.flows.incidents import IncidentForm
from bot.scheduler.sweeps import SweepConfig, Sweeper
from store.db import Database
from store.incidents import record_incident
from store.models import OutboxMessage, Reminder, table_of
from tests.support import Clock, drive

# Wednesday 15 April 2026, 15:00 in Shanghai (inside the 7x12 tier's 08:00-20:00)
NOW = datetime(2026, 4, 15, 7, tzinfo=UTC)
CONFIG = SweepConfig(tz="Asia/Shanghai")


def _breaches(db: Database, aid: str) -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
    r, o = table_of(Reminder), table_of(OutboxMessage)
    with db.read_conn() as conn:
        rems = [
            dict(x)
            for x in conn.execute(
                select(r.c.key, r.c.recipient, r.c.payload).where(
                    r.c.agreement_id == aid, r.c.kind == "breach"
                )
            ).mappings()
        ]
        msgs = [
            (k, p)
            for k, p in conn.execute(
                select(o.c.kind, o.c.payload).where(o.c.agreement_id == aid)
            ).all()
            if p.get("kind") == "breach"
        ]
    return rems, msgs


def _incident(db: Database, aid: str, opened: datetime, impact: str = "none") -> int:
    form = IncidentForm.model_validate(
        {
            "priority": "P1",
            "impact": impact,
            "opened_at": opened.isoformat(),
            "summary": "Order service failing",
        }
    )
    return record_incident(db, agreement_id=aid, form=form, actor="U_SLM", now=NOW).id


def test_each_threshold_once(world: Database) -> None:
    aid = drive(world, "M11", Clock()).agreement_id
    # P1 resolution target: 240 service minutes; 210 used at NOW -> 87.5 %: the 75 % warning
    inc = _incident(world, aid, NOW - timedelta(minutes=210))
    Sweeper(world, CONFIG).run(NOW)
    rems, msgs = _breaches(world, aid)
    assert [(x["recipient"], x["payload"]["threshold"]) for x in rems] == [("U_OPS", 75)]
    assert sorted(k for k, _ in msgs) == ["dm", "thread"]
    text = reminder_line(msgs[0][1], aid, "en")
    assert f"incident #{inc}" in text and "210 of its 240" in text and "75 %" in text
    zh = reminder_line(msgs[0][1], aid, "zh-CN")
    assert "解决时限 240 分钟中的 210 分钟" in zh
    # the next sweeps and a restarted sweeper find nothing new
    Sweeper(world, CONFIG).run(NOW + timedelta(minutes=1))
    Sweeper(world, CONFIG).run(NOW + timedelta(minutes=2))
    assert len(_breaches(world, aid)[1]) == 2
    # past the target: the 100 % warning, once, even with two sweepers at the same time
    later = NOW + timedelta(minutes=40)
    threads = [threading.Thread(target=Sweeper(world, CONFIG).run, args=(later,)) for _ in "ab"]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    rems, msgs = _breaches(world, aid)
    assert sorted(x["payload"]["threshold"] for x in rems) == [75, 100]
    assert len(msgs) == 4
    assert "Target missed" in reminder_line(msgs[-1][1], aid, "en")


def test_downtime_budget_warning(world: Database) -> None:
    aid = drive(world, "M11", Clock()).agreement_id
    # April 2026 on 7x12: 30 days less Tomb-Sweeping Day and its observed Monday (5 and 6
    # April) = 28 x 12 h = 20,160 min; 99.9 % allows 20.16 min of downtime: 15 is 74 %
    _incident(world, aid, NOW - timedelta(minutes=15), impact="down")
    Sweeper(world, CONFIG).run(NOW)
    rems, _ = _breaches(world, aid)
    budget = [x["payload"] for x in rems if x["payload"]["subject"] == "budget"]
    assert [(p["threshold"], p["period"]) for p in budget] == [(50, "2026-04")]
    line = reminder_line(budget[0] | {"kind": "breach"}, aid, "en")
    assert "15 of the 20 minutes of downtime" in line
