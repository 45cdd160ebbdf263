"""The Slack surface beyond the main flow: request verification, commands, App Home, roles,
stale clicks, redelivered events, real payload samples, the manifest, both languages."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot.flows.roles import Role
from bot.slack_standin.testing import assert_no_violations, running_standin
from store.db import Database
from store.queries import get_agreement
from store.roles import CONFIG_ACTOR, grant_role
from tests.dbs import sqlite_db
from tests.slack_support import (
    CHANNEL,
    SlackClient,
    fill,
    serve_app,
    sign,
    wait_for,
)
from tests.slack_validation import validate_all
from tests.support import PEOPLE, T0, USERS, Clock, drive, forms, setup_world

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "slack"


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def slack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SlackClient]:
    with running_standin() as standin, sqlite_db(tmp_path_factory.mktemp("s")) as db:
        for user in [*PEOPLE, "U0NEW0001"]:
            standin.state.add_user(user, user.lower())
        setup_world(db)
        with serve_app(db, standin, locale=request.param) as app:
            client = SlackClient(app, standin)
            yield client
            client.close()
        assert_no_violations(standin.state)
        assert validate_all(standin.state) > 0


def db_of(slack: SlackClient) -> Database:
    return slack.app.db


def ack_body(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    return dict(resp.json()) if resp.content else {}


def test_unsigned_tampered_and_stale_requests_get_401(slack: SlackClient) -> None:
    state = slack.standin.state
    body = urllib.parse.urlencode(
        {
            "command": "/sla",
            "text": "new",
            "user_id": USERS[Role.SALES],
            "channel_id": CHANNEL,
            "trigger_id": state.new_trigger_id(USERS[Role.SALES]),
            "team_id": "T0TEST",
        }
    )
    n_calls = len(state.calls())
    form = "application/x-www-form-urlencoded"
    assert slack.post_raw(body, form, signed=False).status_code == 401
    tampered = {**sign(body), "Content-Type": form}
    r = slack.http.post("/slack/events", content=(body + "x").encode(), headers=tampered)
    assert r.status_code == 401
    stale = {**sign(body, ts=int(time.time()) - 6 * 60), "Content-Type": form}
    assert slack.http.post("/slack/events", content=body.encode(), headers=stale).status_code == 401
    wrong = {**sign(body, secret="not-the-secret"), "Content-Type": form}
    assert slack.http.post("/slack/events", content=body.encode(), headers=wrong).status_code == 401
    time.sleep(0.2)
    assert len(state.calls()) == n_calls, "a refused request reached Slack"


def test_help_and_unknown_subcommands(slack: SlackClient) -> None:
    for text in ("", "help", "frobnicate now", "list nonsense"):
        body = ack_body(slack.command(USERS[Role.SALES], text))
        assert body["response_type"] == "ephemeral"
        assert "/sla new" in json.dumps(body, ensure_ascii=False)
    body = ack_body(slack.command(USERS[Role.SALES], "show"))
    assert "SLA-2026-0001" in body["text"]


def test_list_show_and_catalog(slack: SlackClient) -> None:
    ag = drive(db_of(slack), "M4", Clock())
    body = ack_body(slack.command(USERS[Role.SLM], "list all"))
    assert ag.agreement_id in json.dumps(body)
    body = ack_body(slack.command(USERS[Role.SLM], f"show {ag.agreement_id.lower()}"))
    assert "M4" in json.dumps(body, ensure_ascii=False)
    body = ack_body(slack.command(USERS[Role.SLM], "show SLA-2099-0042"))
    assert "SLA-2099-0042" in body["text"]
    body = ack_body(slack.command(USERS[Role.SALES], "list mine"))
    assert ag.agreement_id in json.dumps(body)
    body = ack_body(slack.command(USERS[Role.SLM], "catalog"))
    text = json.dumps(body, ensure_ascii=False)
    assert "DB-OPS" in text
    assert "sla-catalog-edit" in text, "service level managers get the edit button"
    body = ack_body(slack.command(USERS[Role.SALES], "catalog"))
    assert "sla-catalog-edit" not in json.dumps(body)


def test_catalog_edit_through_the_modal(slack: SlackClient) -> None:
    state = slack.standin.state
    n = len(state.calls("views.open"))
    slack.click(USERS[Role.SLM], {"action_id": "sla-catalog-edit", "value": "edit"})
    wait_for(lambda: len(state.calls("views.open")) > n, what="catalog modal")
    view = state.open_views(USERS[Role.SLM])[-1]
    values: dict[str, dict[str, dict[str, Any]]] = {
        "cat-code": {"cat-code": {"type": "plain_text_input", "value": "net-ops"}},
        "cat-name": {"cat-name": {"type": "plain_text_input", "value": "Network operations"}},
        "cat-tier": {"cat-tier": {"type": "static_select", "selected_option": {"value": "1"}}},
        "cat-price": {"cat-price": {"type": "number_input", "value": "1000"}},
        "cat-availability_pct": {
            "cat-availability_pct": {"type": "number_input", "value": "99.95"}
        },
        "cat-targets": {"cat-targets": {"type": "plain_text_input", "value": "P1 15 240"}},
    }
    body = ack_body(slack.submit(USERS[Role.SLM], view, values))
    assert body["response_action"] == "errors"
    assert "cat-targets" in body["errors"]
    values["cat-targets"]["cat-targets"]["value"] = "P1: 15/240"
    assert ack_body(slack.submit(USERS[Role.SLM], view, values)) == {}
    state.close_views(USERS[Role.SLM])
    body = ack_body(slack.command(USERS[Role.SLM], "catalog"))
    assert "NET-OPS" in json.dumps(body)


def test_roles_modal_and_text_form(slack: SlackClient) -> None:
    db = db_of(slack)
    state = slack.standin.state
    body = ack_body(slack.command(USERS[Role.SALES], "roles"))
    assert "roles" in body["text"]  # refused: only admin
    body = ack_body(slack.command(USERS[Role.SALES], "role add <@U0NEW0001|new> sales"))
    assert "admin" in body["text"].lower() or "管理员" in body["text"]
    body = ack_body(slack.command(USERS[Role.ADMIN], "role add <@U0NEW0001|new> executive"))
    assert "<@U0NEW0001>" in body["text"]
    body = ack_body(slack.command(USERS[Role.ADMIN], "role add <@U0NEW0001> executive"))
    assert "<@U0NEW0001>" in body["text"]
    body = ack_body(slack.command(USERS[Role.ADMIN], "role remove <@U0NEW0001> executive"))
    assert "<@U0NEW0001>" in body["text"]
    body = ack_body(slack.command(USERS[Role.ADMIN], "role add bob wizard"))
    assert "/sla role" in body["text"]
    n = len(state.calls("views.open"))
    assert ack_body(slack.command(USERS[Role.ADMIN], "roles")) == {}
    wait_for(lambda: len(state.calls("views.open")) > n, what="roles modal")
    view = state.open_views(USERS[Role.ADMIN])[-1]
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] == "input":
            el = block["element"]
            users = list(el.get("initial_users", []))
            if block["block_id"].endswith("-contracts"):
                users.append("U0NEW0001")
            values[block["block_id"]] = {
                el["action_id"]: {"type": "multi_users_select", "selected_users": users}
            }
    assert ack_body(slack.submit(USERS[Role.ADMIN], view, values)) == {}
    state.close_views(USERS[Role.ADMIN])
    from store.roles import roles_of

    with db.read() as s:
        assert Role.CONTRACTS in roles_of(s, "U0NEW0001")
        assert Role.SALES in roles_of(s, USERS[Role.SALES]), "others unchanged"
    from sqlalchemy import select
    from sqlmodel import col

    from store.models import AuditEvent

    with db.read() as s:
        actions = [
            e.action
            for e in s.execute(
                select(AuditEvent).where(col(AuditEvent.actor) == USERS[Role.ADMIN])
            ).scalars()
        ]
    assert actions.count("role.grant") >= 2
    assert "role.revoke" in actions


def test_second_click_on_a_stale_card_says_who_did_it(slack: SlackClient) -> None:
    db = db_of(slack)
    ag = drive(db, "M9.review", Clock())
    from bot.blocks.cards import action_buttons

    approve = action_buttons(ag.agreement_id, "M9.review", ag.lock_version, "en")[0]
    message = {"ts": "1.0", "type": "message", "text": ag.agreement_id}
    slack.click(USERS[Role.SLM], approve, message=message)
    wait_for(lambda: get_agreement(db, ag.agreement_id).row.pending == ("M10",), what="approve")
    slack.click("U_SLM_B", approve, message=message)
    wait_for(
        lambda: any(
            "U_SLM" in str(e.get("text"))
            and ("Already done" in str(e["text"]) or "已由" in str(e["text"]))
            for e in slack.standin.state.ephemerals(user="U_SLM_B")
        ),
        what="already done",
    )


def test_modal_for_an_agreement_that_moved_on(slack: SlackClient) -> None:
    db = db_of(slack)
    state = slack.standin.state
    ag = drive(db, "M3", Clock())
    from bot.blocks.cards import action_buttons

    n = len(state.calls("views.open"))
    slack.click(USERS[Role.SLM], action_buttons(ag.agreement_id, "M3", ag.lock_version, "en")[0])
    wait_for(lambda: len(state.calls("views.open")) > n, what="modal")
    view = state.open_views(USERS[Role.SLM])[-1]
    # meanwhile a colleague does M3
    from store.lifecycle import perform

    perform(db, ag.agreement_id, "M3", forms()["M3"], actor="U_SLM_B", now=T0)
    body = ack_body(slack.submit(USERS[Role.SLM], view, fill(view, forms()["M3"])))
    assert body["response_action"] == "update"
    assert "U_SLM_B" in json.dumps(body)
    state.close_views(USERS[Role.SLM])
    assert [
        h["actor"] for h in get_agreement(db, ag.agreement_id).history if h["action"] == "M3"
    ] == ["U_SLM_B"]


def test_app_home_desk_and_redelivered_events(slack: SlackClient) -> None:
    db = db_of(slack)
    drive(db, "M2", Clock())
    event = {
        "type": "app_home_opened",
        "user": USERS[Role.SLM],
        "channel": "D0X",
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }
    n = len(slack.standin.state.calls("views.publish"))
    eid = f"Ev{time.time_ns()}"
    assert slack.event(event, event_id=eid).status_code == 200
    wait_for(lambda: len(slack.standin.state.calls("views.publish")) == n + 1, what="publish")
    for retry in (1, 2):
        r = slack.event(
            event,
            event_id=eid,
            headers={"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"},
        )
        assert r.status_code == 200
    time.sleep(0.3)
    assert len(slack.standin.state.calls("views.publish")) == n + 1, "a redelivery was redone"
    home = slack.standin.state.home(USERS[Role.SLM])
    assert home is not None
    text = json.dumps(home, ensure_ascii=False)
    assert "M2" in text
    # the messages tab is not the desk
    slack.event({**event, "tab": "messages"}, event_id=f"Ev{time.time_ns()}")
    time.sleep(0.2)
    assert len(slack.standin.state.calls("views.publish")) == n + 1


def test_healthz(slack: SlackClient) -> None:
    r = slack.http.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"ok": True, "database": "sqlite"}


def _samples() -> list[Path]:
    return sorted((SHARED / "payloads").glob("*.json")) if SHARED.exists() else []


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/slack is not beside the project")
def test_real_payload_samples_never_cause_a_server_error(slack: SlackClient) -> None:
    url = slack.standin.state.new_response_url(CHANNEL, USERS[Role.SALES])
    raw = (SHARED / "payloads" / "bolt-python__slash_command_body.txt").read_text().strip()
    fields = dict(urllib.parse.parse_qsl(raw))
    fields["response_url"] = url
    r = slack.form(fields)
    assert r.status_code < 500, r.text
    for path in _samples():
        data = json.loads(path.read_text())
        if path.name.endswith("socket_mode_envelopes.json") or "hello" in path.name:
            continue
        if "view_state" in path.name or "parsed" in path.name:
            continue
        if data.get("type") in ("event_callback", "url_verification"):
            r = slack.post_raw(json.dumps(data), "application/json")
        else:
            if "response_url" in data:
                data["response_url"] = url
            r = slack.interactive(data)
        assert r.status_code < 500, f"{path.name}: {r.status_code} {r.text}"
        if data.get("type") == "url_verification":
            assert r.json()["challenge"] == data["challenge"]


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/slack is not beside the project")
def test_manifest_validates_against_slacks_schema() -> None:
    import jsonschema

    schema = json.loads((SHARED / "manifest.schema.1.0.0.json").read_text())
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    jsonschema.validate(manifest, schema)
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/sla"]
    # users:read: users.info with include_locale, the language of each person's Slack;
    # files:write: the steps' documents, attached in their threads
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "users:read",
        "files:write",
    }


def test_a_role_granted_by_configuration_applies_at_once(slack: SlackClient) -> None:
    body = ack_body(slack.command("U0NEW0002", "catalog"))
    assert "sla-catalog-edit" not in json.dumps(body)
    grant_role(db_of(slack), "U0NEW0002", Role.SLM, by=CONFIG_ACTOR, now=T0)  # SLM_ADMINS path
    body = ack_body(slack.command("U0NEW0002", "catalog"))
    assert "sla-catalog-edit" in json.dumps(body), "a service level manager may edit it"


def test_outbox_admin_view(slack: SlackClient) -> None:
    body = ack_body(slack.command(USERS[Role.SALES], "outbox"))
    assert "/sla outbox" in body["text"]  # refused: only admin
    body = ack_body(slack.command(USERS[Role.ADMIN], "outbox"))
    assert "Outbox" in body["text"] or "发件箱" in body["text"]


def test_improvement_actions_tracked_until_done(slack: SlackClient) -> None:
    from store.improvements import open_improvements
    from store.lifecycle import perform

    db = db_of(slack)
    ag = drive(db, "M11", Clock())
    perform(db, ag.agreement_id, "M11", forms()["M11"], actor="U_SLM", now=T0)
    body = ack_body(slack.command(USERS[Role.SLM], f"show {ag.agreement_id}"))
    done = [b for b in find_buttons(body) if b["action_id"] == "sla-improvement-done"]
    assert len(done) == 1
    slack.click(USERS[Role.SALES], done[0])
    wait_for(
        lambda: any(
            "sla-improvement" not in str(e)
            and ("Only" in str(e.get("text")) or "只有" in str(e.get("text")))
            for e in slack.standin.state.ephemerals(user=USERS[Role.SALES])
        ),
        what="refusal",
    )
    assert len(open_improvements(db, ag.agreement_id)) == 1
    slack.click(USERS[Role.OPS_LEAD], done[0])
    wait_for(lambda: not open_improvements(db, ag.agreement_id), what="improvement done")


def find_buttons(body: dict[str, Any]) -> list[dict[str, Any]]:
    from tests.slack_support import buttons

    return buttons(body)


def test_app_home_new_request_button_opens_m1(slack: SlackClient) -> None:
    from bot.blocks.context import StepRef

    state = slack.standin.state
    n = len(state.calls("views.open"))
    button = {"action_id": "sla-new-request", "value": StepRef(a="", s="M1").dumps()}
    slack.click(USERS[Role.SALES], button, view={"id": "VHOME", "type": "home"})
    wait_for(lambda: len(state.calls("views.open")) > n, what="M1 modal from App Home")
    view = state.open_views(USERS[Role.SALES])[-1]
    assert "M1" in view["title"]["text"]
    state.close_views(USERS[Role.SALES])
