"""The sandbox page in a real browser (Playwright driving Debian's Chromium): an agreement from
`/sla new` to "in service" by modals and buttons as the right personas, a field error, a
refused click, the App Home desk, and every view and message the bot produced rendered
without a placeholder. Screenshots of the main screens go to artifacts/screenshots/.

Skipped with a reason when /usr/bin/chromium or Playwright is missing, except under CI."""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from bot.blocks.context import StepContext
from bot.flows.process import ACTIONS
from bot.flows.samples import sample_forms
from bot.handlers.catalog_modal import catalog_modal
from bot.handlers.modals import step_modal
from bot.sandbox import Sandbox
from bot.sandbox.workspace import CHANNEL
from bot.slack_standin.testing import assert_no_violations
from store.demo import HEADS

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator, Page

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
SALES, SLM, OPS = "U0SALES01", "U0SLM0001", "U0OPS0001"
CONTRACTS, ADMIN = "U0CON0001", "U0ADM0001"
CUSTOMER = "Browser Flow Co"


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e .[dev])"
    return None


@pytest.fixture(scope="module")
def context() -> Iterator[BrowserContext]:
    reason = _browser_missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the browser tests")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="sandbox-chromium-") as profile, sync_playwright() as p:
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


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path_factory.mktemp("browser") / "sandbox.db", port=0, demo=True).start()
    try:
        yield box
    finally:
        box.stop()
    assert_no_violations(box.state)


@pytest.fixture(scope="module")
def page(context: BrowserContext, sandbox: Sandbox) -> Iterator[Page]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.goto(sandbox.url)
    pg.wait_for_selector("#main .messages")
    yield pg
    pg.close()
    assert not errors, f"errors in the page: {errors}"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def as_persona(page: Page, user: str) -> None:
    page.select_option("#persona", user)
    page.wait_for_selector(f'body[data-persona="{user}"]')


def to_channel(page: Page) -> None:
    page.click(f'[data-nav="channel"][data-id="{CHANNEL}"]')
    page.wait_for_selector("#main .composer")


def command(page: Page, text: str) -> None:
    box = page.locator("#main .composer textarea")
    box.fill(text)
    box.press("Enter")


def card(page: Page, customer: str = CUSTOMER) -> Locator:
    return page.locator("#main .msg", has=page.locator(".bk-header", has_text=customer))


def step_button(scope: Locator, step: str) -> Locator:
    return scope.get_by_role("button", name=re.compile(rf"^{re.escape(step)} ·|· {step}$"))


def fill_modal(page: Page, data: dict[str, Any]) -> None:
    modal = page.locator("#modal")
    for name, value in data.items():
        block = modal.locator(f'[data-block-id="sla-f-{name}"]')
        if not block.count():
            continue
        kind = block.locator("[data-element-type]").first.get_attribute("data-element-type")
        if kind in ("plain_text_input", "number_input", "datepicker"):
            text = "\n".join(value) if isinstance(value, list) else str(value)
            block.locator("input, textarea").first.fill(text)
        elif kind in ("static_select", "users_select"):
            block.locator("select").select_option(value)
        elif kind in ("multi_static_select", "multi_users_select"):
            choose_many(block, [value] if isinstance(value, str) else list(value))
        elif kind == "radio_buttons":
            block.locator(f'input[value="{value}"]').check()
        elif kind == "checkboxes":
            block.locator('input[value="true"]').set_checked(bool(value))
        else:
            raise AssertionError(f"no way to fill {name} ({kind})")


def choose_many(block: Locator, values: list[str]) -> None:
    """A Slack-like multi-select: open its menu, click the options whose state differs (a click
    toggles one), close it."""
    block.locator(".bk-multi-box").click()
    chosen = {c.get_attribute("data-value") or "" for c in block.locator(".bk-chip").all()}
    for value in sorted(chosen.symmetric_difference(values)):
        block.locator(f'.bk-multi-option[data-value="{value}"]').click()
    block.locator(".bk-multi-search").press("Escape")
    assert {c.get_attribute("data-value") for c in block.locator(".bk-chip").all()} == set(values)


def submit(page: Page) -> None:
    page.click("#modal .modal-submit")
    page.wait_for_selector("#modal", state="detached")


def step(page: Page, persona: str, action: str, data: dict[str, Any]) -> None:
    as_persona(page, persona)
    step_button(card(page), action).first.click()
    page.wait_for_selector("#modal .bk-input")
    fill_modal(page, data)
    submit(page)


