"""`slm-bot sandbox` without a browser: the page's endpoints, the signed requests that reach
the bot, modal errors / updates, the App Home, and the workspace kept across runs."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.cli import build_parser
from bot.flows.roles import Role
from bot.flows.samples import sample_forms
from bot.sandbox import Sandbox
from bot.sandbox import payloads as P
from bot.sandbox.workspace import CHANNEL
from bot.slack_standin.testing import assert_no_violations
from store.demo import PERSONAS
from store.lifecycle import perform
from store.queries import get_agreement

SALES, SLM, OPS = "U0SALES01", "U0SLM0001", "U0OPS0001"
STATIC = Path(__file__).resolve().parents[1] / "bot" / "sandbox" / "static"


def wait_for(cond: Callable[[], Any], *, timeout: float = 5.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path_factory.mktemp("sandbox") / "sandbox.db", port=0).start()
    try:
        yield box
    finally:
        box.stop()
    assert_no_violations(box.state)


@pytest.fixture(scope="module")
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, timeout=15) as client:
        yield client


def state(http: httpx.Client, persona: str) -> dict[str, Any]:
    resp = http.get("/_sandbox/state", params={"persona": persona})
    assert resp.status_code == 200
    data: dict[str, Any] = resp.json()
    return data


def channel(data: dict[str, Any], cid: str = CHANNEL) -> dict[str, Any]:
    return next(c for c in data["channels"] if c["id"] == cid)


def send(http: httpx.Client, path: str, **body: Any) -> dict[str, Any]:
    resp = http.post(f"/_sandbox/{path}", json=body)
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


def open_modal(http: httpx.Client, persona: str, text: str = "/sla new") -> dict[str, Any]:
    assert send(http, "message", persona=persona, channel=CHANNEL, text=text)["ok"]
    view: dict[str, Any] = wait_for(
        lambda: (state(http, persona)["modals"] or [None])[-1], what="the modal"
    )
    return view


def values_for(view: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The page's raw values: block index -> string / list, by form field name."""
    out: dict[str, Any] = {}
    for index, block in enumerate(view["blocks"]):
        name = str(block.get("block_id", "")).removeprefix("sla-f-")
        if block["type"] == "input" and name in data:
            value = data[name]
            if block["element"]["type"] == "checkboxes":
                value = ["true"] if value else []
            elif isinstance(value, list) and block["element"]["type"] == "plain_text_input":
                value = "\n".join(value)
            out[str(index)] = value
    return out


def m1(customer: str, **changes: Any) -> dict[str, Any]:
    return sample_forms(date.today() + timedelta(days=30), customer=customer)["M1"] | changes


def new_agreement(http: httpx.Client, customer: str) -> dict[str, Any]:
    view = open_modal(http, SALES)
    result = send(
        http, "submit", persona=SALES, view_id=view["id"], values=values_for(view, m1(customer))
    )
    assert result == {"ok": True, "result": "close"}
    card: dict[str, Any] = wait_for(
        lambda: next(
            (m for m in channel(state(http, SALES))["messages"] if customer in m.get("text", "")),
            None,
        ),
        what="the card",
    )
    return card


def test_cli_sandbox_options() -> None:
    args = build_parser().parse_args(["sandbox"])
    assert (args.port, args.demo, args.db, args.locale) == (3000, False, "sandbox.db", "en")
    args = build_parser().parse_args(
        ["sandbox", "--port", "3100", "--demo", "--db", "x.db", "--locale", "zh-CN"]
    )
    assert (args.port, args.demo, args.db, args.locale) == (3100, True, "x.db", "zh-CN")


def test_page_uses_only_the_projects_own_scripts(http: httpx.Client) -> None:
    page = http.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    links = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert links and all(link.startswith(("/static/", "data:")) for link in links), links
    for name in ("app.js", "blockkit.js", "modal.js", "style.css"):
        assert f"/static/{name}" in page.text
        asset = http.get(f"/static/{name}")
        assert asset.status_code == 200, name
        assert "https://" not in asset.text and "import " not in asset.text, name
    assert http.get("/healthz").json()["ok"] is True  # the bot's own route, same port


