"""The Slack stand-in, over real HTTP, with slack_sdk's own clients."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack_standin import MODELLED_METHODS, SlackState, StandinServer
from bot.slack_standin.spec import (
    METHODS_JSON,
    SPEC_RELATIVE_PATH,
    extract_methods,
    methods,
    render_methods_json,
)
from bot.slack_standin.testing import ContractViolation, running_standin

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT.parent / SPEC_RELATIVE_PATH
needs_spec = pytest.mark.skipif(not SPEC.exists(), reason=f"Slack's OpenAPI spec not at {SPEC}")
TS = re.compile(r"^\d{10}\.\d{6}$")
CHANNEL = "C0AGREEMENTS"


def modal(title: str = "New agreement", **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": [], **extra}


def home_view(text: str = "My desk") -> dict[str, Any]:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    return {"type": "home", "blocks": [block]}


@pytest.fixture(scope="module")
def standin() -> Iterator[StandinServer]:
    with running_standin(check_violations=False) as server:
        yield server


@pytest.fixture
def server(standin: StandinServer) -> Iterator[StandinServer]:
    standin.state.reset()
    yield standin
    standin.state.reset()


@pytest.fixture
def state(server: StandinServer) -> SlackState:
    return server.state


@pytest.fixture
def web(server: StandinServer) -> WebClient:
    return WebClient(token=server.state.token, base_url=server.base_url)


@pytest.fixture
def aweb(server: StandinServer) -> AsyncWebClient:
    return AsyncWebClient(token=server.state.token, base_url=server.base_url)


# --- the method table ---------------------------------------------------------------------
def test_methods_json_lists_every_spec_method_with_required_args() -> None:
    table = methods()
    assert len(table) == 174
    assert table["chat.postMessage"] == ("channel",)
    assert table["views.open"] == ("trigger_id", "view")
    assert table["chat.postEphemeral"] == ("channel", "user")
    assert all("token" not in args for args in table.values())
    assert set(table) >= MODELLED_METHODS


@needs_spec
def test_methods_json_is_what_the_extraction_produces_from_the_spec() -> None:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    assert METHODS_JSON.read_text(encoding="utf-8") == render_methods_json(extract_methods(spec))


@needs_spec
def test_extraction_script_check_passes() -> None:
    script = ROOT / "scripts" / "extract_slack_methods.py"
    run = subprocess.run(
        [sys.executable, str(script), "--check", "--spec", str(SPEC)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr


# --- contract checks ----------------------------------------------------------------------
def test_unknown_method_is_refused_and_recorded_as_violation(
    web: WebClient, state: SlackState
) -> None:
    with pytest.raises(SlackApiError) as err:
        web.api_call("chat.postMesage", json={"channel": CHANNEL, "text": "x"})
    assert err.value.response["error"] == "unknown_method"
    assert [c.method for c in state.violations()] == ["chat.postMesage"]


def test_missing_required_argument(web: WebClient, state: SlackState) -> None:
    with pytest.raises(SlackApiError) as err:
        web.api_call("chat.postMessage", json={"text": "no channel"})
    assert err.value.response.data == {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": ["[ERROR] missing required field: channel"]},
    }
    assert state.violations()[0].args == {"text": "no channel"}


def test_unmodelled_spec_method_answers_ok(web: WebClient, state: SlackState) -> None:
    assert web.reactions_add(channel=CHANNEL, name="eyes", timestamp="1.000001")["ok"]
    assert state.calls("reactions.add")[0].args["name"] == "eyes"
    assert "reactions.add" not in MODELLED_METHODS


def test_wrong_or_missing_token(server: StandinServer, state: SlackState) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(token="xoxb-wrong", base_url=server.base_url).auth_test()
    assert err.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=server.base_url).auth_test()
    assert err.value.response["error"] == "not_authed"
    assert err.value.response.status_code == 200
    assert len(state.violations()) == 2


def test_token_field_and_form_body_with_json_strings(
    server: StandinServer, state: SlackState
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*card*"}}]
    form = {"token": state.token, "channel": CHANNEL, "text": "t", "blocks": json.dumps(blocks)}
    body = httpx.post(server.base_url + "chat.postMessage", data=form).json()
    assert body["ok"]
    assert body["message"]["blocks"] == blocks
    call = state.calls("chat.postMessage")[0]
    assert call.args == {"channel": CHANNEL, "text": "t", "blocks": blocks}  # token not kept
    bad = httpx.post(server.base_url + "chat.postMessage", data={**form, "blocks": "[{"}).json()
    assert bad["error"] == "invalid_blocks_format"


def test_auth_test_shape(web: WebClient, state: SlackState) -> None:
    body = web.auth_test().data
    assert isinstance(body, dict)
    assert body["user_id"] == state.bot_user_id
    assert body["bot_id"] == state.bot_id
    assert {"ok", "url", "team", "user", "team_id", "user_id"} <= set(body)


# --- messages -----------------------------------------------------------------------------
async def test_post_message_ts_and_threads(aweb: AsyncWebClient, state: SlackState) -> None:
    stamps = []
    for i in range(5):
        resp = await aweb.chat_postMessage(channel=CHANNEL, text=f"card {i}")
        assert resp["channel"] == CHANNEL
        assert resp["message"]["text"] == f"card {i}"
        stamps.append(resp["ts"])
    assert all(TS.match(ts) for ts in stamps)
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 5
    reply = await aweb.chat_postMessage(channel=CHANNEL, text="approved", thread_ts=stamps[0])
    assert reply["message"]["thread_ts"] == stamps[0]
    assert [m["text"] for m in state.thread(CHANNEL, stamps[0])] == ["card 0", "approved"]
    assert len(state.messages(CHANNEL)) == 5  # replies are not top level
    replies = await aweb.conversations_replies(channel=CHANNEL, ts=stamps[0])
    assert replies["messages"][0]["reply_count"] == 1
    history = await aweb.conversations_history(channel=CHANNEL, limit=2)
    assert [m["ts"] for m in history["messages"]] == stamps[:-3:-1]  # newest first
    assert history["has_more"]
    cursor = history["response_metadata"]["next_cursor"]
    more = await aweb.conversations_history(channel=CHANNEL, limit=10, cursor=cursor)
    assert [m["ts"] for m in more["messages"]] == stamps[2::-1]


async def test_post_to_unknown_channel_and_user_id_means_dm(
    aweb: AsyncWebClient, state: SlackState
) -> None:
    with pytest.raises(SlackApiError) as err:
        await aweb.chat_postMessage(channel="C0NOPE", text="x")
    assert err.value.response["error"] == "channel_not_found"
    resp = await aweb.chat_postMessage(channel="U0BOB", text="you have a task")
    assert resp["channel"] == "D0BOB"
    opened = await aweb.conversations_open(users="U0BOB")
    assert opened["channel"]["id"] == "D0BOB"
    assert opened["already_open"]
    assert [m["text"] for m in state.dms("U0BOB")] == ["you have a task"]
    info = await aweb.conversations_info(channel="D0BOB")
    assert info["channel"]["is_im"]
    assert info["channel"]["user"] == "U0BOB"
    by_name = await aweb.chat_postMessage(channel="#general", text="hello")
    assert by_name["channel"] == "C0GENERAL"
    assert not state.violations()


async def test_update_ephemeral_permalink(aweb: AsyncWebClient, state: SlackState) -> None:
    ts = (await aweb.chat_postMessage(channel=CHANNEL, text="v1"))["ts"]
    updated = await aweb.chat_update(channel=CHANNEL, ts=ts, text="v2")
    assert updated["ts"] == ts
    assert updated["text"] == "v2"
    assert state.messages(CHANNEL)[0]["text"] == "v2"
    with pytest.raises(SlackApiError) as err:
        await aweb.chat_update(channel=CHANNEL, ts="1.000001", text="x")
    assert err.value.response["error"] == "message_not_found"
    eph = await aweb.chat_postEphemeral(channel=CHANNEL, user="U0ALICE", text="only you")
    assert TS.match(eph["message_ts"])
    assert [e["text"] for e in state.ephemerals("U0ALICE")] == ["only you"]
    link = await aweb.chat_getPermalink(channel=CHANNEL, message_ts=ts)
    assert link["permalink"].endswith(f"/archives/{CHANNEL}/p{ts.replace('.', '')}")


async def test_users_info(aweb: AsyncWebClient) -> None:
    user = (await aweb.users_info(user="U0ALICE"))["user"]
    assert user["id"] == "U0ALICE"
    assert user["profile"]["real_name"] == "Alice Chen"
    with pytest.raises(SlackApiError) as err:
        await aweb.users_info(user="U0NOBODY")
    assert err.value.response["error"] == "user_not_found"


def test_concurrent_posts_get_unique_increasing_ts(web: WebClient, state: SlackState) -> None:
    with ThreadPoolExecutor(8) as pool:
        stamps = list(
            pool.map(lambda i: web.chat_postMessage(channel=CHANNEL, text=str(i))["ts"], range(40))
        )
    assert len(set(stamps)) == 40
    stored = [m["ts"] for m in state.messages(CHANNEL)]
    assert stored == sorted(stored)
    assert set(stored) == set(stamps)


@settings(max_examples=25, deadline=None)
@given(text=st.text(st.characters(codec="utf-8"), min_size=1, max_size=60))
def test_text_round_trips_form_and_json(standin: StandinServer, text: str) -> None:
    web = WebClient(token=standin.state.token, base_url=standin.base_url)
    form = web.api_call("chat.postMessage", data={"channel": CHANNEL, "text": text})
    sent = web.api_call("chat.postMessage", json={"channel": CHANNEL, "text": text})
    assert form["message"]["text"] == text == sent["message"]["text"]
    assert [c.args["text"] for c in standin.state.calls("chat.postMessage")[-2:]] == [text, text]


# --- views --------------------------------------------------------------------------------
async def test_views_open_push_update(
    aweb: AsyncWebClient, state: SlackState, monkeypatch: pytest.MonkeyPatch
) -> None:
    trigger = state.new_trigger_id("U0ALICE")
    root = (await aweb.views_open(trigger_id=trigger, view=modal(external_id="ext-1")))["view"]
    assert root["id"].startswith("V")
    assert root["root_view_id"] == root["id"]
    assert root["state"] == {"values": {}}
    assert root["hash"]
    with pytest.raises(SlackApiError) as err:
        await aweb.views_open(trigger_id=trigger, view=modal())
    assert err.value.response["error"] == "exchanged_trigger_id"
    with pytest.raises(SlackApiError) as err:
        await aweb.views_open(trigger_id="123.456.nope", view=modal())
    assert err.value.response["error"] == "invalid_trigger_id"
    for depth in (2, 3):
        pushed = await aweb.views_push(trigger_id=state.new_trigger_id("U0ALICE"), view=modal())
        assert pushed["view"]["root_view_id"] == root["id"]
        assert len(state.open_views("U0ALICE")) == depth
    with pytest.raises(SlackApiError) as err:
        await aweb.views_push(trigger_id=state.new_trigger_id("U0ALICE"), view=modal())
    assert err.value.response["error"] == "push_limit_reached"
    new = await aweb.views_update(external_id="ext-1", view=modal("Step 2", external_id="ext-1"))
    assert new["view"]["id"] == root["id"]
    assert new["view"]["title"]["text"] == "Step 2"
    with pytest.raises(SlackApiError) as err:
        await aweb.views_update(view_id=root["id"], hash=root["hash"], view=modal("Stale"))
    assert err.value.response["error"] == "hash_conflict"
    monkeypatch.setattr(state, "trigger_ttl", -1.0)
    with pytest.raises(SlackApiError) as err:
        await aweb.views_open(trigger_id=state.new_trigger_id("U0BOB"), view=modal())
    assert err.value.response["error"] == "expired_trigger_id"
    state.close_views("U0ALICE")
    assert state.open_views("U0ALICE") == []
    assert not state.violations()


async def test_view_limits_are_contract_violations(aweb: AsyncWebClient, state: SlackState) -> None:
    with pytest.raises(SlackApiError) as err:
        await aweb.views_open(trigger_id=state.new_trigger_id("U0ALICE"), view=modal("x" * 25))
    assert err.value.response["error"] == "invalid_arguments"
    assert "/view/title/text" in err.value.response["response_metadata"]["messages"][0]
    assert [c.method for c in state.violations()] == ["views.open"]


async def test_views_publish_home(aweb: AsyncWebClient, state: SlackState) -> None:
    first = (await aweb.views_publish(user_id="U0BOB", view=home_view("v1")))["view"]
    second = (await aweb.views_publish(user_id="U0BOB", view=home_view("v2")))["view"]
    assert first["id"] == second["id"]
    assert first["hash"] != second["hash"]
    home = state.home("U0BOB")
    assert home is not None
    assert home["type"] == "home"
    assert home["blocks"][0]["text"]["text"] == "v2"
    assert state.home("U0ALICE") is None


def test_view_as_json_string_in_form_body(server: StandinServer, state: SlackState) -> None:
    form = {"trigger_id": state.new_trigger_id("U0CAROL"), "view": json.dumps(modal())}
    headers = {"Authorization": f"Bearer {state.token}"}
    body = httpx.post(server.base_url + "views.open", data=form, headers=headers).json()
    assert body["ok"]
    assert body["view"]["type"] == "modal"


# --- response_url -------------------------------------------------------------------------
async def test_response_url_replies(aweb: AsyncWebClient, state: SlackState) -> None:
    ts = (await aweb.chat_postMessage(channel=CHANNEL, text="card"))["ts"]
    url = state.new_response_url(CHANNEL, "U0ALICE", message_ts=ts)
    hook = AsyncWebhookClient(url)
    assert (await hook.send(text="just for you")).status_code == 200
    assert (await hook.send(text="for all", response_type="in_channel")).status_code == 200
    assert (await hook.send(text="card v2", replace_original=True)).status_code == 200
    assert [e["text"] for e in state.ephemerals("U0ALICE")] == ["just for you"]
    assert [m["text"] for m in state.messages(CHANNEL)] == ["card v2", "for all"]
    assert (await hook.send_dict({"delete_original": True})).status_code == 200
    assert [m["text"] for m in state.messages(CHANNEL)] == ["for all"]
    assert len(state.calls("response_url")) == 4
    assert (await hook.send(text="fifth use")).status_code == 200
    sixth = await hook.send(text="sixth use")  # 5 uses per URL, as Slack
    assert sixth.status_code == 404


# --- faults -------------------------------------------------------------------------------
async def test_rate_limit_fault_is_retried_by_slack_sdk(
    server: StandinServer, state: SlackState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("slack_sdk.http_retry.builtin_async_handlers.random.random", lambda: 0)
    fault = state.inject(method="chat.postMessage", kind="rate_limit", retry_after=0, times=2)
    client = AsyncWebClient(
        token=state.token,
        base_url=server.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    resp = await client.chat_postMessage(channel=CHANNEL, text="eventually")
    assert resp["ok"]
    assert fault.hits == 2
    assert [c.status for c in state.calls("chat.postMessage")] == [429, 429, 200]
    assert len(state.messages(CHANNEL)) == 1


async def test_rate_limit_answer_and_server_error(aweb: AsyncWebClient, state: SlackState) -> None:
    state.inject(method="chat.postMessage", kind="rate_limit", retry_after=7)
    with pytest.raises(SlackApiError) as err:
        await aweb.chat_postMessage(channel=CHANNEL, text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"
    assert err.value.response["error"] == "ratelimited"
    state.inject(kind="server_error", times=None)
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            await aweb.auth_test()
        assert err.value.response.status_code == 500
    state.clear_faults()
    state.inject(kind="error", method="chat.update", error="cant_update_message")
    with pytest.raises(SlackApiError) as err:
        await aweb.chat_update(channel=CHANNEL, ts="1.000001", text="x")
    assert err.value.response["error"] == "cant_update_message"
    assert (await aweb.chat_postMessage(channel=CHANNEL, text="fine"))["ok"]


def test_per_channel_rate_limit(web: WebClient, state: SlackState) -> None:
    state.channel_rate_limit = 2
    for _ in range(2):
        web.chat_postMessage(channel=CHANNEL, text="ok")
    with pytest.raises(SlackApiError) as err:
        web.chat_postMessage(channel=CHANNEL, text="too fast")
    assert err.value.response.status_code == 429
    assert web.chat_postMessage(channel="C0GENERAL", text="other channel")["ok"]


async def test_pause_refuses_connections_and_resume_keeps_port_and_state(
    server: StandinServer, state: SlackState
) -> None:
    sync = WebClient(token=state.token, base_url=server.base_url, retry_handlers=[])
    ts = sync.chat_postMessage(channel=CHANNEL, text="before")["ts"]
    port = server.port
    server.pause()
    try:
        with pytest.raises(urllib.error.URLError):
            sync.auth_test()
        client = AsyncWebClient(token=state.token, base_url=server.base_url, retry_handlers=[])
        with pytest.raises(aiohttp.ClientConnectionError):
            await client.auth_test()
    finally:
        server.resume()
    assert server.port == port
    assert sync.conversations_history(channel=CHANNEL)["messages"][0]["ts"] == ts


# --- sandbox JSON and the test helper ------------------------------------------------------
def test_state_endpoint(server: StandinServer, web: WebClient) -> None:
    ts = web.chat_postMessage(channel=CHANNEL, text="parent")["ts"]
    web.chat_postMessage(channel=CHANNEL, text="child", thread_ts=ts)
    web.views_publish(user_id="U0ALICE", view=home_view())
    snap = httpx.get(server.url + "/_standin/state").json()
    channel = next(c for c in snap["channels"] if c["id"] == CHANNEL)
    assert [m["text"] for m in channel["messages"]] == ["parent"]
    assert [m["text"] for m in channel["threads"][ts]] == ["child"]
    assert snap["home_tabs"]["U0ALICE"]["type"] == "home"
    assert {u["id"] for u in snap["users"]} >= {"U0ALICE", "U0BOB", "U0CAROL"}


def test_running_standin_fails_on_violations() -> None:
    with (
        pytest.raises(ContractViolation, match="unknown_method"),
        running_standin() as srv,
        pytest.raises(SlackApiError),
    ):
        WebClient(token=srv.state.token, base_url=srv.base_url).api_call("nope.nope")
    assert not srv.running


async def test_people_post_and_delay_fault(aweb: AsyncWebClient, state: SlackState) -> None:
    parent = state.post(CHANNEL, "U0ALICE", "please review")
    reply = state.post(CHANNEL, "U0BOB", "on it", thread_ts=parent["ts"])
    thread = await aweb.conversations_replies(channel=CHANNEL, ts=reply["ts"])  # a reply's ts
    assert [m["user"] for m in thread["messages"]] == ["U0ALICE", "U0BOB"]
    with pytest.raises(SlackApiError) as err:
        await aweb.conversations_history(channel=CHANNEL, cursor="!!")
    assert err.value.response["error"] == "invalid_cursor"
    fault = state.inject(kind="delay", method="auth.test", delay=0.05)
    assert (await aweb.auth_test())["ok"]
    assert fault.hits == 1
    state.reset()
    assert state.messages(CHANNEL) == []
    assert "U0ALICE" in state.users
    assert state.calls() == []