def test_agreement_from_request_to_service(page: Page) -> None:
    forms = sample_forms(date.today() + timedelta(days=20), customer=CUSTOMER, owner=OPS)
    forms["M4"]["suppliers_needed"] = False  # no supplier contract: M6 is skipped
    as_persona(page, SALES)
    to_channel(page)
    shot(page, "01-agreements-channel")
    command(page, "/sla new")
    page.wait_for_selector("#modal .bk-input")
    shot(page, "02-new-request-modal")
    fill_modal(page, forms["M1"] | {"end_date": "2020-01-01"})
    page.click("#modal .modal-submit")
    error = page.locator('#modal [data-block-id="sla-f-end_date"] .bk-error')
    error.wait_for()
    assert "after the requested start" in error.inner_text()
    shot(page, "03-field-error")
    fill_modal(page, {"end_date": forms["M1"]["end_date"]})
    submit(page)
    card(page).wait_for()
    # the ephemeral confirmation is posted after the card: wait for it, then count it once
    confirmation = page.locator("#main .msg.ephemeral", has_text=CUSTOMER)
    confirmation.first.wait_for()
    assert confirmation.count() == 1
    shot(page, "04-new-card")

    step(page, SLM, "M2", forms["M2"])
    step(page, SLM, "M3", forms["M3"])
    step(page, SALES, "M4", forms["M4"])
    step(page, SALES, "M5", forms["M5"])
    step(page, CONTRACTS, "M7", forms["M7"])
    step(page, SLM, "M8", forms["M8"])
    step(page, OPS, "M9", forms["M9"])

    # M9's approval is a one-click button in the card's thread, behind a confirm dialog
    as_persona(page, SLM)
    card(page).locator(".replies").click()
    page.locator("#thread").get_by_role("button", name="Approve · M9").last.click()
    page.wait_for_selector(".confirm")
    shot(page, "05-thread-confirm")
    page.click(".confirm .ok")
    # the department heads acknowledge M7 and sign their OLAs in their DMs (issue 9, 6 and 7)
    for head in HEADS.values():
        as_persona(page, head)
        page.click('[data-nav="dm"]')
        for name, done in (("Acknowledge", "You acknowledged"), ("Sign", "You signed")):
            button = page.get_by_role("button", name=name, exact=True)
            page.locator("#main .msg", has_text=CUSTOMER).filter(has=button).last.wait_for()
            msg = page.locator("#main .msg", has_text=CUSTOMER).filter(has=button).last
            msg.get_by_role("button", name=name, exact=True).click()
            page.get_by_text(done).last.wait_for()
    shot(page, "05b-head-signed")
    as_persona(page, OPS)
    to_channel(page)
    step(page, OPS, "M10", forms["M10"])
    card(page).locator(".bk-field", has_text="In service").first.wait_for()
    shot(page, "06-in-service")
    page.click('[data-nav="dm"]')
    page.locator("#main .msg", has_text=CUSTOMER).first.wait_for()
    shot(page, "07-direct-messages")


def test_choosing_another_entry_refills_the_draft(page: Page) -> None:
    """M4's entry select is dispatched (as Slack does for `dispatch_action`): the modal comes
    back with the other entry's tier, price and targets; what else was typed stays."""
    customer = "Two Entries Co"
    forms = sample_forms(date.today() + timedelta(days=20), customer=customer, owner=OPS)
    forms["M3"]["entries"] = ["DB-OPS", "DC-247"]
    as_persona(page, SALES)
    to_channel(page)
    command(page, "/sla new")
    page.wait_for_selector("#modal .bk-input")
    fill_modal(page, forms["M1"])
    submit(page)
    for action in ("M2", "M3"):
        as_persona(page, SLM)
        step_button(card(page, customer), action).first.click()
        page.wait_for_selector("#modal .bk-input")
        fill_modal(page, forms[action])
        submit(page)
    as_persona(page, SALES)
    step_button(card(page, customer), "M4").first.click()
    page.wait_for_selector("#modal .bk-input")
    modal = page.locator("#modal")
    select = modal.locator('[data-block-id="sla-f-entry"] select')
    price = modal.locator('[data-block-id="sla-f-price"] input')
    capacity = modal.locator('[data-block-id="sla-f-capacity"] textarea')
    assert select.input_value() == "DC-247" and price.input_value() == "360000"
    capacity.fill("Two DBAs from April")
    select.select_option("DB-OPS")
    page.wait_for_function(
        """() => document.querySelector('#modal [data-block-id="sla-f-price"] input')
                 ?.value === "120000" """
    )
    assert modal.locator('[data-block-id="sla-f-tier"] select').input_value() == "2"
    assert capacity.input_value() == "Two DBAs from April"
    shot(page, "04b-entry-refilled")
    page.click("#modal .modal-x")
    page.wait_for_selector("#modal", state="detached")


