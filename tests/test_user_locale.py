"""Per-user language: each person's choice on App Home (stored, audited), else their Slack
client's locale (`users.info` with `include_locale`, cached), else SLM_LOCALE; replies, modals,
errors and App Home follow it; the stand-in answers users.info."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.blocks.ids import ActionId, BlockId
from bot.history import event_words
from bot.i18n import LOCALES
from bot.slack_standin.server import StandinServer
from bot.slack_standin.testing import assert_no_violations, running_standin
from store.db import Database
from store.user_prefs import choose_locale, chosen_locale
from tests.dbs import sqlite_db
from tests.slack_support import TEAM, SlackClient, serve_app, wait_for
from tests.support import PEOPLE, setup_world

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
_CJK = re.compile(r"[\u4e00-\u9fff]")
ZH_USER, EN_USER, PLAIN_USER = "U_ZH_SLACK", "U_EN_SLACK", "U_NO_LOCALE"


def test_choice_is_stored_with_its_audit_event(empty_db: Database) -> None:
    assert chosen_locale(empty_db, "U1") is None
    assert choose_locale(empty_db, "U1", "zh-CN", now=NOW)
    assert chosen_locale(empty_db, "U1") == "zh-CN"
    assert not choose_locale(empty_db, "U1", "zh-CN", now=NOW)  # nothing changed, no event
    assert choose_locale(empty_db, "U1", None, now=NOW)  # back to Slack's language
    assert chosen_locale(empty_db, "U1") is None
    with pytest.raises(ValueError, match="unknown language"):
        choose_locale(empty_db, "U1", "fr", now=NOW)
    from sqlalchemy import select
    from sqlmodel import col

    from store.models import AuditEvent

    with empty_db.read() as s:
        events = s.execute(select(AuditEvent).where(col(AuditEvent.action) == "user.locale")).all()
    assert len(events) == 2
    for locale in LOCALES:
        row = {"kind": "user.locale", "actor": "U1", "data": {"locale": "zh-CN"}}
        assert "{{" not in event_words(row, locale)


@pytest.fixture(scope="module")
def standin() -> Iterator[StandinServer]:
    with running_standin() as server:
        for user in PEOPLE:
            server.state.add_user(user, user.lower())
        server.state.add_user(ZH_USER, "zh.user", locale="zh-CN")
        server.state.add_user(EN_USER, "en.user", locale="en-US")
        server.state.add_user(PLAIN_USER, "plain.user")
        yield server


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory, standin: StandinServer) -> Iterator[Any]:
    with sqlite_db(tmp_path_factory.mktemp("locale")) as db:
        setup_world(db)
        with serve_app(db, standin, locale="en") as app:
            client = SlackClient(app, standin)
            yield client, db
            client.close()
    assert_no_violations(standin.state)


def _help_reply(client: SlackClient, user: str) -> str:
    """`/sla help`: answered in the HTTP response (ephemeral)."""
    resp = client.command(user, "help")
    assert resp.status_code == 200
    return str(resp.json())


def _home(client: SlackClient, user: str) -> dict[str, Any]:
    client.post_raw(
        __import__("json").dumps(
            {
                "type": "event_callback",
                "team_id": TEAM,
                "api_app_id": "A0SLM",
                "event_id": f"Ev{time.time_ns()}",
                "event_time": int(time.time()),
                "event": {"type": "app_home_opened", "user": user, "tab": "home"},
            }
        ),
        "application/json",
    )
    return wait_for(lambda: client.standin.state.home(user), what="the App Home")  # type: ignore[no-any-return]


def _choose(client: SlackClient, user: str, value: str) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0SLM",
        "token": "legacy",
        "trigger_id": client.standin.state.new_trigger_id(user),
        "container": {"type": "view", "view_id": "V0"},
        "view": {"id": "V0", "type": "home"},
        "actions": [
            {
                "type": "static_select",
                "action_id": ActionId.HOME_LANGUAGE.value,
                "block_id": BlockId.HOME_LANGUAGE.value,
                "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    assert client.interactive(payload).status_code == 200


def test_slack_locale_then_choice_then_default(slack: Any) -> None:
    client, db = slack
    # Slack says zh-CN for this person: the bot answers them in Chinese though the default is en
    assert _CJK.search(_help_reply(client, ZH_USER))
    assert not _CJK.search(_help_reply(client, EN_USER))
    assert not _CJK.search(_help_reply(client, PLAIN_USER))  # Slack says nothing: SLM_LOCALE
    asked = [c for c in client.standin.state.calls("users.info")]
    assert asked and all(c.args.get("include_locale") in (True, "true", "1") for c in asked)
    count = len(asked)
    _help_reply(client, ZH_USER)
    assert len(client.standin.state.calls("users.info")) == count, "Slack's answer is cached"
    # their App Home is in their language, with the language choice on it
    home = _home(client, ZH_USER)
    assert _CJK.search(str(home["blocks"][0]))
    select = next(b for b in home["blocks"] if b.get("block_id") == BlockId.HOME_LANGUAGE)
    assert select["elements"][0]["initial_option"]["value"] == "slack"
    # they choose English on App Home: stored, the desk and the replies follow
    _choose(client, ZH_USER, "en")
    wait_for(lambda: chosen_locale(db, ZH_USER) == "en", what="the stored choice")
    assert not _CJK.search(_help_reply(client, ZH_USER))
    home = wait_for(
        lambda: (
            (h := client.standin.state.home(ZH_USER)) and not _CJK.search(str(h["blocks"][0])) and h
        ),
        what="the App Home in English",
    )
    select = next(b for b in home["blocks"] if b.get("block_id") == BlockId.HOME_LANGUAGE)
    assert select["elements"][0]["initial_option"]["value"] == "en"
    # and an English-speaking Slack user may choose Chinese
    _choose(client, EN_USER, "zh-CN")
    wait_for(lambda: chosen_locale(db, EN_USER) == "zh-CN", what="the stored choice")
    assert _CJK.search(_help_reply(client, EN_USER))
    # back to "as my Slack"
    _choose(client, ZH_USER, "slack")
    wait_for(lambda: chosen_locale(db, ZH_USER) is None, what="the choice forgotten")
    assert _CJK.search(_help_reply(client, ZH_USER))


async def test_choices_are_cached_and_remembered(empty_db: Database) -> None:
    from bot.user_locale import LocaleResolver

    resolver = LocaleResolver(empty_db, "en", choice_ttl=3600)
    assert await resolver.for_user("U7", None) == "en"
    choose_locale(empty_db, "U7", "zh-CN", now=NOW)  # another process stores a choice
    assert await resolver.for_user("U7", None) == "en"  # read again after choice_ttl
    resolver.remember("U7", "zh-CN")  # the process that stored it knows at once
    assert await resolver.for_user("U7", None) == "zh-CN"
    fresh = LocaleResolver(empty_db, "en", choice_ttl=0)
    assert await fresh.for_user("U7", None) == "zh-CN"
    assert await fresh.for_user(None, None) == "en"
