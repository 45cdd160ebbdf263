"""Breach warnings from two sweeping processes at once (`slm-bot sweep --now`, as two workers
would), on PostgreSQL and SQLite, then a third one (a restart): each threshold recorded once
and one DM and one thread reply queued for it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.flows.incidents import IncidentForm
from store.db import Database
from store.incidents import record_incident
from store.models import OutboxMessage, Reminder, table_of
from tests.support import Clock, drive

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 4, 15, 7, tzinfo=UTC)  # 15:00 in Shanghai, inside the 7x12 hours


def _sweep(db: Database, when: datetime) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": db.url,
        "SLM_TIMEZONE": "Asia/Shanghai",
        "SLACK_BOT_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
    }
    cmd = [sys.executable, "-m", "bot.cli", "sweep", "--now", when.isoformat()]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_processes_and_a_restart_warn_once(world: Database) -> None:
    aid = drive(world, "M11", Clock()).agreement_id
    form = IncidentForm.model_validate(
        {
            "priority": "P1",
            "impact": "none",
            "opened_at": (NOW - timedelta(minutes=250)).isoformat(),
            "summary": "Batch jobs stuck",
        }
    )
    record_incident(world, agreement_id=aid, form=form, actor="U_SLM", now=NOW)
    procs = [_sweep(world, NOW), _sweep(world, NOW)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    restart = _sweep(world, NOW + timedelta(minutes=5))
    _, err = restart.communicate(timeout=120)
    assert restart.returncode == 0, err.decode()
    r, o = table_of(Reminder), table_of(OutboxMessage)
    with world.read_conn() as conn:
        kept = conn.execute(
            select(r.c.key).where(r.c.agreement_id == aid, r.c.kind == "breach")
        ).all()
        queued = [
            kind
            for kind, payload in conn.execute(
                select(o.c.kind, o.c.payload).where(o.c.agreement_id == aid)
            )
            if payload.get("kind") == "breach"
        ]
    # 250 of 240 resolution minutes: the 100 % warning, once, to the owner and the thread
    assert [k for (k,) in kept] == [f"breach:{aid}:incident:{_incident_id(world, aid)}:100:U_OPS"]
    assert sorted(queued) == ["dm", "thread"]


def _incident_id(db: Database, aid: str) -> int:
    from store.incidents import list_incidents

    (inc,) = list_incidents(db, aid)
    return inc.id
