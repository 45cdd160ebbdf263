"""The JSON API and the Alertmanager webhook over real HTTP (the process that serves Slack),
on SQLite and PostgreSQL: tokens, idempotent alerts, 400 for every malformed body with
nothing changed, figures equal to the store's, and no 500 for any input hypothesis finds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.api import create_api
from bot.settings import Settings
from bot.slack_standin.testing import running_standin
from store.attainment import attainment, period_of
from store.db import Database
from store.incidents import list_incidents
from tests.slack_support import AppServer, serve_app
from tests.support import Clock, drive

API = "api-token-0123456789"
HOOK = "hook-token-0123456789"


@pytest.fixture(scope="module")
def app(world: Database) -> Iterator[AppServer]:
    with (
        running_standin() as standin,
        serve_app(world, standin, SLM_API_TOKEN=API, SLM_WEBHOOK_TOKEN=HOOK) as server,
    ):
        yield server


@pytest.fixture
def http(app: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app.url, timeout=10) as client:
        yield client


def _agreement(db: Database) -> str:
    # opened a month ago, so that incidents of the last days are in the past
    return drive(db, "M11", Clock(datetime.now(UTC) - timedelta(days=60))).agreement_id


def _payload(aid: str, status: str, *, fp: str = "fp1", ends: str | None = None) -> dict[str, Any]:
    start = (datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0)
    return {
        "version": "4",
        "groupKey": "{}:{}",
        "status": status,
        "receiver": "slm-bot",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": [
            {
                "status": status,
                "labels": {"sla": aid, "alertname": "ApiDown", "priority": "P2"},
                "annotations": {"summary": "API gateway down"},
                "startsAt": start.isoformat(),
                "endsAt": ends or "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus/graph",
                "fingerprint": fp,
            }
        ],
    }


def _hook(http: httpx.Client, body: Any, *, token: str = HOOK) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http.post(
        "/webhooks/alertmanager",
        content=raw,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


def test_tokens(http: httpx.Client, world: Database) -> None:
    aid = _agreement(world)
    assert http.post("/webhooks/alertmanager", json=_payload(aid, "firing")).status_code == 401
    assert _hook(http, _payload(aid, "firing"), token=API).status_code == 401
    assert http.get(f"/api/agreements/{aid}/incidents").status_code == 401
    bad = {"Authorization": f"Bearer {HOOK}"}
    assert http.get(f"/api/agreements/{aid}/incidents", headers=bad).status_code == 401
    assert list_incidents(world, aid) == []


def test_endpoint_without_token_is_off(world: Database) -> None:
    api = create_api(Settings(DATABASE_URL=world.url), world)

    async def call() -> int:
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.post(
                "/webhooks/alertmanager", json={}, headers={"Authorization": "Bearer "}
            )
            return r.status_code

    import asyncio

    assert asyncio.run(call()) == 503


def test_alerts_in_over_http(http: httpx.Client, world: Database) -> None:
    aid = _agreement(world)
    first = _hook(http, _payload(aid, "firing"))
    assert first.status_code == 200, first.text
    assert first.json()["opened"] == 1
    assert _hook(http, _payload(aid, "firing")).json()["unchanged"] == 1
    ends = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0).isoformat()
    assert _hook(http, _payload(aid, "resolved", ends=ends)).json()["closed"] == 1
    assert _hook(http, _payload(aid, "resolved", ends=ends)).json()["unchanged"] == 1
    (inc,) = list_incidents(world, aid)
    assert inc.resolved_at is not None and inc.source == "alertmanager"
    other = _hook(http, _payload("SLA-1999-0001", "firing", fp="zz")).json()
    assert other["ignored"] == [{"agreement": "SLA-1999-0001", "reason": "no_agreement"}]


MALFORMED: list[Any] = [
    b"not json",
    b"\xff\xfe",
    [],
    {},
    {"version": "3", "status": "firing", "alerts": []},
    {"version": "4", "status": "firing", "alerts": None},
    {"version": "4", "status": "bogus", "alerts": []},
    {"version": "4", "status": "firing", "alerts": [{"status": "firing"}]},
    {"version": "4", "status": "firing", "alerts": [{"status": "firing", "labels": []}]},
    b"[" * 100_000 + b"]" * 100_000,
]


@pytest.mark.parametrize("body", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_alerts_get_400(http: httpx.Client, world: Database, body: Any) -> None:
    aid = _agreement(world)
    r = _hook(http, body)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_payload"
    assert list_incidents(world, aid) == []


def test_incidents_and_attainment_api(http: httpx.Client, world: Database) -> None:
    aid = _agreement(world)
    auth = {"Authorization": f"Bearer {API}"}
    opened = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
    body = {
        "priority": "P1",
        "impact": "down",
        "opened_at": opened.isoformat(),
        "resolved_at": (opened + timedelta(minutes=90)).isoformat(),
        "summary": "Storage array failed over",
    }
    r = http.post(f"/api/agreements/{aid}/incidents", json=body, headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["created_by"] == "system:api"
    bad = http.post(
        f"/api/agreements/{aid}/incidents", json=body | {"opened_at": "yesterday"}, headers=auth
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
    future = http.post(
        f"/api/agreements/{aid}/incidents",
        json=body | {"opened_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
        headers=auth | {},
    )
    assert future.status_code == 400, future.text
    listed = http.get(f"/api/agreements/{aid}/incidents", headers=auth).json()
    assert [i["summary"] for i in listed] == ["Storage array failed over"]
    day = opened.astimezone(ZoneInfo("Asia/Shanghai")).date()
    got = http.get(
        f"/api/agreements/{aid}/attainment",
        params={"from": (day - timedelta(days=3)).isoformat(), "to": day.isoformat()},
        headers=auth,
    )
    assert got.status_code == 200, got.text
    start, end = period_of(day - timedelta(days=3), day, "Asia/Shanghai")
    ref = attainment(world, aid, start=start, end=end, now=datetime.now(UTC), tz="Asia/Shanghai")
    # The API gives minutes to three decimals (a thousandth of a minute is 0.06 s).
    minutes = ref.availability.downtime.total_seconds() / 60
    assert got.json()["downtime_min"] == pytest.approx(minutes, abs=0.0005)
    assert got.json()["availability_achieved_pct"] == str(ref.availability.achieved_pct)
    assert http.get("/api/agreements/SLA-1999-0001/incidents", headers=auth).status_code == 404
    early = drive(world, "M3", Clock()).agreement_id
    r = http.post(f"/api/agreements/{early}/incidents", json=body, headers=auth)
    assert r.status_code == 409 and r.json()["error"] == "not_measured"


def test_openapi_document(http: httpx.Client) -> None:
    doc = http.get("/openapi.json").json()
    assert {
        "/webhooks/alertmanager",
        "/api/agreements/{agreement_id}/incidents",
        "/api/agreements/{agreement_id}/attainment",
    } <= set(doc["paths"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)
incident_like = st.fixed_dictionaries(
    {},
    optional={
        "priority": st.sampled_from(["P1", "P4", "P9", "", 1]) | json_values,
        "impact": st.sampled_from(["down", "degraded", "none", "up"]) | json_values,
        "opened_at": st.sampled_from(["2026-01-01T00:00:00Z", "9999-12-31T00:00:00+00:00"])
        | json_values,
        "resolved_at": json_values,
        "summary": st.text(max_size=600) | json_values,
        "pauses": json_values,
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=incident_like | json_values)
def test_no_input_gives_500(http: httpx.Client, world: Database, body: Any) -> None:
    auth = {"Authorization": f"Bearer {API}"}
    raw = json.dumps(body).encode()  # NaN and Infinity too, as Python writes them
    r = http.post(
        "/api/agreements/SLA-2026-0001/incidents",
        content=raw,
        headers=auth | {"Content-Type": "application/json"},
    )
    assert r.status_code < 500, r.text
    r = _hook(http, body)
    assert r.status_code < 500, r.text
