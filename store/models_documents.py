"""Tables of the documents the steps issue (re-exported by store.models)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from bot.flows.documents import DocStatus
from store.model_fields import JSONDict, json_field, status_field, ts


class Document(SQLModel, table=True):
    """A document a step produced; insert-only (only status and title move), so old versions
    are kept. Its rendered text, one row per language, is in `DocumentText`."""

    __table_args__ = (Index("ix_document_agreement", "agreement_id", "sla_version"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", max_length=20)
    sla_version: int
    kind: str = Field(max_length=32)
    step: str = Field(max_length=8)
    record_id: int | None = Field(default=None, foreign_key="step_record.id")
    title: str = Field(max_length=300)
    data: JSONDict = json_field(default_factory=dict)
    created_by: str = Field(max_length=64)
    created_at: datetime = ts()
    #: `SLA-2026-0005/SLA/v2` (bot.flows.documents.doc_number)
    number: str = Field(default="", max_length=120)
    #: per agreement, kind and subject: 1, 2, ...
    version: int = 1
    #: what a per-department or per-contract document is about (OLA department, contract no)
    subject: str = Field(default="", max_length=200)
    status: DocStatus = status_field(DocStatus, "document", default=DocStatus.IN_EFFECT)
    issued_on: date | None = None


class DocumentText(SQLModel, table=True):
    """A document's Markdown as issued, per language, with the SHA-256 of its UTF-8 bytes."""

    __tablename__ = "document_text"
    __table_args__ = (UniqueConstraint("document_id", "locale"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    locale: str = Field(max_length=8)
    body: str = Field(sa_type=Text)
    sha256: str = Field(max_length=64)
    rendered_at: datetime = ts()
    #: rendered afterwards from the stored form data (issued before documents were rendered)
    reconstructed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