def test_state_has_a_persona_for_every_role(http: httpx.Client) -> None:
    data = state(http, "nobody")  # an unknown persona falls back to the first
    assert data["persona"] == PERSONAS[0].user_id
    assert {p.user_id for p in PERSONAS} <= set(data["users"])
    labels = {label for p in data["personas"] for label in p["roles"]}
    assert labels == {r.label("en") for r in Role}
    assert channel(data)["name"] == "sla-agreements"
    assert data["dm"]["id"] == "D" + PERSONAS[0].user_id[1:]


def test_signed_slash_command_reaches_the_bot(sandbox: Sandbox, http: httpx.Client) -> None:
    # the bot verifies signatures: an unsigned request is refused, the sandbox's pass
    assert http.post("/slack/events", data={"command": "/sla"}).status_code == 401
    assert send(http, "message", persona=SALES, channel=CHANNEL, text="/sla help")["ok"]
    eph = channel(state(http, SALES))["ephemerals"]
    assert any("/sla new" in e["text"] for e in eph)
    assert not channel(state(http, SLM))["ephemerals"], "only the persona sees it"
    assert any(r["source"] == "command" for r in sandbox.recorded())


def test_unknown_command_messages_and_dms(http: httpx.Client) -> None:
    assert send(http, "message", persona=OPS, channel=CHANNEL, text="/nope x")["ok"] is False
    assert "not a valid command" in channel(state(http, OPS))["ephemerals"][-1]["text"]
    assert send(http, "message", persona=OPS, channel="C0GENERAL", text="a < b & c")["ok"]
    msg = channel(state(http, SLM), "C0GENERAL")["messages"][-1]
    assert msg["user"] == OPS and msg["text"] == "a &lt; b &amp; c"
    resp = http.post(
        "/_sandbox/message", json={"persona": OPS, "channel": "D0OPS0001", "text": "hi"}
    )
    assert resp.status_code == 400 and "turned off" in resp.json()["error"]
    resp = http.post("/_sandbox/message", json={"persona": "U0BOGUS", "text": "/sla help"})
    assert resp.status_code == 400
    resp = http.post("/_sandbox/message", json={"persona": OPS, "channel": "C0NONE", "text": "x"})
    assert resp.status_code == 400 and "channel_not_found" in resp.json()["error"]
    # a command in the persona's own DM with the app (opened on first use)
    assert send(http, "message", persona="U0EXE0001", channel="D0EXE0001", text="/sla help")["ok"]
    assert "/sla new" in state(http, "U0EXE0001")["dm"]["ephemerals"][-1]["text"]


def test_new_agreement_with_a_bad_date_then_fixed(sandbox: Sandbox, http: httpx.Client) -> None:
    view = open_modal(http, SALES)
    assert view["callback_id"] == "sla-step"
    # Slack's client refuses empty required fields without asking the app
    before = len(sandbox.state.calls())
    empty = send(http, "submit", persona=SALES, view_id=view["id"], values={})
    assert empty["result"] == "errors" and empty["source"] == "client"
    assert set(empty["errors"].values()) == {P.REQUIRED}
    # the app's own field error, shown under the field
    bad = values_for(view, m1("Bad Dates Ltd", end_date="2020-01-01"))
    result = send(http, "submit", persona=SALES, view_id=view["id"], values=bad)
    end_index = next(
        str(i) for i, b in enumerate(view["blocks"]) if b.get("block_id") == "sla-f-end_date"
    )
    assert result["result"] == "errors" and result["source"] == "app"
    assert "after the requested start" in result["errors"][end_index]
    assert state(http, SALES)["modals"][-1]["id"] == view["id"], "the modal stays open"
    assert len(sandbox.state.calls()) == before, "errors change nothing"
    good = values_for(view, m1("Sandbox Works Ltd"))
    assert send(http, "submit", persona=SALES, view_id=view["id"], values=good)["result"] == "close"
    assert state(http, SALES)["modals"] == []
    card = wait_for(
        lambda: next(
            (
                m
                for m in channel(state(http, SALES))["messages"]
                if "Sandbox Works Ltd" in m.get("text", "")
            ),
            None,
        ),
        what="the card",
    )
    assert card["blocks"][0]["type"] == "header"
    wait_for(lambda: state(http, SLM)["dm"]["messages"], what="the M2 task DM")


