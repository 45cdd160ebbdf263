"""Documents on the command line: `slm-bot act ID M4` again before M5 signs (C2 before C3)
prints what the redraft changed, field by field and as a unified diff of the rendered text;
`agreements show` names each document as its status reads. In the configured language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.flows.documents import DocKind, DocStatus, doc_label
from bot.flows.process import ACTION_BY_ID
from bot.flows.redraft import text_diff
from bot.i18n import Safe, t
from bot.render.redraft import change_rows
from store.db import Database
from store.lifecycle import Outcome
from store.redraft import compare


def print_changes(db: Database, out: Outcome, locale: str) -> None:
    assert out.previous_record is not None
    c = compare(
        db,
        previous_record=out.previous_record,
        previous_documents=list(out.previous_documents),
        record_id=out.record_id,
        documents=list(out.documents),
        locale=locale,
    )
    if c is None:
        return
    step = ACTION_BY_ID[out.action].step
    print(t("cli_redraft_title", locale, step=step, new=c.new_number, old=c.old_number))
    for r in change_rows(out.action, c.old_data, c.new_data, locale):
        print(t("cli_redraft_row", locale, field=Safe(r.label), old=Safe(r.old), new=Safe(r.new)))
    for line in text_diff(c.old_text, c.new_text):
        print(f"  {line}")


def doc_words(doc: Mapping[str, Any], locale: str) -> str:
    """`in effect  M4   Service level agreement` (the draft label only while a draft)."""
    status = DocStatus(doc["status"])
    kind = DocKind(doc["kind"])
    name = doc_label(kind, status, locale, doc["title"] or "", doc.get("subject") or "")
    return f"{status.label(locale):<10} {doc['step']:<4} {name}"
