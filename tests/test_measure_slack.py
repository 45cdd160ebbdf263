"""M11's measurement through Slack (signed requests, the stand-in), in both languages:
`/sla incident` opens the modal, its pickers are read in the service's time zone, bad input is
a field error in the reader's words and saves nothing; `/sla attainment` shows the figures
computed from the incidents and Explain says how."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.flows.roles import Role
from store.incidents import list_incidents
from tests.slack_support import SlackClient, buttons, fill, slack_world, wait_for, zh
from tests.support import USERS, Clock, drive

SLM, SALES, OPS = USERS[Role.SLM], USERS[Role.SALES], USERS[Role.OPS_LEAD]


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def slack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SlackClient]:
    with slack_world(tmp_path_factory.mktemp("m"), request.param) as client:
        yield client


def _live(slack: SlackClient) -> str:
    return drive(slack.app.db, "M11", Clock(datetime.now(UTC) - timedelta(days=90))).agreement_id


def _modal(slack: SlackClient, user: str, aid: str) -> dict[str, Any]:
    r = slack.command(user, f"incident {aid}")
    assert r.status_code == 200
    views = wait_for(
        lambda: [v for v in slack.standin.state.open_views(user) if aid in str(v)],
        what="incident modal",
    )
    return dict(views[-1])


def _errors(r: Any) -> dict[str, str]:
    body = r.json() if r.content else {}
    return dict(body.get("errors") or {})


def test_record_an_incident_from_the_modal(slack: SlackClient) -> None:
    aid = _live(slack)
    view = _modal(slack, SLM, aid)
    day = (datetime.now(UTC) - timedelta(days=1)).astimezone().date().isoformat()
    data = {
        "inc-priority": "P1",
        "inc-impact": "down",
        "inc-opened_at-date": day,
        "inc-opened_at-time": "10:00",
        "inc-resolved_at-date": day,
        "inc-resolved_at-time": "09:00",  # before it opened
        "inc-summary": "Payment gateway <!channel> down",
    }
    r = slack.submit(SLM, view, fill(view, data))
    errs = _errors(r)
    assert set(errs) == {"inc-resolved_at-date"}
    assert ("不能早于" if zh(slack) else "on or after") in errs["inc-resolved_at-date"]
    # a date without its time is named, nothing saved
    r = slack.submit(SLM, view, fill(view, data | {"inc-resolved_at-time": None}))
    assert set(_errors(r)) == {"inc-resolved_at-time"}
    assert list_incidents(slack.app.db, aid) == []
    r = slack.submit(SLM, view, fill(view, data | {"inc-resolved_at-time": "11:30"}))
    assert r.status_code == 200 and not _errors(r)
    (inc,) = list_incidents(slack.app.db, aid)
    # 10:00 in the service's zone (Asia/Shanghai) is 02:00 UTC
    assert inc.opened_at.astimezone(UTC).hour == 2
    assert inc.resolved_at is not None and inc.resolved_at - inc.opened_at == timedelta(minutes=90)
    saved = wait_for(
        lambda: (
            [m for m in slack.standin.state.dms(SLM) if f"#{inc.id}" in str(m.get("text"))]
            + [e for e in slack.standin.state.ephemerals(user=SLM) if f"#{inc.id}" in str(e)]
        ),
        what="confirmation",
    )
    assert "&lt;!channel&gt;" in str(saved[-1]) or "<!channel>" not in str(saved[-1])


def test_who_may_record(slack: SlackClient) -> None:
    aid = _live(slack)
    r = slack.command(SALES, f"incident {aid}")
    text = str(r.json().get("text"))
    assert ("服务级别经理" if zh(slack) else "service level manager") in text
    early = drive(slack.app.db, "M3", Clock()).agreement_id
    r = slack.command(SLM, f"incident {early}")
    assert ("尚未开始度量" if zh(slack) else "not measured yet") in str(r.json().get("text"))
    _modal(slack, OPS, aid)  # the owner may


def test_attainment_and_explain(slack: SlackClient) -> None:
    aid = _live(slack)
    view = _modal(slack, SLM, aid)
    day = date(2026, 11, 18)  # a Wednesday, no holiday: 10:00-11:00 is all service time
    month = day.strftime("%Y-%m")
    data = {
        "inc-priority": "P1",
        "inc-impact": "down",
        "inc-opened_at-date": day.isoformat(),
        "inc-opened_at-time": "10:00",
        "inc-acknowledged_at-date": day.isoformat(),
        "inc-acknowledged_at-time": "10:45",
        "inc-resolved_at-date": day.isoformat(),
        "inc-resolved_at-time": "11:00",
        "inc-summary": "Disk array failed",
    }
    slack.submit(SLM, view, fill(view, data))
    r = slack.command(SALES, f"attainment {aid} {month}")
    body = r.json()
    text = str(body.get("text"))
    assert ("可用性" if zh(slack) else "Availability") in text
    assert ("中断 60 分钟" if zh(slack) else "Downtime 60 min") in text
    assert " UTC+8" in json.dumps(body["blocks"]), "the message says its times' zone once"
    (explain,) = [b for b in buttons({"blocks": body["blocks"]}) if b["action_id"] == "sla-explain"]
    slack.click(SALES, explain)
    words = "如何计算" if zh(slack) else "How"
    got = wait_for(
        lambda: [e for e in slack.standin.state.ephemerals(user=SALES) if words in str(e)],
        what="explanation",
    )
    assert "SLA v1" in str(got[-1]) or "服务级别协议 v1" in str(got[-1])
    bad = slack.command(SALES, f"attainment {aid} April")
    assert "YYYY-MM" in str(bad.json().get("text"))


def test_app_home_shows_the_month(slack: SlackClient) -> None:
    import json as _json
    import uuid

    aid = _live(slack)
    view = _modal(slack, SLM, aid)
    # an outage that started an hour ago and is still open (this month, counted until now)
    opened = (datetime.now(UTC) - timedelta(hours=1)).astimezone(ZoneInfo("Asia/Shanghai"))
    data = {
        "inc-priority": "P2",
        "inc-impact": "down",
        "inc-opened_at-date": opened.date().isoformat(),
        "inc-opened_at-time": opened.strftime("%H:%M"),
        "inc-summary": "Database unreachable",
    }
    assert not _errors(slack.submit(SLM, view, fill(view, data)))
    event = {"type": "app_home_opened", "user": OPS, "tab": "home", "channel": "D0HOME"}
    slack.event(event, event_id=f"Ev{uuid.uuid4().hex[:10]}")
    home = wait_for(
        lambda: (h := slack.standin.state.home(OPS)) and aid in _json.dumps(h) and h,
        what="App Home with the agreement's figures",
    )
    words = _json.dumps(home, ensure_ascii=False)
    assert ("本月服务级别" if zh(slack) else "Service levels this month") in words
    assert ("1 个未解决" if zh(slack) else "1 open") in words


def test_correct_an_incident(slack: SlackClient) -> None:
    aid = _live(slack)
    view = _modal(slack, SLM, aid)
    day = date(2026, 11, 18).isoformat()
    data = {
        "inc-priority": "P1",
        "inc-impact": "down",
        "inc-opened_at-date": day,
        "inc-opened_at-time": "10:00",
        "inc-summary": "Load balancer down",
    }
    slack.submit(SLM, view, fill(view, data))
    body = slack.command(OPS, f"attainment {aid} 2026-11").json()
    (edit,) = [
        b for b in buttons({"blocks": body["blocks"]}) if b["action_id"] == "sla-incident-edit"
    ]
    slack.standin.state.close_views(OPS)
    slack.click(OPS, edit)
    views = wait_for(lambda: slack.standin.state.open_views(OPS), what="correction modal")
    modal = dict(views[-1])
    shown = {b["block_id"]: b["element"] for b in modal["blocks"] if b.get("type") == "input"}
    assert shown["inc-priority"]["initial_option"]["value"] == "P1"
    assert shown["inc-summary"]["initial_value"] == "Load balancer down"
    r = slack.submit(
        OPS,
        modal,
        fill(modal, data | {"inc-resolved_at-date": day, "inc-resolved_at-time": "10:20"}),
    )
    assert not _errors(r)
    (inc,) = list_incidents(slack.app.db, aid)
    assert inc.resolved_at is not None and inc.resolved_at - inc.opened_at == timedelta(minutes=20)
    # sales may read the figures but not correct them
    slack.click(SALES, edit)
    wait_for(
        lambda: any(
            ("服务级别经理" if zh(slack) else "service level manager") in str(e)
            for e in slack.standin.state.ephemerals(user=SALES)
        ),
        what="refusal",
    )


def test_the_card_shows_the_month(slack: SlackClient) -> None:
    import json as _json

    aid = _live(slack)
    slack.dispatch()
    view = _modal(slack, SLM, aid)
    opened = (datetime.now(UTC) - timedelta(minutes=30)).astimezone(ZoneInfo("Asia/Shanghai"))
    data = {
        "inc-priority": "P3",
        "inc-impact": "degraded",
        "inc-opened_at-date": opened.date().isoformat(),
        "inc-opened_at-time": opened.strftime("%H:%M"),
        "inc-summary": "Slow search",
    }
    assert not _errors(slack.submit(SLM, view, fill(view, data)))
    slack.dispatch()
    cards = [
        m
        for m in slack.standin.state.messages("C0AGREEMENTS")
        if aid in _json.dumps(m.get("blocks", []))
    ]
    words = _json.dumps(cards[-1], ensure_ascii=False)
    assert ("1 个事件未解决" if zh(slack) else "1 incident(s) open") in words


def test_a_pause_stops_the_clocks(slack: SlackClient) -> None:
    aid = _live(slack)
    view = _modal(slack, SLM, aid)
    day = date(2026, 11, 18).isoformat()
    data = {
        "inc-priority": "P1",
        "inc-impact": "none",
        "inc-opened_at-date": day,
        "inc-opened_at-time": "10:00",
        "inc-resolved_at-date": day,
        "inc-resolved_at-time": "15:00",
        "inc-pause_from-date": day,
        "inc-pause_from-time": "11:00",
        "inc-pause_to-date": day,
        "inc-pause_to-time": "13:00",
        "inc-pause_reason": "Logs from the customer",
        "inc-summary": "Reports fail",
    }
    bad = slack.submit(SLM, view, fill(view, data | {"inc-pause_to-time": "16:00"}))
    assert set(_errors(bad)) == {"inc-pause_from-date"}  # the pause ends after the resolution
    assert not _errors(slack.submit(SLM, view, fill(view, data)))
    (inc,) = list_incidents(slack.app.db, aid)
    assert [p.reason for p in inc.pauses] == ["Logs from the customer"]
    body = slack.command(SLM, f"attainment {aid} 2026-11").json()
    # 5 h open, 2 h waiting for the customer: 180 of the 240 P1 resolution minutes
    assert ("解决用时 180 / 240 分钟" if zh(slack) else "resolution 180 of 240 min") in str(body)
