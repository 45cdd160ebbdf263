"""A redraft (M4 again before M5 signs, C2 again before C3): what it replaces, and what the
thread reply and the command line compare (the two records' data, the two drafts' text)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from bot.documents.render import norm_locale
from bot.flows.documents import DocStatus
from bot.flows.machine import Decision
from store.db import Database
from store.effects import last_record
from store.models import Document, DocumentText, StepRecord


@dataclass(frozen=True)
class Replaced:
    """The previous draft: its step record and its draft documents (withdrawn by the redraft)."""

    record_id: int
    documents: tuple[int, ...]


def replaced(s: Session, agreement_id: str, d: Decision) -> Replaced | None:
    """What a redraft replaces; None when `d` is not a redraft. Read before the new record
    and documents are written."""
    if not d.redraft:
        return None
    rec = last_record(s, agreement_id, d.action.id)
    if rec is None or rec.id is None:
        return None
    drafts = s.execute(
        select(col(Document.id))
        .where(
            col(Document.agreement_id) == agreement_id,
            col(Document.kind).in_([k.value for k in d.outputs]),
            col(Document.status) == DocStatus.DRAFT,
        )
        .order_by(col(Document.id))
    ).scalars()
    return Replaced(rec.id, tuple(int(i) for i in drafts))


def audit(r: Replaced | None) -> dict[str, Any]:
    """What the audit event adds for a redraft: the record replaced, the drafts withdrawn."""
    if r is None:
        return {}
    return {"redraft": {"replaces_record": r.record_id, "withdrawn": list(r.documents)}}


def payload(r: Replaced | None) -> dict[str, Any]:
    """What the thread reply needs to show the changes (EventPayload's fields)."""
    if r is None:
        return {}
    return {"previous_record": r.record_id, "previous_documents": list(r.documents)}


@dataclass(frozen=True)
class Comparison:
    """Both sides of a redraft in one language: form data, document numbers and text."""

    action: str
    old_data: dict[str, Any]
    new_data: dict[str, Any]
    old_number: str
    new_number: str
    old_text: str
    new_text: str


def _doc(s: Session, ids: list[int], locale: str) -> tuple[str, str]:
    """The number and the issued text (in `locale`) of the draft among `ids`."""
    if not ids:
        return "", ""
    doc = s.get(Document, max(ids))
    if doc is None:
        return "", ""
    body = s.execute(
        select(col(DocumentText.body)).where(
            col(DocumentText.document_id) == doc.id, col(DocumentText.locale) == locale
        )
    ).scalar_one_or_none()
    return doc.number, body or ""


def compare(
    db: Database,
    *,
    previous_record: int,
    previous_documents: list[int],
    record_id: int,
    documents: list[int],
    locale: str,
) -> Comparison | None:
    """The two drafts side by side, in `locale` (None when a record is gone)."""
    loc = norm_locale(locale)
    with db.read() as s:
        old, new = s.get(StepRecord, previous_record), s.get(StepRecord, record_id)
        if old is None or new is None:
            return None
        old_number, old_text = _doc(s, previous_documents, loc)
        new_number, new_text = _doc(s, documents, loc)
        return Comparison(
            new.action, dict(old.data), dict(new.data), old_number, new_number, old_text, new_text
        )
