"""Issue 9's rules through the command line, on SQLite and PostgreSQL (DATABASE_URL points
the CLI at the test database)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.flows.roles import Role
from store.db import Database
from tests.dbs import database
from tests.support import PATHS, USERS, Clock, drive, forms, setup_world


@pytest.fixture(params=["sqlite", "postgres"])
def cli_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    with database(request.param, tmp_path) as db:
        setup_world(db)
        monkeypatch.setenv("DATABASE_URL", db.url)
        monkeypatch.setenv("SLM_ADMINS", "U_FIRST_ADMIN")
        for var in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLM_LOCALE", "SLM_TIMEZONE"):
            monkeypatch.delenv(var, raising=False)
        yield db


def act(ag: str, action: str, actor: str, data: dict[str, object]) -> int:
    return main(["act", ag, action, "--as", actor, "--data", json.dumps(data)])


def test_roles_from_the_cli_need_an_admin(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["roles", "grant", "U9", "sales"]) == 2
    assert "needs --by ADMIN" in capsys.readouterr().err
    assert main(["roles", "grant", "U9", "sales", "--by", "system:config"]) == 2
    assert "needs --by ADMIN" in capsys.readouterr().err
    assert main(["roles", "grant", "U9", "sales", "--by", USERS[Role.SALES]]) == 2
    assert "only admin can assign roles" in capsys.readouterr().err
    assert main(["roles", "revoke", USERS[Role.SLM], "slm", "--by", USERS[Role.SLM]]) == 2
    # the first admin comes from SLM_ADMINS
    assert main(["roles", "grant", "U9", "sales", "--by", "U_FIRST_ADMIN"]) == 0
    assert main(["roles", "list"]) == 0
    out = capsys.readouterr().out
    assert "U9" in out and "U_FIRST_ADMIN" in out


def test_one_process_at_a_time_and_withdraw_from_the_cli(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    ag = drive(cli_db, "C2", Clock()).agreement_id
    capsys.readouterr()
    assert act(ag, "M14", USERS[Role.SLM], forms()["M14"]) == 2
    err = capsys.readouterr().err
    assert "a service level change (C) runs since" in err and "M13.withdraw" in err
    assert act(ag, "M13.withdraw", USERS[Role.SLM], {"reason": ""}) == 2
    assert "reason" in capsys.readouterr().err
    assert act(ag, "M13.withdraw", USERS[Role.SLM], {"reason": "Customer changed its mind"}) == 0
    capsys.readouterr()
    assert main(["agreements", "show", ag]) == 0
    out = capsys.readouterr().out
    assert "change withdrawn by" in out and "status: active" in out


def test_extension_rules_from_the_cli(cli_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    ag = drive(cli_db, "T1", Clock()).agreement_id
    request = dict(PATHS["T1.extension"][-1][1])
    assert act(ag, "T1", USERS[Role.SALES], forms()["T1"] | request) == 2
    assert "only for group or specially approved" in capsys.readouterr().err
    assert act(ag, "M1.class", USERS[Role.EXECUTIVE], forms()["M1.class"]) == 0
    main(["roles", "grant", USERS[Role.SALES], "executive", "--by", "U_FIRST_ADMIN"])
    assert act(ag, "T1", USERS[Role.SALES], forms()["T1"] | request) == 0
    capsys.readouterr()
    decision = forms()["T1.extension"]
    assert act(ag, "T1.extension", USERS[Role.SALES], decision) == 2
    assert "author of T1 cannot approve it" in capsys.readouterr().err
    assert act(ag, "T1.extension", USERS[Role.EXECUTIVE], decision) == 0


def test_t6_budget_and_variance_from_the_cli(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    ag = drive(cli_db, "T6", Clock()).agreement_id
    assert act(ag, "T6", USERS[Role.SLM], {"actual_cost": "86500"}) == 0
    capsys.readouterr()
    assert main(["agreements", "show", ag]) == 0
    out = capsys.readouterr().out
    assert "accounting (T6): planned 90000.00   actual 86500.00   variance -3500.00" in out
