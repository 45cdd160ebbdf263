"""M11's service report from measured figures: the step keeps the period's attainment, the
report prints it (en and zh-CN) with the trend, the modal opens prefilled with what was
measured, and in Slack the report arrives in the thread with its PNG chart."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.documents.chart import trend_png
from bot.flows.incidents import IncidentForm
from bot.flows.roles import Role
from bot.slack_standin.testing import running_standin
from store.db import Database
from store.doc_files import slack_uploads
from store.doc_queries import document_text, list_documents
from store.incidents import record_incident
from store.lifecycle import perform
from store.measure_prefill import review_defaults
from store.models import StepRecord
from tests.dbs import sqlite_db
from tests.slack_support import CHANNEL, SlackClient, serve_app
from tests.support import PEOPLE, USERS, Clock, drive, forms, setup_world

TZ = "Asia/Shanghai"
NOW = datetime(2026, 6, 2, 4, tzinfo=UTC)


def _incident(db: Database, aid: str, opened: datetime, minutes: int, ack: int = 10) -> None:
    form = IncidentForm.model_validate(
        {
            "priority": "P1",
            "impact": "down",
            "opened_at": opened.isoformat(),
            "acknowledged_at": (opened + timedelta(minutes=ack)).isoformat(),
            "resolved_at": (opened + timedelta(minutes=minutes)).isoformat(),
            "summary": "Cluster failover",
        }
    )
    record_incident(db, agreement_id=aid, form=form, actor="U_SLM", now=NOW)


def _m11(db: Database, aid: str, *, typed: str = "100") -> None:
    data = forms()["M11"] | {
        "period_start": "2026-05-01",
        "period_end": "2026-05-31",
        "availability_pct": typed,
    }
    perform(db, aid, "M11", data, actor=USERS[Role.SLM], now=NOW)


def test_m11_keeps_the_measured_figures(world: Database) -> None:
    aid = drive(world, "M11", Clock()).agreement_id
    # Wednesday 13 May 2026, 10:00 in Shanghai: 45 minutes down inside the 7x12 hours
    _incident(world, aid, datetime(2026, 5, 13, 2, tzinfo=UTC), 45, ack=40)
    _incident(world, aid, datetime(2026, 4, 8, 2, tzinfo=UTC), 5)
    with world.read() as s:
        pre = review_defaults(s, aid, now=NOW, tz=TZ, country="CN", locale="en")
    assert pre["period_start"] == "2026-04-01" and pre["period_end"] == "2026-06-01"
    assert any("Response time of incident" in line for line in pre["nonconformities"])
    _m11(world, aid)
    with world.read() as s:
        rec = s.execute(
            select(StepRecord).where(
                col(StepRecord.agreement_id) == aid, col(StepRecord.action) == "M11"
            )
        ).scalar_one()
    m = rec.data["measured"]
    # May 2026 on 7x12: 31 days less the Labour Day holidays (1, 2, 4 and 5 May; Sunday 3
    # May is not one) = 27 x 12 h = 324 h = 19,440 min
    assert m["availability"]["service_hours"] == 324.0
    assert m["availability"]["downtime_min"] == 45
    assert m["availability"]["achieved"] == "99.768"  # 1 - 45/19440 = 99.76851 %, rounded down
    assert not m["availability"]["met"]
    assert [p["period"] for p in m["trend"]] == ["2026-04", "2026-05"]
    kinds = sorted(n["kind"] for n in m["nonconformities"])
    assert kinds == ["availability", "response"]  # 40 > 30 min to respond
    report = next(d for d in list_documents(world, aid) if d.kind.value == "service_report")
    en = document_text(world, report, "en").body
    assert "Measured figures" in en and "| 2026-05 | 99.768 %" in en
    assert "the reviewer reported 100 %" in en
    zh = document_text(world, report, "zh-CN").body
    assert "测量数据" in zh and "响应时间（事件 #" in zh and "min" not in zh


def test_chart_png_in_both_languages() -> None:
    trend = [
        {"period": "2026-04", "achieved": "99.950", "target": "99.9"},
        {"period": "2026-05", "achieved": "99.759", "target": "99.9"},
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from the font warns
        png = trend_png(trend, title="SLA-2026-0001：各月可用性", target_label="目标")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


@pytest.fixture
def slack(tmp_path: Any) -> Any:
    with running_standin() as standin, sqlite_db(tmp_path) as db:
        for user in PEOPLE:
            standin.state.add_user(user, user.lower())
        setup_world(db)
        with serve_app(db, standin) as app:
            client = SlackClient(app, standin)
            yield client
            client.close()


def test_report_and_chart_in_the_thread(slack: SlackClient) -> None:
    db = slack.app.db
    aid = drive(db, "M11", Clock()).agreement_id
    _incident(db, aid, datetime(2026, 5, 13, 2, tzinfo=UTC), 45)
    slack.dispatch()  # the card and its thread
    _m11(db, aid)
    for _ in range(3):
        slack.dispatch()
    files = [
        f for m in slack.standin.state.messages(CHANNEL, replies=True) for f in m.get("files", [])
    ]
    names = [f["name"] for f in files]
    assert any(n.endswith(".trend.png") for n in names), names
    png = next(f for f in files if f["name"].endswith(".trend.png"))
    assert png["mimetype"] == "image/png"
    ids = [d.id for d in list_documents(db, aid) if d.kind.value == "service_report"]
    assert str(slack_uploads(db, ids, "en")[-1]["filename"]).endswith(".trend.png")
