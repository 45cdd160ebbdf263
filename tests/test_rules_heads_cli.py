"""Issue 9, rules 6 and 7, through the command line on SQLite and PostgreSQL: the directory
of department heads (admins only), acknowledging M7, signing / querying / answering OLAs,
and M10 refused with the OLAs that wait and for whom."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.flows.roles import Role
from store.db import Database
from tests.dbs import database
from tests.support import USERS, Clock, drive, forms, setup_world

OPS = USERS[Role.OPS_LEAD]


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


def ids(out: str, kind: str) -> dict[str, int]:
    """Department -> id of the `notice` or `OLA` lines of `departments notices`."""
    return {m[2]: int(m[1]) for m in re.finditer(rf"^{kind}\s+#(\d+)\s+M\d+ (\S+)", out, re.M)}


def test_the_directory_needs_an_admin(cli_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["departments", "set", "Storage", "U_STO", "--by", USERS[Role.SALES]]) == 2
    assert "only admin can name department heads" in capsys.readouterr().err
    assert main(["departments", "set", "Storage", "U_STO", "--by", "U_FIRST_ADMIN"]) == 0
    assert main(["departments", "list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^Storage\s+U_STO$", out, re.M) and re.search(r"^DBA\s+U_DEP$", out, re.M)


def test_heads_acknowledge_and_sign_from_the_cli(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    ag = drive(cli_db, "M10", Clock()).agreement_id
    capsys.readouterr()
    assert main(["departments", "notices", ag]) == 0
    out = capsys.readouterr().out
    notices, olas = ids(out, "notice"), ids(out, "OLA")
    assert set(notices) == set(olas) == {"DBA", "Network"}
    # the wrong head is refused; the right one acknowledges
    assert main(["departments", "acknowledge", str(notices["DBA"]), "--as", "U_NET"]) == 2
    assert "only the head of DBA (U_DEP)" in capsys.readouterr().err
    assert main(["departments", "acknowledge", str(notices["DBA"]), "--as", "U_DEP"]) == 0
    assert "DBA acknowledged by U_DEP (M7)" in capsys.readouterr().out
    # M10 names the OLAs that wait and for whom
    live = json.dumps(forms()["M10"])
    assert main(["act", ag, "M10", "--as", OPS, "--data", live]) == 2
    assert "waiting for DBA (U_DEP), Network (U_NET)" in capsys.readouterr().err
    assert main(["agreements", "show", ag]) == 0
    shown = capsys.readouterr().out
    assert "not acknowledged (M7): Network (head U_NET)" in shown
    assert "OLA not signed (M9): DBA (signer U_DEP, unsigned)" in shown
    assert main(["ola", "sign", str(olas["DBA"]), "--as", "U_DEP"]) == 0
    assert main(["ola", "query", str(olas["Network"]), "--as", "U_NET", "--text", "P1?"]) == 0
    assert main(["ola", "sign", str(olas["Network"]), "--as", "U_NET"]) == 2
    assert "is queried" in capsys.readouterr().err
    answer = ["ola", "answer", str(olas["Network"]), "--as", OPS, "--text", "P1 only"]
    assert main([*answer, "--commitment", "1 h for P1"]) == 0
    assert main(["act", ag, "M10", "--as", OPS, "--data", live]) == 2
    assert "waiting for Network (U_NET)" in capsys.readouterr().err
    assert main(["ola", "sign", str(olas["Network"]), "--as", "U_NET"]) == 0
    assert main(["act", ag, "M10", "--as", OPS, "--data", live]) == 0
    assert main(["departments", "notices", ag]) == 0
    out = capsys.readouterr().out
    assert "signed by U_NET" in out and "acknowledged" in out