def test_unauthorised_click_is_refused(http: httpx.Client) -> None:
    card = new_agreement(http, "Refused Click Co")
    index, block = next((i, b) for i, b in enumerate(card["blocks"]) if b["type"] == "actions")
    assert "M2" in block["elements"][0]["value"]
    container = {"type": "message", "channel": CHANNEL, "ts": card["ts"]}
    result = send(
        http, "action", persona=SALES, container=container, block_index=index, element_index=0
    )
    assert result == {"ok": True, "status": 200}
    wait_for(
        lambda: any(
            "Only Service level manager can M2" in e["text"]
            for e in channel(state(http, SALES))["ephemerals"]
        ),
        what="the refusal",
    )
    assert state(http, SALES)["modals"] == []
    # the right persona gets the modal, with the decision preset
    send(http, "action", persona=SLM, container=container, block_index=index, element_index=0)
    view = wait_for(lambda: state(http, SLM)["modals"], what="the M2 modal")[-1]
    assert "M2" in view["title"]["text"]
    assert send(http, "close", persona=SLM, view_id=view["id"])["ok"]
    assert state(http, SLM)["modals"] == []


def test_stale_modal_is_updated_with_a_notice(sandbox: Sandbox, http: httpx.Client) -> None:
    card = new_agreement(http, "Stale Modal Co")
    aid = card["text"].split(" ")[0]
    index = next(i for i, b in enumerate(card["blocks"]) if b["type"] == "actions")
    container = {"type": "message", "channel": CHANNEL, "ts": card["ts"]}
    send(http, "action", persona=SLM, container=container, block_index=index, element_index=0)
    view = wait_for(lambda: state(http, SLM)["modals"], what="the M2 modal")[-1]
    forms = sample_forms(date.today(), customer="Stale Modal Co")
    assert sandbox.db is not None
    perform(sandbox.db, aid, "M2", forms["M2"], actor="U0SLM0002", now=datetime.now(UTC))
    result = send(
        http, "submit", persona=SLM, view_id=view["id"], values=values_for(view, forms["M2"])
    )
    assert result == {"ok": True, "result": "update"}
    notice = state(http, SLM)["modals"][-1]
    assert notice["id"] == view["id"] and notice["hash"] != view["hash"]
    assert not any(b["type"] == "input" for b in notice["blocks"])
    assert get_agreement(sandbox.db, aid).row.pending != ("M2",)
    send(http, "close", persona=SLM, view_id=view["id"], all=True)
    resp = http.post("/_sandbox/submit", json={"persona": SLM, "view_id": view["id"]})
    assert resp.status_code == 409, "a closed modal cannot be submitted"


def test_app_home_opened_publishes_the_desk(http: httpx.Client) -> None:
    assert send(http, "home", persona=SLM) == {"ok": True, "status": 200}
    home = wait_for(lambda: state(http, SLM)["home"], what="the App Home")
    assert home["type"] == "home" and home["blocks"][0]["type"] == "header"
    refresh = next(
        (i, j)
        for i, b in enumerate(home["blocks"])
        if b["type"] == "actions"
        for j, e in enumerate(b["elements"])
        if e["action_id"] == "sla-home-refresh"
    )
    container = {"type": "view", "view_id": home["id"]}
    result = send(
        http,
        "action",
        persona=SLM,
        container=container,
        block_index=refresh[0],
        element_index=refresh[1],
    )
    assert result["ok"]
    wait_for(lambda: state(http, SLM)["home"]["hash"] != home["hash"], what="a new desk")
    assert send(http, "home", persona=SLM, tab="messages")["ok"]


