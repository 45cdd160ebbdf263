"""Reading issued documents: the list of an agreement's documents and one document's text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import col

from bot.documents.render import norm_locale
from bot.flows.documents import DocKind, DocStatus, doc_label
from bot.flows.errors import NotFound
from store.db import Database
from store.models import Agreement, Document, DocumentText


@dataclass(frozen=True)
class DocRow:
    id: int
    agreement_id: str
    number: str
    kind: DocKind
    version: int
    subject: str
    status: DocStatus
    title: str
    step: str
    sla_version: int
    issued_on: date | None

    def name(self, locale: str) -> str:
        return doc_label(self.kind, self.status, locale, self.title, self.subject)

    def filename(self, locale: str, fmt: str) -> str:
        return f"{self.number.replace('/', '_')}.{norm_locale(locale)}.{fmt}"


@dataclass(frozen=True)
class DocText:
    doc: DocRow
    locale: str
    body: str
    sha256: str


def _row(d: Document) -> DocRow:
    assert d.id is not None
    return DocRow(
        id=d.id,
        agreement_id=d.agreement_id,
        number=d.number,
        kind=DocKind(d.kind),
        version=d.version,
        subject=d.subject,
        status=DocStatus(d.status),
        title=d.title,
        step=d.step,
        sla_version=d.sla_version,
        issued_on=d.issued_on,
    )


def list_documents(db: Database, agreement_id: str) -> list[DocRow]:
    """Every document of an agreement, oldest first; NotFound names an unknown agreement."""
    aid = agreement_id.strip().upper()
    with db.read() as s:
        if s.get(Agreement, aid) is None:
            raise NotFound(code="no_agreement", agreement=agreement_id)
        docs = s.execute(
            select(Document).where(col(Document.agreement_id) == aid).order_by(col(Document.id))
        ).scalars()
        return [_row(d) for d in docs]


def documents_by_id(db: Database, ids: list[int]) -> list[DocRow]:
    """Documents by id, in id order (an outbox row names the documents a step issued)."""
    with db.read() as s:
        docs = s.execute(
            select(Document).where(col(Document.id).in_(ids)).order_by(col(Document.id))
        ).scalars()
        return [_row(d) for d in docs]


def select_documents(
    rows: list[DocRow], kind: DocKind | None = None, version: int | None = None
) -> list[DocRow]:
    """The documents `docs render` and `/sla doc` mean: of one kind (all kinds without one),
    that version (else the latest), one per subject (every OLA department)."""
    chosen = [r for r in rows if kind is None or r.kind is kind]
    if kind is not None and not chosen:
        agreement = rows[0].agreement_id if rows else "-"
        raise NotFound(code="no_document", kind=kind.value, agreement=agreement)
    latest: dict[tuple[DocKind, str], DocRow] = {}
    for r in chosen:
        if version is None or r.version == version:
            latest[(r.kind, r.subject)] = r
    if not latest:
        raise NotFound(
            code="no_document_version", version=version, kind=kind.value if kind else "document"
        )
    return list(latest.values())


def document_text(db: Database, doc: DocRow, locale: str) -> DocText:
    """The Markdown as issued in that language."""
    loc = norm_locale(locale)
    with db.read() as s:
        t = s.execute(
            select(DocumentText).where(
                col(DocumentText.document_id) == doc.id, col(DocumentText.locale) == loc
            )
        ).scalar_one_or_none()
    if t is None:
        raise NotFound(code="no_document_text", number=doc.number, language=loc)
    return DocText(doc, loc, t.body, t.sha256)
