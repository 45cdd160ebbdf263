"""Strict forms (issue 13): values the forms used to accept, and that PostgreSQL refused with a
500 or stored as something else, are field errors in the reader's language, through the
command line and through signed Slack view submissions, on SQLite and PostgreSQL; nothing is
stored. Every form field stored in a sized column allows exactly that column's length."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import annotated_types as at
import pytest
from sqlalchemy import func, select

from bot.blocks.cards import action_buttons
from bot.cli import main
from bot.field_errors import localized_errors
from bot.flows.change_forms import C3Form, C4Form
from bot.flows.errors import FormInvalid
from bot.flows.forms import DeptLine, StepForm, parse_form
from bot.flows.onboarding_forms import M1Form, M4Form, M5Form, M6Form, M8Form, M10Form
from bot.flows.operation_forms import M11Form
from bot.flows.process import ACTION_BY_ID
from bot.flows.roles import Role
from bot.flows.strict import ITEM_MAX
from bot.slack_standin.server import StandinServer
from bot.slack_standin.testing import running_standin
from store.catalogue import CatalogueInput
from store.db import Database
from store.models import (
    OLA,
    Agreement,
    CatalogueEntry,
    Customer,
    Document,
    ImprovementAction,
    StepRecord,
    SupplierContract,
    table_of,
)
from tests.dbs import database
from tests.slack_support import SlackClient, fill, serve_app, wait_for
from tests.support import USERS, Clock, drive, forms, setup_world
from tests.test_field_errors import PYDANTIC

_CJK = re.compile(r"[\u4e00-\u9fff]")

#: (form, field) -> (model, column) it is stored in: the form's limit is the column's
STORED: list[tuple[type[Any], str, type[Any], str]] = [
    (M1Form, "customer", Customer, "name"),
    (M1Form, "contact", Customer, "contact"),
    (M6Form, "supplier", SupplierContract, "supplier"),
    (M6Form, "contract_no", SupplierContract, "contract_no"),
    (M6Form, "scope", SupplierContract, "scope"),
    (C4Form, "supplier", SupplierContract, "supplier"),
    (C4Form, "contract_no", SupplierContract, "contract_no"),
    (C4Form, "scope", SupplierContract, "scope"),
    (DeptLine, "department", OLA, "department"),
    (DeptLine, "department", Document, "subject"),
    (DeptLine, "text", OLA, "commitment"),
    (M8Form, "owner", Agreement, "owner"),
    (M11Form, "improvements", ImprovementAction, "description"),
    (CatalogueInput, "code", CatalogueEntry, "code"),
    (CatalogueInput, "name", CatalogueEntry, "name"),
    (CatalogueInput, "name_zh", CatalogueEntry, "name_zh"),
    (CatalogueInput, "description", CatalogueEntry, "description"),
]


def _max_len(model: type[Any], name: str) -> int | None:
    if model.model_fields[name].annotation == list[str]:
        return ITEM_MAX  # each line an item (bot.flows.strict)
    for m in model.model_fields[name].metadata:
        if isinstance(m, at.MaxLen) or getattr(m, "max_length", None):
            return int(m.max_length)
    return None


@pytest.mark.parametrize(("form", "name", "model", "column"), STORED)
def test_form_limits_are_the_column_lengths(
    form: type[Any], name: str, model: type[Any], column: str
) -> None:
    length = getattr(table_of(model).c[column].type, "length", None)
    assert isinstance(length, int)
    limit = _max_len(form, name)
    assert limit is not None and limit <= length
    if model is not Document:  # the subject also holds contract numbers (100)
        assert limit == length


#: (step, form, field, bad value, the code of the field error)
BAD: list[tuple[str, type[StepForm], str, Any, str]] = [
    ("M1", M1Form, "customer", 12345, "text"),
    ("M1", M1Form, "customer", True, "text"),
    ("M1", M1Form, "customer", "Acme\x00 Corp", "control_chars"),
    ("M1", M1Form, "contact", "a\nb", "control_chars"),  # one-line field
    ("M1", M1Form, "workload", "ok\x07bell", "control_chars"),
    ("M1", M1Form, "customer", "x" * 201, "too_long"),
    ("M1", M1Form, "start_date", "2026-01-01T00:00:00", "date"),
    ("M1", M1Form, "end_date", "9999-12-31", "date_range"),
    ("M1", M1Form, "start_date", "1999-12-31", "date_range"),
    ("M1", M1Form, "end_date", "2100-01-01", "date_range"),
    ("M1", M1Form, "tier", 2, "text"),
    ("M4", M4Form, "price", "1e6", "number"),
    ("M4", M4Form, "price", "inf", "number"),
    ("M4", M4Form, "price", "nan", "number"),
    ("M4", M4Form, "price", True, "number"),
    ("M4", M4Form, "availability_pct", "1E2", "number"),
    ("M4", M4Form, "suppliers_needed", 1, "yes_no"),
    ("M5", M5Form, "value", float("inf"), "number"),
    ("M6", M6Form, "supplier", "S" * 201, "too_long"),
    ("M10", M10Form, "live_on", "9999-12-31", "date_range"),
    ("C3", C3Form, "ola_updates", "D" * 201 + ": backups", "too_long"),
    ("M11", M11Form, "improvements", "ok\n" + "i" * 3001, "too_long"),
    ("M11", M11Form, "improvements", ["ok", "i" * 3001], "too_long"),
    ("M11", M11Form, "changes", [1, 2], "text"),
    ("M11", M11Form, "satisfaction", "4.0", "number"),
    ("M11", M11Form, "satisfaction", True, "number"),
]


@pytest.mark.parametrize(("step", "form", "name", "value", "code"), BAD)
def test_each_formerly_accepted_value_is_a_field_error_in_both_languages(
    step: str, form: type[StepForm], name: str, value: Any, code: str
) -> None:
    data = forms()[step] | {name: value}
    with pytest.raises(FormInvalid) as exc:
        parse_form(form, data)
    assert exc.value.problems[name].code == code
    for locale in ("en", "zh-CN"):
        text = localized_errors(exc.value, locale, form=form)[name]
        assert not PYDANTIC.search(text), text
        assert bool(_CJK.search(text)) == (locale == "zh-CN"), text


def test_olas_with_a_long_department_are_refused() -> None:
    from bot.flows.onboarding_forms import M9Form

    data = forms()["M9"] | {"olas": "N" * 201 + ": monitoring"}
    with pytest.raises(FormInvalid) as exc:
        parse_form(M9Form, data)
    assert exc.value.problems["olas"].code == "too_long"


# --- through the command line, on both databases -------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def cli_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    with database(request.param, tmp_path) as db:
        setup_world(db)
        monkeypatch.setenv("DATABASE_URL", db.url)
        for var in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLM_TIMEZONE"):
            monkeypatch.delenv(var, raising=False)
        yield db


def _count(db: Database, model: type[Any]) -> int:
    with db.read_conn() as conn:
        return int(conn.execute(select(func.count()).select_from(table_of(model))).scalar_one())


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, default=str)


@pytest.mark.parametrize(
    ("name", "value", "en_word", "zh_word"),
    [
        ("customer", 12345, "text", "文字"),
        ("customer", "Acme\u0000", "control", "控制字符"),
        ("customer", "y" * 201, "200", "200"),
        ("start_date", "2026-01-01T00:00:00", "YYYY-MM-DD", "YYYY-MM-DD"),
        ("end_date", "9999-12-31", "2099-12-31", "2099-12-31"),
    ],
)
def test_cli_new_request_refuses_bad_values_and_stores_nothing(
    cli_db: Database,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: Any,
    en_word: str,
    zh_word: str,
) -> None:
    for locale, word in (("en", en_word), ("zh-CN", zh_word)):
        monkeypatch.setenv("SLM_LOCALE", locale)
        data = forms()["M1"] | {name: value}
        assert main(["request", "--data", _json(data), "--as", USERS[Role.SALES]]) == 2
        err = capsys.readouterr().err
        assert name in err and word in err, err
        assert not PYDANTIC.search(err) and "Traceback" not in err
    assert _count(cli_db, Agreement) == 0 and _count(cli_db, Customer) == 0


def test_cli_m10_in_year_9999_and_a_long_ola_department_are_field_errors(
    cli_db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLM_LOCALE", "en")
    clock = Clock()
    ag = drive(cli_db, "M10", clock)
    records = _count(cli_db, StepRecord)
    args = ["act", ag.agreement_id, "M10", "--as", USERS[Role.OPS_LEAD], "--data"]
    assert main([*args, _json({"live_on": "9999-12-31"})]) == 2
    assert "live_on" in capsys.readouterr().err
    m9 = drive(cli_db, "M9", clock, customer="Beta Ltd")
    olas = _count(cli_db, OLA)
    data = forms()["M9"] | {"olas": "Q" * 201 + ": on call"}
    m9_args = ["act", m9.agreement_id, "M9", "--as", USERS[Role.OPS_LEAD], "--data", _json(data)]
    assert main(m9_args) == 2
    assert "olas" in capsys.readouterr().err
    assert _count(cli_db, StepRecord) == records + _records_of_drive(cli_db, m9.agreement_id)
    assert _count(cli_db, OLA) == olas


def _records_of_drive(db: Database, agreement_id: str) -> int:
    sr = table_of(StepRecord)
    with db.read_conn() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(sr).where(sr.c.agreement_id == agreement_id)
            ).scalar_one()
        )


# --- through signed Slack view submissions, on both databases ------------------------------


@pytest.fixture(scope="module")
def standin() -> Iterator[StandinServer]:
    with running_standin() as server:
        for user in [*USERS.values(), "U_SLM_B"]:
            server.state.add_user(user, user.lower())
        yield server


@pytest.fixture(scope="module")
def slack(world: Database, standin: StandinServer) -> Iterator[SlackClient]:
    with serve_app(world, standin) as app:
        client = SlackClient(app, standin)
        yield client
        client.close()


def _open_view(slack: SlackClient, user: str, start: Any) -> dict[str, Any]:
    slack.standin.state.close_views(user)
    start()
    views = wait_for(lambda: slack.standin.state.open_views(user), what="a modal")
    return dict(views[-1])


def _forge(values: dict[str, Any], name: str, state: dict[str, Any]) -> dict[str, Any]:
    """`values` with field `name`'s element state replaced by `state` (what a forged or
    broken client could send)."""
    block = values[f"sla-f-{name}"]
    action = next(iter(block))
    block[action] = {**block[action], **state}
    return values


SLACK_M1 = [
    ("customer", {"value": 12345}, "Type text here"),
    ("customer", {"value": "Acme\u0000 Corp"}, "control characters"),
    ("customer", {"value": "z" * 201}, "200"),
    ("start_date", {"selected_date": "2026-01-01T00:00:00"}, "YYYY-MM-DD"),
    ("end_date", {"selected_date": "9999-12-31"}, "2099-12-31"),
    ("tier", {"selected_option": {"value": 2}}, "Type text here"),
]


@pytest.mark.parametrize(("name", "state", "words"), SLACK_M1)
def test_slack_new_request_with_a_forged_value_is_a_field_error(
    slack: SlackClient, world: Database, name: str, state: dict[str, Any], words: str
) -> None:
    sales = USERS[Role.SALES]
    before = _count(world, Agreement)
    view = _open_view(slack, sales, lambda: slack.command(sales, "new"))
    values = _forge(fill(view, forms("Forged Ltd")["M1"]), name, state)
    resp = slack.submit(sales, view, values)
    assert resp.status_code == 200
    body = resp.json()
    assert body["response_action"] == "errors"
    text = body["errors"][f"sla-f-{name}"]
    assert words in text and not PYDANTIC.search(text)
    assert _count(world, Agreement) == before


def test_slack_m10_in_year_9999_is_a_field_error_and_nothing_changes(
    slack: SlackClient, world: Database
) -> None:
    ag = drive(world, "M10", Clock(), customer="Year Ltd")
    ops = USERS[Role.OPS_LEAD]
    button = action_buttons(ag.agreement_id, "M10", ag.lock_version, "en")[0]
    view = _open_view(slack, ops, lambda: slack.click(ops, button))
    assert ACTION_BY_ID["M10"].form is M10Form
    records = _records_of_drive(world, ag.agreement_id)
    values = _forge(fill(view, forms()["M10"]), "live_on", {"selected_date": "9999-12-31"})
    resp = slack.submit(ops, view, values)
    assert resp.status_code == 200 and resp.json()["response_action"] == "errors"
    assert "2099-12-31" in resp.json()["errors"]["sla-f-live_on"]
    assert _records_of_drive(world, ag.agreement_id) == records
    resp = slack.submit(ops, view, fill(view, forms()["M10"]))  # the same modal, now right
    assert resp.status_code == 200 and "sla-f-live_on" not in resp.text