def test_stale_element_and_bad_requests(http: httpx.Client) -> None:
    body = {"persona": SALES, "container": {"type": "message", "channel": CHANNEL, "ts": "1.2"}}
    assert http.post("/_sandbox/action", json={**body, "block_index": 0}).status_code == 404
    assert http.post("/_sandbox/action", json=[1]).status_code == 400
    assert http.post("/_sandbox/home", content=b"{nope").status_code == 400


def test_long_poll_answers_on_a_change(sandbox: Sandbox, http: httpx.Client) -> None:
    version = state(http, SALES)["version"]
    timer = threading.Timer(
        0.3,
        lambda: httpx.post(
            f"{sandbox.url}/_sandbox/message",
            json={"persona": SALES, "channel": "C0GENERAL", "text": "ping"},
        ),
    )
    started = time.monotonic()
    timer.start()
    resp = http.get("/_sandbox/state", params={"persona": SALES, "since": version})
    timer.join()
    assert resp.json()["version"] > version
    assert 0.2 < time.monotonic() - started < 5


def test_recorded_has_every_message_and_view(sandbox: Sandbox, http: httpx.Client) -> None:
    kinds = {(r["kind"], r["source"]) for r in sandbox.recorded()}
    assert ("message", "chat.postMessage") in kinds and ("view", "views.open") in kinds
    assert ("view", "views.publish") in kinds and ("view", "update") in kinds
    assert http.get("/_sandbox/recorded").json() == json.loads(json.dumps(sandbox.recorded()))


def test_workspace_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "keep.db"
    first = Sandbox(db, port=0, demo=True).start()
    try:
        wait_for(lambda: len(first.state.messages(CHANNEL)) >= 4, what="demo cards")
        cards = first.state.messages(CHANNEL)
    finally:
        first.stop()
    second = Sandbox(db, port=0, demo=True).start()
    try:
        assert second.seeded == [], "a second run keeps the data and seeds nothing"

        def card_ts(messages: list[dict[str, Any]]) -> list[str]:
            return [m["ts"] for m in messages if str(m.get("text", "")).startswith("SLA-")]

        # the cards are the same messages (the sweep may have posted reminders meanwhile)
        assert card_ts(second.state.messages(CHANNEL)) == card_ts(cards)
    finally:
        second.stop()


# --- payload building (no server) -------------------------------------------------------


def field(block_id: str | None, kind: str, **element: Any) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "input", "element": {"type": kind, **element}}
    if block_id:
        block["block_id"] = block_id
        block["element"]["action_id"] = "a"
    else:
        block["optional"] = True
    return block


def test_state_values_in_slacks_shape() -> None:
    opt = {"text": {"type": "plain_text", "text": "Two"}, "value": "2"}
    group = {"label": {"type": "plain_text", "text": "g"}, "options": [opt]}
    blocks = [
        field("t", "plain_text_input"),
        field("n", "number_input", initial_value="5", is_decimal_allowed=False),
        field("s", "static_select", option_groups=[group]),
        field("m", "multi_static_select", options=[opt]),
        field("u", "users_select"),
        field("mu", "multi_users_select"),
        field("d", "datepicker"),
        field("c", "checkboxes", options=[opt]),
        field("r", "radio_buttons", options=[opt], initial_option=opt),
        field(None, "plain_text_input"),
    ]
    raw = {
        "0": "hi",
        "2": "2",
        "3": ["2", "9"],
        "4": "U1",
        "5": ["U1", "U2"],
        "6": "2030-01-02",
        "7": ["2"],
    }
    values = P.state_values({"blocks": blocks}, raw)
    assert values["t"] == {"a": {"type": "plain_text_input", "value": "hi"}}
    assert values["n"]["a"]["value"] == "5", "untouched: the initial value"
    assert values["s"]["a"]["selected_option"] == opt
    assert values["m"]["a"]["selected_options"] == [opt], "unknown values are dropped"
    assert values["u"]["a"]["selected_user"] == "U1"
    assert values["mu"]["a"]["selected_users"] == ["U1", "U2"]
    assert values["d"]["a"]["selected_date"] == "2030-01-02"
    assert values["c"]["a"]["selected_options"] == [opt]
    assert values["r"]["a"]["selected_option"] == opt
    generated = P.block_id(blocks[9], 9)
    assert generated in values and len(generated) == 5
    assert P.client_errors({"blocks": blocks}, raw) == {}
    errors = P.client_errors({"blocks": blocks}, {**raw, "0": " ", "1": "1.5", "4": None})
    assert errors == {"0": P.REQUIRED, "1": P.NOT_WHOLE, "4": P.REQUIRED}


