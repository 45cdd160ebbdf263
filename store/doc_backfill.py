"""Documents issued before migration 0008 have no number, date or rendered text: `slm-bot docs
backfill [ID]` renders them from their stored form data, in every language, marked as
reconstructed (a note above the text, and `document_text.reconstructed`), one audit event per
document under its step id, one transaction per agreement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from bot.documents.render import LOCALES, sha256
from bot.flows.documents import DocKind, doc_number
from bot.i18n import t
from store.db import Database
from store.doc_facts import load_facts
from store.documents import doc_zone, render_again
from store.models import Agreement, AuditEvent, Document, DocumentText

#: the audit kind of a reconstructed document (bot.history words it)
BACKFILL = "documents.backfill"


@dataclass
class Backfilled:
    """What one agreement's backfill did: the numbers reconstructed, those that could not be."""

    agreement_id: str
    numbers: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _without_text(s: Session, agreement_id: str | None) -> list[str]:
    """Agreements (that one, or all) with a document that has no text in some language."""
    texts = select(col(DocumentText.document_id))
    q = select(col(Document.agreement_id)).where(col(Document.id).not_in(texts)).distinct()
    if agreement_id is not None:
        q = q.where(col(Document.agreement_id) == agreement_id)
    return sorted(str(a) for a in s.execute(q).scalars())


def _number(s: Session, docs: list[Document]) -> None:
    """Give unnumbered documents the number and version they would have had, in issue order."""
    seen: dict[tuple[str, str], int] = {}
    subjects: dict[str, list[str]] = {}
    for d in docs:
        version = seen[(d.kind, d.subject)] = seen.get((d.kind, d.subject), 0) + 1
        order = subjects.setdefault(d.kind, [])
        if d.subject and d.subject not in order:
            order.append(d.subject)
        if d.number:
            continue
        no = order.index(d.subject) + 1 if d.subject else 0
        d.number, d.version = doc_number(d.agreement_id, DocKind(d.kind), version, no), version
        d.issued_on = d.issued_on or d.created_at.astimezone(doc_zone(s)).date()
        s.add(d)
    s.flush()


def _one(s: Session, agreement_id: str, *, actor: str, now: datetime) -> Backfilled:
    out = Backfilled(agreement_id)
    ag = s.get(Agreement, agreement_id)
    if ag is None:
        return out
    docs = list(
        s.execute(
            select(Document)
            .where(col(Document.agreement_id) == agreement_id)
            .order_by(col(Document.id))
        ).scalars()
    )
    _number(s, docs)
    have = set(
        s.execute(
            select(col(DocumentText.document_id)).where(
                col(DocumentText.document_id).in_([d.id for d in docs])
            )
        ).scalars()
    )
    facts = load_facts(s, ag)
    for d in (d for d in docs if d.id not in have):
        try:
            bodies = {loc: render_again(s, d, loc, facts) for loc in LOCALES}
        except Exception:  # a template the stored data cannot fill: reported, nothing written
            out.failed.append(d.number)
            continue
        for loc, body in bodies.items():
            text = f"{t('doc_reconstructed', loc, day=now.date().isoformat())}\n\n{body}"
            s.add(
                DocumentText(
                    document_id=d.id or 0,
                    locale=loc,
                    body=text,
                    sha256=sha256(text),
                    rendered_at=now,
                    reconstructed=True,
                )
            )
        s.add(
            AuditEvent(
                agreement_id=agreement_id,
                actor=actor,
                at=now,
                step=d.step,
                action=BACKFILL,
                data={"number": d.number, "document": d.id, "kind": d.kind},
                before={"text": None},
                after={"text": list(LOCALES), "reconstructed": True},
            )
        )
        out.numbers.append(d.number)
    return out


def backfill(
    db: Database, agreement_id: str | None = None, *, actor: str, now: datetime
) -> list[Backfilled]:
    """Render the documents that have no text (of one agreement, or of all)."""
    aid = agreement_id.strip().upper() if agreement_id else None
    with db.read() as s:
        ids = _without_text(s, aid)
    done = []
    for a in ids:
        with db.write() as s:
            done.append(_one(s, a, actor=actor, now=now))
    return done
