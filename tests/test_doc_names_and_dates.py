"""A document's name follows its status (the signed SLA is no "draft" in `/sla show` nor in
`agreements show`), and documents are dated in the configured time zone (SLM_TIMEZONE)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.cli import _db, main
from bot.flows.documents import DocKind, DocStatus, doc_name
from bot.handlers.replies import show_blocks
from bot.settings import Settings
from store.db import Database
from store.doc_queries import document_text, list_documents
from store.lifecycle import submit_request
from store.migrate import upgrade
from store.queries import get_agreement
from tests.support import Clock, drive, forms, setup_world

SIGNED = {"en": "Service level agreement", "zh-CN": "服务级别协议"}
DRAFT = {"en": "Service level agreement (draft)", "zh-CN": "服务级别协议（草案）"}
IN_EFFECT = {"en": "in effect", "zh-CN": "生效"}


@pytest.mark.parametrize("loc", ["en", "zh-CN"])
def test_the_name_follows_the_status(loc: str) -> None:
    sla = DocKind.SLA
    assert doc_name(sla, DocStatus.DRAFT, loc) == DRAFT[loc]
    assert doc_name(sla, DocStatus.WITHDRAWN, loc) == DRAFT[loc]
    assert doc_name(sla, DocStatus.IN_EFFECT, loc) == SIGNED[loc]
    assert doc_name(sla, DocStatus.SUPERSEDED, loc) == SIGNED[loc]
    signed_title, draft_title = "Service level agreement · X v1", DRAFT["en"] + " · X v1"
    assert doc_name(sla, DocStatus.ARCHIVED, loc, signed_title) == SIGNED[loc]
    assert doc_name(sla, DocStatus.ARCHIVED, loc, draft_title) == DRAFT[loc]
    assert doc_name(DocKind.OLA, DocStatus.IN_EFFECT, loc) == DocKind.OLA.label(loc)


@pytest.mark.parametrize("loc", ["en", "zh-CN"])
def test_sla_show_lists_the_signed_sla_without_the_draft_label(
    world: Database, clock: Clock, loc: str
) -> None:
    aid = drive(world, "M6", clock).agreement_id  # M5 signed the SLA
    _, blocks = show_blocks(get_agreement(world, aid, recent=15), loc)
    text = json.dumps(blocks, ensure_ascii=False)
    line = next(ln for ln in text.split("\\n") if f"`{aid}/SLA/v1`" in ln)
    assert f"{SIGNED[loc]} · v1 · {IN_EFFECT[loc]}" in line
    assert DRAFT[loc] not in line


@pytest.mark.parametrize("loc", ["en", "zh-CN"])
def test_agreements_show_names_the_signed_sla(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], loc: str
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SLM_LOCALE", loc)
    assert main(["migrate"]) == 0
    db = Database(url)
    try:
        setup_world(db)
        aid = drive(db, "M6", Clock()).agreement_id
    finally:
        db.dispose()
    capsys.readouterr()
    assert main(["agreements", "show", aid]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if f"{aid}/SLA/v1" in ln)
    assert IN_EFFECT[loc] in line and line.rstrip().endswith(SIGNED[loc])
    draft = next(ln for ln in out.splitlines() if f"{aid}/REQ-D/v1" in ln)
    assert DocKind.REQUIREMENT_DRAFT.label(loc) in draft


def _issued(db: Database, at: datetime) -> tuple[date | None, str, str]:
    setup_world(db)
    out = submit_request(db, forms()["M1"], actor="U_SALES", now=at)
    (doc,) = list_documents(db, out.agreement_id)
    return doc.issued_on, document_text(db, doc, "en").body, document_text(db, doc, "zh-CN").body


def test_documents_are_dated_in_the_configured_time_zone(tmp_path: Path) -> None:
    # 03:30 UTC on 3 March: still 2 March (22:30) in New York, already midday in Shanghai
    at = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)
    ny = Database(f"sqlite:///{tmp_path / 'ny.db'}", timezone="America/New_York")
    sh = Database(f"sqlite:///{tmp_path / 'sh.db'}")
    try:
        for db in (ny, sh):
            upgrade(db)
        day, en, zh = _issued(ny, at)
        assert day == date(2026, 3, 2)
        assert "| Issued on | 2 March 2026 |" in en and "| 签发日期 | 2026年3月2日 |" in zh
        assert "America/New_York" in en and "Asia/Shanghai" not in en
        day, en, _ = _issued(sh, at)
        assert day == date(2026, 3, 3) and "| Issued on | 3 March 2026 |" in en
    finally:
        ny.dispose()
        sh.dispose()


def test_the_setting_reaches_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLM_TIMEZONE", "Europe/Berlin")
    db = _db(Settings(DATABASE_URL="sqlite://"))
    assert db.timezone == "Europe/Berlin"
    with db.read() as s:
        assert s.info["timezone"] == "Europe/Berlin"
    db.dispose()


def test_a_document_about_one_of_several_names_it_in_the_readers_punctuation() -> None:
    from bot.flows.documents import doc_label

    ola, now = DocKind.OLA, DocStatus.IN_EFFECT
    en, zh = doc_name(ola, now, "en"), doc_name(ola, now, "zh-CN")
    assert doc_label(ola, now, "en", subject="DBA") == f"{en}: DBA"
    assert doc_label(ola, now, "zh-CN", subject="DBA") == f"{zh}：DBA"
    assert doc_label(ola, now, "en") == en


def test_targets_read_as_written() -> None:
    from decimal import Decimal

    from bot.flows.service_levels.targets import as_written

    assert [str(as_written(Decimal(x))) for x in ("99.900", "100.000", "99.950", "99.123")] == [
        "99.9",
        "100",
        "99.95",
        "99.123",
    ]
