"""The sandbox page behaves like Slack, in a real browser (Playwright on Debian's Chromium):
modals belong to the persona who opened them, multi-selects toggle one option per click, the
page's own words follow the locale (no English left in the zh-CN page), emoji are images, a
reply to a command scrolls into view, the DM badge clears. Saves screenshots of the M1 modal
with errors, a card, `/sla show` and App Home in both languages to artifacts/screenshots/.

Skipped with a reason when /usr/bin/chromium or Playwright is missing, except under CI."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from bot.sandbox import Sandbox
from tests.test_sandbox_browser import (
    ADMIN,
    ARGS,
    CHROMIUM,
    SALES,
    SHOTS,
    SLM,
    _browser_missing,
    as_persona,
    card,
    command,
    fill_modal,
    to_channel,
)

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator, Page

LOCALES = ("en", "zh-CN")
#: words that may stay Latin in the zh-CN page: the product's and Slack's names, commands, ids
#: the demo's agreement numbers in the sandbox the page shows
DEMO: list[str] = []
LATIN_OK = {"slm", "bot", "sla", "help", "http", "ola", "app", "slack"}


@pytest.fixture(scope="module")
def context() -> Iterator[BrowserContext]:
    reason = _browser_missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the browser tests")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="sandbox-ux-") as profile, sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            viewport={"width": 1400, "height": 900},
        )
        try:
            yield ctx
        finally:
            ctx.close()


@pytest.fixture(scope="module", params=LOCALES)
def page(
    request: pytest.FixtureRequest,
    context: BrowserContext,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Page]:
    locale = str(request.param)
    box = Sandbox(
        tmp_path_factory.mktemp(f"ux-{locale}") / "sandbox.db", port=0, demo=True, locale=locale
    ).start()
    DEMO[:] = box.seeded  # numbered in the year they were made: never written in a test
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.goto(box.url)
    pg.evaluate("localStorage.clear()")
    pg.reload()
    pg.wait_for_selector("#main .messages")
    pg.locale = locale  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        pg.close()
        box.stop()
    assert not errors, f"errors in the page: {errors}"


def steady(page: Page) -> None:
    """Wait until the page has had no new state for a moment (a render replaces the DOM)."""
    page.wait_for_function(
        """() => new Promise((ok) => {
            const v = document.body.dataset.version;
            setTimeout(() => ok(document.body.dataset.version === v), 400);
        })"""
    )


def snap(page: Page, target: Locator, name: str) -> None:
    """Scroll to `target` and photograph it. The page re-renders when new state arrives (the
    demo's sweeps post too), which can detach the element mid-way: wait and try again."""
    from playwright.sync_api import Error as PlaywrightError

    problem = ""
    for _ in range(6):
        steady(page)
        try:
            target.scroll_into_view_if_needed()
            target.screenshot(path=str(SHOTS / f"{page.locale}-{name}.png"))  # type: ignore[attr-defined]
            return
        except PlaywrightError as exc:
            problem = str(exc).splitlines()[0]
    raise AssertionError(f"could not photograph {name}: {problem}")


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{page.locale}-{name}.png"))  # type: ignore[attr-defined]


def test_a_modal_belongs_to_the_persona_who_opened_it(page: Page) -> None:
    as_persona(page, SALES)
    to_channel(page)
    command(page, "/sla new")
    page.wait_for_selector("#modal .bk-input")
    view_id = page.get_attribute("#modal", "data-view-id")
    page.locator('#modal [data-block-id="sla-f-customer"] input').fill("Half Typed Ltd")
    as_persona(page, SLM)
    page.wait_for_function("!document.getElementById('modal')")
    page.wait_for_selector(f'body[data-persona="{SLM}"][data-version]')
    assert page.locator("#modal").count() == 0
    as_persona(page, SALES)
    page.wait_for_selector(f'#modal[data-view-id="{view_id}"][data-persona="{SALES}"]')
    # the persona submits their own modal: Slack's client answers its required fields
    page.click("#modal .modal-submit")
    page.locator("#modal .bk-has-error").first.wait_for()
    page.click("#modal .modal-x")
    page.wait_for_selector("#modal", state="detached")


def test_m1_errors_in_the_readers_language(page: Page) -> None:
    as_persona(page, SALES)
    to_channel(page)
    command(page, "/sla new")
    page.wait_for_selector("#modal .bk-input")
    fill_modal(
        page,
        {
            "customer": "Screen Shot Co",
            "contact": "Ann, 555 0100",
            "services": ["Database operations"],
            "tier": "2",
            "workload": "Two databases",
            "start_date": "2027-03-01",
            "end_date": "2027-01-01",
        },
    )
    page.click("#modal .modal-submit")
    error = page.locator('#modal [data-block-id="sla-f-end_date"] .bk-error')
    error.wait_for()
    text = error.inner_text()
    if page.locale == "zh-CN":  # type: ignore[attr-defined]
        assert "请选择晚于" in text and "2027-03-01" in text
    else:
        assert text == "Pick a date after the requested start (2027-03-01)."
    assert not re.search(r"Input should|Value error|String should", text)
    error.scroll_into_view_if_needed()
    shot(page, "m1-modal-errors")
    page.click("#modal .modal-x")
    page.wait_for_selector("#modal", state="detached")


def test_a_multi_select_toggles_one_option_per_click(page: Page) -> None:
    as_persona(page, ADMIN)
    to_channel(page)
    command(page, "/sla roles")
    page.wait_for_selector("#modal .bk-multi")
    block = page.locator('#modal [data-block-id="sla-role-slm"]')
    before = {c.get_attribute("data-value") for c in block.locator(".bk-chip").all()}
    assert before >= {"U0SLM0001", "U0SLM0002"}
    block.locator(".bk-multi-box").click()
    option = block.locator(f'.bk-multi-option[data-value="{SALES}"]')
    assert option.get_attribute("aria-checked") == "false"
    option.click()
    after = {c.get_attribute("data-value") for c in block.locator(".bk-chip").all()}
    assert after == before | {SALES}, "a click must add one, never deselect the others"
    assert block.locator(f'.bk-multi-option[data-value="{SALES}"]').get_attribute(
        "aria-checked"
    ) == ("true")
    shot(page, "roles-multi-select")
    block.locator(f'.bk-multi-option[data-value="{SALES}"]').click()
    assert {c.get_attribute("data-value") for c in block.locator(".bk-chip").all()} == before
    block.locator(f'.bk-chip[data-value="{SLM}"] .bk-chip-remove').click()
    assert {c.get_attribute("data-value") for c in block.locator(".bk-chip").all()} == (
        before - {SLM}
    )
    page.click("#modal .modal-x")
    page.wait_for_selector("#modal", state="detached")


def test_a_reply_scrolls_into_view(page: Page) -> None:
    as_persona(page, SALES)
    to_channel(page)
    for _ in range(2):
        command(page, "/sla list all")
    page.wait_for_function(
        "document.querySelectorAll('#main .messages > .msg.ephemeral').length >= 2"
    )
    page.evaluate("document.querySelector('#main .messages').scrollTop = 0")
    count = page.locator("#main .messages > .msg").count()
    command(page, "/sla help")
    page.wait_for_function(f"document.querySelectorAll('#main .messages > .msg').length > {count}")
    page.wait_for_timeout(200)
    visible = page.evaluate(
        """() => {
            const list = document.querySelector('#main .messages');
            const last = list.querySelector(':scope > .msg:last-of-type');
            const a = list.getBoundingClientRect(), b = last.getBoundingClientRect();
            return b.top < a.bottom && b.bottom > a.top;
        }"""
    )
    assert visible, "the reply to the command is below the fold"


def test_card_show_and_home_screenshots(page: Page) -> None:
    as_persona(page, SALES)
    to_channel(page)
    snap(page, card(page, "Acme Logistics"), "card")
    command(page, f"/sla show {DEMO[1]}")
    shown = page.locator("#main .msg.ephemeral", has_text=DEMO[1]).last
    shown.wait_for()
    snap(page, shown, "sla-show")
    text = shown.inner_text()
    assert "M9 · " in text
    assert "agreement.create" not in text and "M9.review" not in text
    page.click('[data-nav="home"]')
    page.locator("#main .home .bk-header").first.wait_for()
    shot(page, "app-home")


def test_dm_badge_clears_when_opened(page: Page) -> None:
    as_persona(page, SLM)
    to_channel(page)
    page.wait_for_selector('[data-nav="dm"] .count')
    page.click('[data-nav="dm"]')
    page.wait_for_selector("#main .messages")
    assert page.locator('[data-nav="dm"] .count').count() == 0
    to_channel(page)
    assert page.locator('[data-nav="dm"] .count').count() == 0


def test_emoji_are_images(page: Page) -> None:
    out = page.evaluate(
        """async () => {
            const root = BlockKit.render([
              { type: "section", text: { type: "mrkdwn", text: "❗ due ⏰ soon ✅ 🎉 ⚠️" } },
              { type: "header", text: { type: "plain_text", text: "📋 Tasks" } },
            ], {});
            document.body.appendChild(root);
            const imgs = Array.from(root.querySelectorAll("img.emoji"));
            await Promise.all(imgs.map((i) => i.decode()));  // rejects on a broken image
            const ok = imgs.every((i) => i.complete && i.naturalWidth > 0);
            const left = root.textContent.match(/\\p{Extended_Pictographic}/gu);
            root.remove();
            return { count: imgs.length, ok, left, alts: imgs.map((i) => i.alt).join("") };
        }"""
    )
    assert out["count"] == 6 and out["ok"] and out["left"] is None, out
    assert "❗" in out["alts"] and "⏰" in out["alts"]
    # and on the page: no emoji character is left as text anywhere
    as_persona(page, SALES)
    page.click('[data-nav="dm"]')
    page.wait_for_selector("#main .messages")
    to_channel(page)
    left = page.evaluate(
        """() => {
            const out = [];
            const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let n = walk.nextNode(); n; n = walk.nextNode()) {
              if (n.parentElement.closest("script, style, option, textarea")) continue;
              const m = n.nodeValue.match(/\\p{Extended_Pictographic}/gu);
              if (m) out.push(...m.filter((c) => !"©®™↔".includes(c)));
            }
            return out;
        }"""
    )
    assert left == [], left


def test_the_page_speaks_the_locale(page: Page) -> None:
    """The page's own words (not the bot's messages, not names) are in the page's language:
    in zh-CN no English word is left in the chrome around the bot's content."""
    as_persona(page, SALES)
    to_channel(page)
    command(page, "/sla list all")
    page.locator("#main .msg.ephemeral").last.wait_for()
    card(page, "Acme Logistics").locator(".replies").first.click()
    page.wait_for_selector("#thread .composer")
    command(page, "/sla new")
    page.wait_for_selector("#modal .bk-input")
    page.click("#modal .modal-submit")  # Slack's client answers the required fields
    page.locator("#modal .bk-has-error").first.wait_for()
    shot(page, "page-chrome")
    words = page.evaluate(
        """() => {
            const names = new Set();
            const d = window.SandboxApp.app.data;
            Object.values(d.users).forEach((u) => { names.add(u.name); names.add(u.real_name); });
            d.channels.forEach((c) => names.add(c.name));
            d.personas.forEach((p) => names.add(p.name.split(" (")[0]));
            const bot = ".bk-blocks, .msg-content, .modal-title, .modal-close, .modal-submit, " +
              ".author";
            const chrome = ".bk-error, .bk-optional, .bk-multi-search, .bk-check";
            const texts = [];
            const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let n = walk.nextNode(); n; n = walk.nextNode()) {
              const el = n.parentElement;
              if (el.closest("script, style")) continue;
              if (el.closest(bot) && !el.closest(chrome)) continue;
              texts.push(n.nodeValue);
            }
            document.querySelectorAll("[placeholder], [title], [aria-label]").forEach((el) => {
              if (el.closest(".bk-blocks") && !el.closest(".bk-multi")) return;
              ["placeholder", "title", "aria-label"].forEach((a) => {
                if (el.getAttribute(a)) texts.push(el.getAttribute(a));
              });
            });
            texts.push(document.title);
            let all = texts.join(" \\n ");
            Array.from(names).filter(Boolean).sort((a, b) => b.length - a.length)
              .forEach((name) => { all = all.split(name).join(" "); });
            return all;
        }"""
    )
    latin = {w.lower() for w in re.findall(r"[A-Za-z]{2,}", words)}
    if page.locale == "zh-CN":  # type: ignore[attr-defined]
        assert latin <= LATIN_OK, f"English left in the zh-CN page: {sorted(latin - LATIN_OK)}"
        assert re.search(r"[\u4e00-\u9fff]", words)
    else:
        assert {"channels", "send"} <= latin
    page.click("#modal .modal-x")
    page.wait_for_selector("#modal", state="detached")
