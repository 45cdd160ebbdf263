"""Documents in Slack: `/sla doc ID [kind] [vN]`, the document lines of `/sla show`, the card's
link to the SLA in effect and the files in a step's thread, in both languages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.flows.roles import Role
from tests.slack_support import CHANNEL, SlackClient, slack_world
from tests.support import USERS, Clock, drive

HOURS = {
    "en": "7x12: every day 08:00-20:00 Asia/Shanghai, public holidays excluded",
    "zh-CN": "7x12：每天 08:00-20:00（Asia/Shanghai），法定节假日除外",
}


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def slack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SlackClient]:
    with slack_world(tmp_path_factory.mktemp("d"), request.param) as client:
        yield client


def ack(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def test_sla_doc_show_and_card(slack: SlackClient) -> None:
    loc: str = slack.locale
    aid = drive(slack.app.db, "M6", Clock()).agreement_id  # signed at M5
    sla = f"{aid}/SLA/v1"
    body = ack(slack.command(USERS[Role.SALES], f"doc {aid.lower()}"))
    listing = json.dumps(body, ensure_ascii=False)
    assert sla in listing and f"{aid}/CON/v1" in listing and f"{aid}/REQ-D/v1" in listing
    assert ("in effect" if loc == "en" else "生效") in listing
    body = ack(slack.command(USERS[Role.SALES], f"doc {aid} sla v1"))
    text = json.dumps(body, ensure_ascii=False)
    assert sla in text and "Acme Logistics" in text and HOURS[loc] in text
    assert ack(slack.command(USERS[Role.SALES], f"doc {aid}  SLA"))["blocks"] == body["blocks"]
    # unknown kind, version, agreement: one clear line, nothing else
    body = ack(slack.command(USERS[Role.SALES], f"doc {aid} memo"))
    assert "memo" in body["text"] and "blocks" not in body
    body = ack(slack.command(USERS[Role.SALES], f"doc {aid} sla v9"))
    assert "v9" in body["text"]
    body = ack(slack.command(USERS[Role.SALES], f"doc {aid} notice"))
    assert aid in body["text"]
    body = ack(slack.command(USERS[Role.SALES], "doc SLA-2099-0042"))
    assert "SLA-2099-0042" in body["text"]
    # /sla show lists the documents with number, version and status
    body = ack(slack.command(USERS[Role.SLM], f"show {aid}"))
    assert f"`{sla}`" in json.dumps(body, ensure_ascii=False)
    # the card names the SLA in effect, once the dispatcher sent it
    slack.dispatch()
    card = next(m for m in slack.standin.state.messages(CHANNEL) if str(m["text"]).startswith(aid))
    assert sla in json.dumps(card["blocks"])
