"""Documents issued before migration 0008 (no number, no date, no text) are rendered from their
stored form data by `slm-bot docs backfill`: marked as reconstructed, audited under their
step ids, numbered as they would have been; a second run finds nothing to do."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlmodel import col

from bot.cli import main
from bot.history import event_words
from store.db import Database
from store.doc_backfill import BACKFILL, backfill
from store.doc_queries import document_text, list_documents
from store.models import AuditEvent, Document, DocumentText
from tests.support import Clock, drive, setup_world

NOTE = {"en": "**Reconstructed** on", "zh-CN": "**重建文本**"}


def _as_before_0008(db: Database, aid: str) -> dict[int, str]:
    """What migration 0008 left of an agreement's documents: no number, date or text."""
    with db.write() as s:
        ids = {
            d.id: d.number
            for d in s.execute(select(Document).where(col(Document.agreement_id) == aid)).scalars()
        }
        s.execute(delete(DocumentText).where(col(DocumentText.document_id).in_(list(ids))))
        s.execute(
            update(Document)
            .where(col(Document.agreement_id) == aid)
            .values(number="", version=1, issued_on=None)
        )
    return {int(k): v for k, v in ids.items() if k is not None}


def test_backfill_renders_reconstructed_text(world: Database, clock: Clock) -> None:
    aid = drive(world, "M7", clock).agreement_id
    numbers = _as_before_0008(world, aid)
    (done,) = backfill(world, aid.lower(), actor="U_ADM", now=clock())
    assert done.agreement_id == aid and not done.failed
    assert sorted(done.numbers) == sorted(numbers.values())  # numbered as when issued
    docs = list_documents(world, aid)
    assert {d.id: d.number for d in docs} == numbers
    assert all(d.issued_on == date(2026, 3, 2) for d in docs)
    sla = next(d for d in docs if d.number == f"{aid}/SLA/v1")
    for loc in ("en", "zh-CN"):
        body = document_text(world, sla, loc).body
        assert body.startswith(f"> {NOTE[loc]}") and "Acme Logistics" in body and "99.9" in body
    with world.read() as s:
        texts = (
            s.execute(
                select(col(DocumentText.reconstructed)).where(
                    col(DocumentText.document_id).in_(list(numbers))
                )
            )
            .scalars()
            .all()
        )
        audit = (
            s.execute(
                select(AuditEvent).where(
                    col(AuditEvent.agreement_id) == aid, col(AuditEvent.action) == BACKFILL
                )
            )
            .scalars()
            .all()
        )
    assert len(texts) == 2 * len(numbers) and all(texts)
    assert {a.step for a in audit} == {d.step for d in docs}
    assert len(audit) == len(docs) and all(a.actor == "U_ADM" for a in audit)
    row = next(a for a in audit if a.data["number"] == sla.number)
    words = event_words({"action": row.action, "step": row.step, "data": row.data}, "zh-CN")
    assert words.startswith("M4 · ") and "重建" in words and sla.number in words
    assert backfill(world, aid, actor="U_ADM", now=clock()) == []


def test_backfill_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["migrate"]) == 0
    db = Database(url)
    try:
        setup_world(db)
        aid = drive(db, "M5", Clock()).agreement_id
        _as_before_0008(db, aid)
    finally:
        db.dispose()
    capsys.readouterr()
    assert main(["docs", "backfill", "--as", "U_ADM"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{aid}: reconstructed ") and f"{aid}/SLA/v1" in out
    assert main(["docs", "render", aid, "--kind", "sla", "-o", "out"]) == 0
    (path,) = capsys.readouterr().out.split()
    assert Path(path).read_text(encoding="utf-8").startswith("> **Reconstructed** on")
    assert main(["docs", "backfill", aid, "--as", "U_ADM"]) == 0
    assert "nothing to reconstruct" in capsys.readouterr().out
