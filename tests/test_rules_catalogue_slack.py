"""Issue 9, rules 8 and 9, through Slack (signed requests to the app, the local Slack
stand-in), in both languages: M3 with an empty catalogue offers the catalogue entry modal,
M4 picks from the offer prefilled from the entry and flags deviations in its thread reply,
and the card shows a signed additional SLA until the sweep puts it into effect."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.flows.roles import Role
from bot.scheduler.sweeps import Sweeper
from store.catalogue import current_entries, save_entry
from store.models import AuditEvent
from store.queries import get_agreement
from tests.slack_support import (
    CHANNEL,
    SlackClient,
    buttons,
    fill,
    find_button,
    slack_world,
    wait_for,
    zh,
)
from tests.support import USERS, Clock, drive

SALES, SLM = USERS[Role.SALES], USERS[Role.SLM]
DB_OPS = {
    "code": "DB-OPS",
    "name": "Database operations",
    "tier": 2,
    "price": "120000",
    "availability_pct": "99.9",
    "targets": {"P1": {"response_min": 30, "resolution_min": 240}},
}


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def slack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SlackClient]:
    with slack_world(tmp_path_factory.mktemp("c"), request.param) as client:
        yield client


def card_of(slack: SlackClient, agreement_id: str) -> dict[str, Any]:
    slack.dispatch()
    cards = [
        m
        for m in slack.standin.state.messages(CHANNEL)
        if agreement_id in json.dumps(m.get("blocks", []))
    ]
    assert cards, f"no card for {agreement_id}"
    return cards[-1]


def open_modal(slack: SlackClient, user: str, card: dict[str, Any], action: str) -> dict[str, Any]:
    state = slack.standin.state
    state.close_views(user)
    n = len(state.calls("views.open"))
    slack.click(user, find_button(card, action), message=card)
    wait_for(lambda: len(state.calls("views.open")) > n, what=f"{action} modal")
    return state.open_views(user)[-1]


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


def test_empty_catalogue_m3_offers_the_entry_modal(slack: SlackClient) -> None:
    db = slack.app.db
    clock = Clock()
    with db.read() as s:
        active = [e for e in current_entries(s)]
    for e in active:  # no active entry: nothing to offer
        save_entry(db, {**DB_OPS, "code": e.code, "active": False}, actor=SLM, now=clock())
    ag = drive(db, "M3", clock).agreement_id
    view = open_modal(slack, SLM, card_of(slack, ag), "M3")
    shown = json.dumps(view, ensure_ascii=False)
    assert not inputs(view) and not view.get("submit"), "no free text M4 would reject"
    assert ("服务目录中还没有有效条目" if zh(slack) else "no active entry yet") in shown
    (add,) = buttons(view)
    state = slack.standin.state
    slack.click(SLM, add, view=view)
    wait_for(lambda: len(state.open_views(SLM)) == 2, what="catalogue modal pushed")
    entry_view = state.open_views(SLM)[-1]
    assert entry_view["callback_id"] == "sla-catalog"
    code = "WEB-OPS" if zh(slack) else "APP-OPS"
    values = fill(
        entry_view,
        {
            "cat-code": code,
            "cat-name": "Web operations",
            "cat-tier": "2",
            "cat-price": "80000",
            "cat-availability_pct": "99.5",
        },
    )
    assert slack.submit(SLM, entry_view, values).status_code == 200
    # the M3 modal below now lists the new entry
    wait_for(
        lambda: code in json.dumps(inputs(state.open_views(SLM)[0])),
        what="M3 modal updated with the entry",
    )
    with db.read() as s:
        steps = s.execute(
            select(col(AuditEvent.step)).where(
                col(AuditEvent.agreement_id) == ag, col(AuditEvent.action) == "catalogue.save"
            )
        ).scalars()
        assert list(steps) == ["M3"]
    m3 = state.open_views(SLM)[0]
    state.close_views(SLM, all_views=False)
    assert slack.submit(SLM, m3, fill(m3, {"entries": [code]})).status_code == 200
    wait_for(lambda: "M4" in get_agreement(db, ag).row.pending, what="M4 open")


def test_m4_picks_from_the_offer_prefilled_and_flags_deviations(slack: SlackClient) -> None:
    db = slack.app.db
    clock = Clock()
    save_entry(db, DB_OPS, actor=SLM, now=clock())  # active (again)
    save_entry(db, {**DB_OPS, "code": "NOT-OFFERED"}, actor=SLM, now=clock())
    ag = drive(db, "M4", clock).agreement_id  # M3 offered DB-OPS
    view = open_modal(slack, SALES, card_of(slack, ag), "M4")
    fields = inputs(view)
    assert [o["value"] for o in fields["sla-f-entry"]["options"]] == ["DB-OPS"]
    assert fields["sla-f-entry"]["initial_option"]["value"] == "DB-OPS"
    assert fields["sla-f-price"]["initial_value"] == "120000"
    assert fields["sla-f-availability_pct"]["initial_value"] == "99.9"
    assert fields["sla-f-tier"]["initial_option"]["value"] == "2"
    data = {
        "entry": "DB-OPS",
        "tier": "2",
        "start_date": "2026-04-01",
        "end_date": "2027-03-31",
        "price": "100000",
        "availability_pct": "99.9",
        "capacity": "DBA team has 2 FTE free",
        "review_cadence": "quarterly",
    }
    assert slack.submit(SALES, view, fill(view, data)).status_code == 200
    wait_for(lambda: "M5" in get_agreement(db, ag).row.pending, what="M5 open")
    slack.dispatch()
    replies = json.dumps(slack.standin.state.messages(CHANNEL, replies=True), ensure_ascii=False)
    if zh(slack):
        assert "与服务目录的偏差（DB-OPS）" in replies and "目录为 120000，草案为 100000" in replies
    else:
        assert "Deviations from the catalogue (DB-OPS)" in replies
        assert "catalogue 120000, drafted 100000" in replies


def test_choosing_another_entry_refills_the_draft(slack: SlackClient) -> None:
    """M4 with two entries offered: choosing the other one updates the modal (views.update)
    with that entry's tier, price, availability and targets; what else was typed stays."""
    db, clock = slack.app.db, Clock()
    save_entry(db, DB_OPS, actor=SLM, now=clock())
    net = {
        **DB_OPS,
        "code": "NET-OPS",
        "name": "Network operations",
        "tier": 1,
        "price": "90000",
        "availability_pct": "99.5",
        "targets": {"P1": {"response_min": 15, "resolution_min": 120}},
    }
    save_entry(db, net, actor=SLM, now=clock())
    offer = {"M3": {"entries": ["DB-OPS", "NET-OPS"]}}
    ag = drive(db, "M4", clock, customer="Two Entries Co", override=offer).agreement_id
    view = open_modal(slack, SALES, card_of(slack, ag), "M4")
    entry = next(b for b in view["blocks"] if b.get("block_id") == "sla-f-entry")
    assert entry["dispatch_action"] is True
    assert inputs(view)["sla-f-price"]["initial_value"] == "120000"
    typed = fill(view, {"price": "118000", "capacity": "Two DBAs from April"})
    state = slack.standin.state
    n = len(state.calls("views.update"))
    r = slack.choose(SALES, view, "sla-f-entry", "NET-OPS", typed)
    assert r.status_code == 200
    wait_for(lambda: len(state.calls("views.update")) > n, what="views.update")
    fields = inputs(state.open_views(SALES)[-1])
    assert fields["sla-f-entry"]["initial_option"]["value"] == "NET-OPS"
    assert fields["sla-f-price"]["initial_value"] == "90000"
    assert fields["sla-f-availability_pct"]["initial_value"] == "99.5"
    assert fields["sla-f-tier"]["initial_option"]["value"] == "1"
    assert fields["sla-f-targets"]["initial_value"] == "P1: 15/120"
    assert fields["sla-f-capacity"]["initial_value"] == "Two DBAs from April"
    state.close_views(SALES)