def test_number_and_length_checks_like_slacks_client() -> None:
    el = {"type": "number_input", "is_decimal_allowed": True, "min_value": "0", "max_value": "100"}
    view = {"blocks": [{"type": "input", "block_id": "x", "element": el}]}
    assert P.client_errors(view, {"0": "abc"}) == {"0": P.NOT_A_NUMBER}
    assert P.client_errors(view, {"0": "-1"}) == {"0": "Please enter a number at least 0."}
    assert P.client_errors(view, {"0": "101"}) == {"0": "Please enter a number at most 100."}
    assert P.client_errors(view, {"0": "99.5"}) == {}
    text = {"type": "plain_text_input", "min_length": 2, "max_length": 3}
    view = {"blocks": [{"type": "input", "block_id": "x", "element": text}]}
    assert P.client_errors(view, {"0": "a"}) == {"0": "Please enter at least 2 characters."}
    assert P.client_errors(view, {"0": "abcd"}) == {"0": "Please enter no more than 3 characters."}


def test_action_entries_and_locating_elements() -> None:
    button = {
        "type": "button",
        "action_id": "go",
        "text": {"type": "plain_text", "text": "Go"},
        "value": "v",
        "style": "primary",
    }
    over = {
        "type": "overflow",
        "action_id": "o",
        "options": [{"text": {"type": "plain_text", "text": "A"}, "value": "a"}],
    }
    blocks = [
        {"type": "section", "block_id": "s", "accessory": button},
        {"type": "actions", "elements": [over, {"type": "datepicker", "action_id": "d"}]},
    ]
    block, el = P.locate(blocks, 0, None)
    entry = P.action_entry(block, el, 0, None)
    assert entry | {"action_ts": "t"} == {
        "type": "button", "action_id": "go", "block_id": "s", "action_ts": "t",
        "text": button["text"], "value": "v", "style": "primary",
    }  # fmt: skip
    block, el = P.locate(blocks, 1, 0)
    assert P.action_entry(block, el, 1, "a")["selected_option"]["value"] == "a"
    block, el = P.locate(blocks, 1, 1)
    assert P.action_entry(block, el, 1, "2030-01-01")["selected_date"] == "2030-01-01"
    for where in ((2, None), (1, 5), (0, 0)):
        with pytest.raises(P.UnknownElement):
            P.locate(blocks, *where)
    headers = P.sign("body", "secret", ts=1)
    assert headers["X-Slack-Request-Timestamp"] == "1"
    assert headers["X-Slack-Signature"].startswith("v0=")


def test_documents_show_as_files_in_the_thread_and_open_as_html(http: httpx.Client) -> None:
    card = new_agreement(http, "Files Preview Co")
    files = wait_for(
        lambda: [
            f
            for m in channel(state(http, SALES))["threads"].get(card["ts"], [])
            for f in m.get("files", [])
        ],
        what="the M1 document in the thread",
    )
    (f,) = files
    assert f["name"].endswith("_REQ-D_v1.en.md") and f["filetype"] == "markdown"
    assert f["size"] > 200
    page = http.get(f"/_sandbox/file/{f['id']}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<table>" in page.text and "Files Preview Co" in page.text
    assert http.get("/_sandbox/file/F0NOPE").status_code == 404
