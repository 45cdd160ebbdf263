"""`slm-bot incidents` and `slm-bot attainment` on SQLite and PostgreSQL: a bad CSV line is
named with its line and field in the reader's language and nothing is imported; the figures
printed are the ones computed from the incidents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from store.db import Database
from store.incidents import list_incidents
from tests.dbs import database
from tests.support import Clock, drive, setup_world


@pytest.fixture(params=["sqlite", "postgres"])
def cli_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    with database(request.param, tmp_path) as db:
        setup_world(db)
        monkeypatch.setenv("DATABASE_URL", db.url)
        monkeypatch.setenv("SLM_TIMEZONE", "Asia/Shanghai")
        for var in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLM_LOCALE"):
            monkeypatch.delenv(var, raising=False)
        yield db


def _live(db: Database) -> str:
    return drive(db, "M11", Clock(datetime.now(UTC) - timedelta(days=90))).agreement_id


def _csv(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "incidents.csv"
    header = "priority,impact,opened_at,acknowledged_at,resolved_at,summary"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_names_the_bad_line_in_both_languages(
    cli_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aid = _live(cli_db)
    day = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    good = f"P1,down,{day}T10:00:00+08:00,{day}T10:10:00+08:00,{day}T11:00:00+08:00,Disk full"
    bad = f"P2,down,{day} 10:00,,,No offset"
    path = _csv(tmp_path, good, bad)
    assert main(["incidents", "import", aid, str(path), "--by", "U_SLM"]) == 2
    err = capsys.readouterr().err
    assert "nothing was imported" in err and "line 3, opened_at" in err
    assert "with its offset" in err
    assert main(["incidents", "import", aid, str(path), "--by", "U_SLM", "--locale", "zh-CN"])
    err = capsys.readouterr().err
    assert "第 3 行" in err and "时区偏移" in err
    assert list_incidents(cli_db, aid) == []
    assert main(["incidents", "import", aid, str(_csv(tmp_path, good)), "--by", "U_SALES"]) == 2
    assert "service level manager" in capsys.readouterr().err
    assert main(["incidents", "import", aid, str(_csv(tmp_path, good)), "--by", "U_SLM"]) == 0
    assert "1 incident(s) imported" in capsys.readouterr().out
    assert len(list_incidents(cli_db, aid)) == 1


def test_attainment_prints_what_was_measured(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    aid = _live(cli_db)
    opened = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
    args = ["incidents", "add", aid, "--priority", "P1", "--impact", "down"]
    args += ["--opened", opened.isoformat(), "--summary", "Core switch failed"]
    args += ["--resolved", (opened + timedelta(hours=1)).isoformat(), "--by", "U_SLM"]
    assert main(args) == 0
    capsys.readouterr()
    # the period's days are the agreement's (Asia/Shanghai), not UTC's
    local = opened.astimezone(ZoneInfo("Asia/Shanghai"))
    first = (local - timedelta(days=1)).date().isoformat()
    last = local.date().isoformat()
    assert main(["attainment", aid, "--from", first, "--to", last, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # the hour counts only inside the tier's service hours (7x12 in Shanghai)
    assert 0 <= data["downtime_min"] <= 60
    assert data["incidents"][0]["resolution"]["elapsed_min"] == data["downtime_min"]
    assert main(["attainment", aid, "--from", first, "--to", last, "--locale", "zh-CN"]) == 0
    out = capsys.readouterr().out
    assert "可用性" in out and "Core switch failed" in out
    assert main(["attainment", aid, "--from", last, "--to", first]) == 2
    assert "empty" in capsys.readouterr().err