def test_unauthorised_click_is_refused(page: Page) -> None:
    as_persona(page, SALES)
    to_channel(page)
    acme = card(page, "Acme Logistics")  # a demo agreement waiting at M2
    step_button(acme, "M2").first.click()
    refusal = page.locator("#main .msg.ephemeral", has_text="Only Service level manager can M2")
    refusal.wait_for()
    refusal.scroll_into_view_if_needed()
    assert page.locator("#modal").count() == 0
    shot(page, "08-refused-click")


def test_app_home_desk(page: Page) -> None:
    as_persona(page, OPS)
    page.click('[data-nav="home"]')
    home = page.locator("#main .home")
    home.locator(".bk-header").first.wait_for()
    assert home.locator(".bk-block").count() > 5
    shot(page, "09-app-home")
    home.get_by_role("button", name=re.compile("Refresh")).click()
    as_persona(page, SLM)  # another persona: the page asks the bot for their own desk
    page.wait_for_function("document.querySelectorAll('#main .home .bk-header').length > 0")
    to_channel(page)


def wait_for(cond: Callable[[], Any], what: str, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := cond()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
    return value


def more_of_the_bot(sandbox: Sandbox) -> None:
    """Replies, modals and DMs the flow above does not reach: list, show, help, catalogue,
    roles, details, a review modal."""
    state = sandbox.state
    with httpx.Client(base_url=sandbox.url, timeout=10) as http:

        def do(path: str, **body: Any) -> None:
            assert http.post(f"/_sandbox/{path}", json=body).status_code == 200

        def modal(user: str) -> dict[str, Any]:
            views: list[dict[str, Any]] = wait_for(lambda: state.open_views(user), "a modal")
            return views[-1]

        for text in ("/sla list all", f"/sla show {sandbox.seeded[0]}", "/sla help", "/sla bogus"):
            do("message", persona=SALES, channel=CHANNEL, text=text)
        do("message", persona=SLM, channel=CHANNEL, text="/sla catalog")
        catalog = state.ephemerals(user=SLM)[-1]
        index, block = next(
            (i, b)
            for i, b in enumerate(catalog["blocks"])
            if b["type"] == "actions" or b.get("accessory")
        )
        container = {"type": "message", "channel": CHANNEL, "ts": catalog["ts"]}
        element = 0 if block["type"] == "actions" else None
        do("action", persona=SLM, container=container, block_index=index, element_index=element)
        do("close", persona=SLM, view_id=modal(SLM)["id"])
        do("message", persona=ADMIN, channel=CHANNEL, text="/sla roles")
        do("submit", persona=ADMIN, view_id=modal(ADMIN)["id"], values={})
        wait_for(lambda: state.dms(ADMIN), "the roles reply")
        do("message", persona=SLM, channel=CHANNEL, text=f"/sla review {sandbox.seeded[2]}")
        do("close", persona=SLM, view_id=modal(SLM)["id"])
        acme = next(m for m in state.messages(CHANNEL) if "Acme" in m["text"])
        index = next(i for i, b in enumerate(acme["blocks"]) if b["type"] == "actions")
        details = len(acme["blocks"][index]["elements"]) - 1
        container = {"type": "message", "channel": CHANNEL, "ts": acme["ts"]}
        before = len(state.ephemerals(user=OPS))
        do("action", persona=OPS, container=container, block_index=index, element_index=details)
        wait_for(lambda: len(state.ephemerals(user=OPS)) > before, "the details")


def test_every_view_and_message_renders_without_a_placeholder(page: Page, sandbox: Sandbox) -> None:
    more_of_the_bot(sandbox)
    recorded = httpx.get(f"{sandbox.url}/_sandbox/recorded", timeout=10).json()
    surfaces: list[dict[str, Any]] = list(recorded)
    for locale in ("en", "zh-CN"):
        for act in ACTIONS:
            if act.system:
                continue
            ctx = StepContext(agreement_id="SLA-1", action=act.id, lock_version=1, channel=None)
            view = step_modal(act.id, ctx, locale, options={"entry": [("X", "X")]})
            surfaces.append({"kind": "view", "source": f"step {act.id}", "view": view})
        surfaces.append({"kind": "view", "source": "catalog", "view": catalog_modal(locale)})
    kinds = {r["source"] for r in recorded}
    assert {"chat.postMessage", "chat.update", "views.open", "views.publish"} <= kinds
    results = page.evaluate(
        """(items) => items.map((it) => {
            const blocks = it.kind === "view" ? it.view.blocks : (it.blocks || []);
            const root = BlockKit.render(blocks, { users: window.SandboxApp.app.data.users });
            return {
              source: it.source,
              blocks: blocks.length,
              rendered: root.querySelectorAll(":scope > .bk-block").length,
              unknown: Array.from(root.querySelectorAll(".bk-unknown")).map((e) => e.textContent),
              text: root.textContent.trim().length,
            };
        })""",
        surfaces,
    )
    assert len(results) == len(surfaces) > 60
    for r in results:
        assert r["unknown"] == [], r
        assert r["rendered"] == r["blocks"], r
        assert r["blocks"] == 0 or r["text"] > 0, r


def test_mrkdwn_and_placeholders(page: Page) -> None:
    out = page.evaluate(
        """() => {
            const users = { U0SLM0001: { name: "mei.lin", real_name: "Mei Lin" } };
            const html = BlockKit.mrkdwn(
              "*bold* _it_ ~gone~ `a<b` <@U0SLM0001> <https://e.com/x?a=1&amp;b=2|the link> " +
              "1 &lt; 2 &amp;&amp; 3 &gt; 2 <script>x</script>\\n&gt; quoted", users);
            const root = BlockKit.render([{ type: "mystery" }, { type: "section",
              text: { type: "mrkdwn", text: "x" }, accessory: { type: "weird_element" } }], {});
            return { html, unknown: Array.from(root.querySelectorAll(".bk-unknown"))
              .map((e) => e.textContent) };
        }"""
    )
    html = out["html"]
    for part in ("<b>bold</b>", "<i>it</i>", "<s>gone</s>", '<code class="bk-code">a&lt;b</code>'):
        assert part in html
    assert "@Mei Lin</span>" in html and 'href="https://e.com/x?a=1&amp;b=2"' in html
    assert "1 &lt; 2 &amp;&amp; 3 &gt; 2" in html and "<script>" not in html
    assert '<span class="bk-quote">quoted</span>' in html
    assert out["unknown"] == [
        "Unsupported block: mystery",
        "Unsupported element: weird_element",
    ]


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": f"Option {value}"}, "value": value}


def _input(kind: str, **element: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": kind + ("-multi" if element.get("multiline") else ""),
        "label": {"type": "plain_text", "text": kind},
        "element": {"type": kind, "action_id": kind, **element},
    }


def test_every_supported_element_renders_and_reads_back(page: Page) -> None:
    """The Block Kit the issue lists, in one view: no placeholder, and `collect` reads back
    each input's initial value the way the sandbox server expects it."""
    a, b = _option("a"), _option("b")
    confirm = {
        "title": {"type": "plain_text", "text": "Sure?"},
        "text": {"type": "mrkdwn", "text": "Really"},
        "confirm": {"type": "plain_text", "text": "Yes"},
        "deny": {"type": "plain_text", "text": "No"},
        "style": "danger",
    }
    button = {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "go"}
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Header"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*text*"},
            "fields": [{"type": "mrkdwn", "text": "f1"}, {"type": "plain_text", "text": "f2"}],
            "accessory": {"type": "overflow", "action_id": "more", "options": [a, b]},
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "ctx"}]},
        {"type": "divider"},
        {
            "type": "actions",
            "elements": [
                {**button, "style": "primary"},
                {**button, "action_id": "no", "style": "danger", "confirm": confirm},
                {"type": "static_select", "action_id": "sel", "options": [a, b]},
                {"type": "users_select", "action_id": "usr"},
                {"type": "datepicker", "action_id": "day"},
                {"type": "overflow", "action_id": "ovf", "options": [a]},
            ],
        },
        _input("plain_text_input", initial_value="one"),
        _input("plain_text_input", multiline=True, initial_value="l1\nl2"),
        _input("number_input", is_decimal_allowed=True, initial_value="1.5"),
        _input("static_select", options=[a, b], initial_option=b),
        _input("multi_static_select", options=[a, b], initial_options=[a, b]),
        _input("users_select", initial_user=SLM),
        _input("multi_users_select", initial_users=[SLM, OPS]),
        _input("datepicker", initial_date="2030-01-02"),
        _input("checkboxes", options=[a, b], initial_options=[a]),
        _input("radio_buttons", options=[a, b], initial_option=a),
    ]
    out = page.evaluate(
        """(blocks) => {
            const root = BlockKit.render(blocks, { users: window.SandboxApp.app.data.users });
            document.body.appendChild(root);
            const values = BlockKit.collect(root);
            BlockKit.showErrors(root, { "5": "Bad value" });
            const error = root.querySelector('[data-block-index="5"] .bk-error').textContent;
            root.remove();
            return { unknown: root.querySelectorAll(".bk-unknown").length, values, error,
                     danger: root.querySelectorAll(".bk-button.bk-danger").length };
        }""",
        blocks,
    )
    assert out["unknown"] == 0 and out["danger"] == 1 and out["error"] == "Bad value"
    assert out["values"] == {
        "5": "one",
        "6": "l1\nl2",
        "7": "1.5",
        "8": "b",
        "9": ["a", "b"],
        "10": SLM,
        "11": [SLM, OPS],
        "12": "2030-01-02",
        "13": ["a"],
        "14": "a",
    }
