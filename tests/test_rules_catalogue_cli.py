"""Issue 9, rules 8 and 9, through the command line on SQLite and PostgreSQL, in both
languages: unknown, inactive and not-offered entries are refused with the project's words,
catalogue edits for a change are audited under C1, `show` names the signed SLA and its date."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.cli import main
from bot.flows.roles import Role
from store.catalogue import save_entry
from store.db import Database
from tests.support import USERS, Clock, drive, forms
from tests.test_rules_cli import act, cli_db  # noqa: F401 (the fixture)

SLM, SALES = USERS[Role.SLM], USERS[Role.SALES]
ENTRY = {"name": "Reporting", "tier": 2, "price": "50000", "availability_pct": "99.5"}


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_unknown_inactive_and_not_offered_entries_are_refused(
    cli_db: Database,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    locale: str,
) -> None:
    monkeypatch.setenv("SLM_LOCALE", locale)
    clock = Clock()
    save_entry(cli_db, {"code": "GONE", **ENTRY, "active": False}, actor=SLM, now=clock())
    save_entry(cli_db, {"code": "OTHER", **ENTRY}, actor=SLM, now=clock())
    ag = drive(cli_db, "M3", clock).agreement_id
    m3 = forms()["M3"]
    capsys.readouterr()
    assert act(ag, "M3", SLM, m3 | {"entries": ["NO-SUCH"]}) == 2
    err = capsys.readouterr().err
    zh = locale == "zh-CN"
    assert ("服务目录中没有条目 NO-SUCH" if zh else "There is no catalogue entry NO-SUCH") in err
    assert act(ag, "M3", SLM, m3 | {"entries": ["GONE"]}) == 2
    err = capsys.readouterr().err
    assert ("服务目录条目 GONE 已停用" if zh else "GONE is no longer offered (inactive)") in err
    assert act(ag, "M3", SLM, m3) == 0
    capsys.readouterr()
    assert act(ag, "M4", SALES, forms()["M4"] | {"entry": "OTHER"}) == 2
    err = capsys.readouterr().err
    assert (
        "OTHER 未在 M3 中提供给该客户" if zh else "OTHER was not offered to this customer at M3"
    ) in err
    assert "DB-OPS" in err
    assert act(ag, "M4", SALES, forms()["M4"]) == 0


def test_catalogue_edits_for_a_change_and_the_pending_sla_in_show(
    cli_db: Database,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the CLI acts on the real clock: the service started a month ago and runs for a year
    start = date.today() - timedelta(days=30)
    clock = Clock(datetime.combine(start - timedelta(days=30), time(9), UTC))
    ag = drive(cli_db, "C1", clock, start=start).agreement_id
    data = json.dumps({"code": "REPORTING", **ENTRY})
    assert main(["catalog", "save", "--data", data, "--as", SLM, "--for", ag]) == 0
    assert "REPORTING v1 saved" in capsys.readouterr().out
    assert main(["agreements", "show", ag]) == 0
    assert "C1 · " in capsys.readouterr().out
    assert act(ag, "C1", SLM, {"entries": ["REPORTING"], "notes": "Reporting added"}) == 0
    # C1 is done: an edit for this agreement is refused, with both steps named
    assert main(["catalog", "save", "--data", data, "--as", SLM, "--for", ag]) == 2
    assert "has neither M3/C1 open" in capsys.readouterr().err
    effective = date.today() + timedelta(days=50)  # the CLI acts on the real clock
    c2 = forms(start=start, today=date.today())["C2"] | {
        "entry": "REPORTING",
        "price": "50000",
        "availability_pct": "99.5",
        "effective_from": effective.isoformat(),
    }
    assert act(ag, "C2", SALES, c2) == 0
    assert act(ag, "C3", SLM, forms(start=start, today=date.today())["C3"]) == 0
    capsys.readouterr()
    assert main(["agreements", "show", ag]) == 0
    out = capsys.readouterr().out
    assert f"SLA v2 (tier 2) signed, takes effect on {effective.isoformat()}" in out
    assert "v1 in effect until then" in out
