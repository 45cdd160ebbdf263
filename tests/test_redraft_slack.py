"""A redraft through Slack (signed requests to the running app, the stand-in as Slack): the card
offers "Redraft SLA" while M5 is open, the modal starts from the previous draft, and the thread
reply shows what changed and carries the new draft as a file; in both languages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from bot.flows.roles import Role
from store.doc_queries import list_documents
from tests.slack_support import (
    CHANNEL,
    SlackClient,
    fill,
    find_button,
    slack_world,
    wait_for,
)
from tests.support import USERS, Clock, drive, forms

WORDS = {
    "en": ("Redraft SLA", "Price (per year)", "replaces", "What changed in the text"),
    "zh-CN": ("重新起草服务级别协议", "价格（每年）", "取代", "文本变更"),
}


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def slack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SlackClient]:
    with slack_world(tmp_path_factory.mktemp("r"), request.param) as client:
        yield client


def _card(slack: SlackClient, aid: str) -> dict[str, Any]:
    return next(m for m in slack.standin.state.messages(CHANNEL) if str(m["text"]).startswith(aid))


def _thread(slack: SlackClient, aid: str) -> list[dict[str, Any]]:
    c = _card(slack, aid)
    return [m for m in slack.standin.state.thread(CHANNEL, c["ts"]) if m["ts"] != c["ts"]]


def _redraft_via_card(slack: SlackClient, aid: str, data: dict[str, Any]) -> dict[str, Any]:
    state, user = slack.standin.state, USERS[Role.SALES]
    card = _card(slack, aid)
    before = len(state.calls("views.open"))
    assert slack.click(user, find_button(card, "M4"), message=card).status_code == 200
    wait_for(lambda: len(state.calls("views.open")) > before, what="views.open")
    view = state.open_views(user)[-1]
    resp = slack.submit(user, view, fill(view, data))
    assert resp.status_code == 200 and resp.content in (b"", b"{}"), resp.text
    state.close_views(user)
    slack.dispatch()
    return view


def test_redraft_from_the_card_shows_the_changes(slack: SlackClient) -> None:
    loc: str = slack.locale
    button_text, price_label, replaces, diff_words = WORDS[loc]
    aid = drive(slack.app.db, "M5", Clock()).agreement_id
    slack.dispatch()
    card = _card(slack, aid)
    redraft = find_button(card, "M4")
    assert redraft["text"]["text"] == f"{button_text} · M4"
    f = forms()["M4"]
    view = _redraft_via_card(slack, aid, f | {"price": "135000", "negotiation": "Discount"})
    # the modal started from the previous draft
    assert "120000" in json.dumps(view["blocks"])
    docs = {d.number: d.status.value for d in list_documents(slack.app.db, aid)}
    assert docs[f"{aid}/SLA/v1"] == "withdrawn" and docs[f"{aid}/SLA/v2"] == "draft"
    reply = next(
        m for m in reversed(_thread(slack, aid)) if replaces in json.dumps(m, ensure_ascii=False)
    )
    text = json.dumps(reply["blocks"], ensure_ascii=False)
    assert f"{aid}/SLA/v2" in text and f"{aid}/SLA/v1" in text and "M4" in text
    assert f"*{price_label}*" in text and "120000.00 → 135000.00" in text
    assert diff_words in text and "+" in text and "135,000.00" in text
    # response/resolution targets read as the catalogue writes them, never as a Python dict
    f4 = f | {"price": "140000", "targets": "P1: 30/240\nP2: 60/960"}
    _redraft_via_card(slack, aid, f4)
    thread = json.dumps([m.get("blocks") for m in _thread(slack, aid)], ensure_ascii=False)
    assert "P1: 30/240; P2: 60/960" in thread
    entry_default = "服务目录条目的时限" if loc == "zh-CN" else "the catalogue entry's"
    assert f"{entry_default} → P1: 30/240; P2: 60/960" in thread  # empty: the entry's, in words
    assert "response_min" not in thread and "{'P1'" not in thread
    files = [x["name"] for m in _thread(slack, aid) for x in m.get("files", [])]
    suffix = "en" if loc == "en" else "zh-CN"
    assert f"{aid}_SLA_v2.{suffix}.md" in files and f"{aid}_SLA_v3.{suffix}.md" in files
    # still before M5: the card offers the redraft again; after M5 it is gone
    card = _card(slack, aid)
    find_button(card, "M4")
    assert slack.standin.state.calls("files.completeUploadExternal")


def test_show_before_signing_says_no_sla_is_signed_yet(slack: SlackClient) -> None:
    """Before M5 there is no SLA version in effect: `/sla show` says so, never "v0"."""
    aid = drive(slack.app.db, "M5", Clock(), customer="Unsigned Co").agreement_id
    resp = slack.command(USERS[Role.SALES], f"show {aid}")
    assert resp.status_code == 200
    shown = json.dumps(resp.json(), ensure_ascii=False)
    assert ("尚未签署（M5）" if slack.locale == "zh-CN" else "not signed yet (M5)") in shown
    assert "\\nv0" not in shown


def test_the_redraft_modal_starts_from_the_previous_draft(slack: SlackClient) -> None:
    """The negotiated values of the draft it replaces, not the catalogue entry's."""
    f = forms()["M4"]
    negotiated = {"price": "111500", "availability_pct": "99.5", "negotiation": "Fixed term"}
    aid = drive(
        slack.app.db, "M5", Clock(), customer="Negotiated Co", override={"M4": negotiated}
    ).agreement_id
    slack.dispatch()
    user, card = USERS[Role.SALES], _card(slack, aid)
    state = slack.standin.state
    before = len(state.calls("views.open"))
    assert slack.click(user, find_button(card, "M4"), message=card).status_code == 200
    wait_for(lambda: len(state.calls("views.open")) > before, what="views.open")
    view = state.open_views(user)[-1]
    state.close_views(user)
    shown = {
        b["block_id"]: b["element"].get("initial_value")
        for b in view["blocks"]
        if b.get("type") == "input"
    }
    assert Decimal(shown["sla-f-price"]) == Decimal("111500")
    assert Decimal(shown["sla-f-availability_pct"]) == Decimal("99.5")
    assert Decimal(f["price"]) != Decimal("111500")  # the sample's (and the entry's) differ