def test_card_shows_the_signed_sla_until_the_sweep_switches(slack: SlackClient) -> None:
    db = slack.app.db
    clock = Clock()
    save_entry(db, DB_OPS, actor=SLM, now=clock())
    effective = clock.now.date() + timedelta(days=45)
    c2 = {"effective_from": effective.isoformat(), "supplier_changes_needed": False}
    ag = drive(db, "C4", clock, override={"C2": c2}).agreement_id  # C3 signed
    card = json.dumps(card_of(slack, ag), ensure_ascii=False)
    assert get_agreement(db, ag).sla_version == 1
    if zh(slack):
        assert f"SLA v2（2级）已签署，将于 {effective.isoformat()} 生效" in card
    else:
        assert f"SLA v2 (tier 2) is signed and takes effect on {effective.isoformat()}" in card
    resp = slack.command(SLM, f"show {ag}")  # /sla show says the same
    assert resp.status_code == 200
    shown = json.dumps(resp.json(), ensure_ascii=False)
    assert (
        f"将于 {effective.isoformat()} 生效" if zh(slack) else "is signed and takes effect"
    ) in shown
    at = datetime.combine(effective, datetime.min.time(), UTC) + timedelta(hours=1)
    assert Sweeper(db).run(at).switched == [ag]
    card = json.dumps(card_of(slack, ag), ensure_ascii=False)
    assert "已签署" not in card and "is signed" not in card
    assert get_agreement(db, ag).sla_version == 2
    # the thread is told once, in the reader's language; a later sweep adds nothing
    assert Sweeper(db).run(at + timedelta(minutes=1)).switched == []
    slack.dispatch()
    texts = [m.get("text", "") for m in slack.standin.state.messages(CHANNEL, replies=True)]
    told = (
        f"附加服务级别协议 v2（2级）已于生效日期 {effective.isoformat()} 生效"
        if zh(slack)
        else f"Additional SLA v2 (tier 2) took effect on its date, {effective.isoformat()}"
    )
    assert sum(told in text for text in texts) == 1


def test_c1_updates_an_entry_from_its_modal_audited_under_c1(slack: SlackClient) -> None:
    db = slack.app.db
    clock = Clock()
    save_entry(db, DB_OPS, actor=SLM, now=clock())
    ag = drive(db, "C1", clock).agreement_id
    view = open_modal(slack, SLM, card_of(slack, ag), "C1")
    assert [o["value"] for o in inputs(view)["sla-f-entries"]["options"]].count("DB-OPS") == 1
    (add,) = [b for b in buttons(view) if b["action_id"] == "sla-catalog-edit"]
    state = slack.standin.state
    slack.click(SLM, add, view=view)
    wait_for(lambda: len(state.open_views(SLM)) == 2, what="catalogue modal pushed")
    entry_view = state.open_views(SLM)[-1]
    updated = {f"cat-{k}": v for k, v in DB_OPS.items() if k != "targets"} | {"cat-price": "125000"}
    assert slack.submit(SLM, entry_view, fill(entry_view, updated)).status_code == 200
    with db.read() as s:
        rows = s.execute(
            select(col(AuditEvent.step), col(AuditEvent.data)).where(
                col(AuditEvent.agreement_id) == ag, col(AuditEvent.action) == "catalogue.save"
            )
        ).all()
    assert [(step, data["code"], data["price"]) for step, data in rows] == [
        ("C1", "DB-OPS", "125000")
    ]
