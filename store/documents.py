"""Issuing documents: numbers, versions, statuses and the rendered text, inside the step's
transaction (a render failure fails the step; nothing half-written is committed).

A document is rendered once, in every language, when its step completes and kept as issued;
only its status (draft, in effect, superseded, withdrawn, archived) and, after signing, its
title move later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import case, insert, select, update
from sqlmodel import Session, col

from bot.documents.render import LOCALES, render_markdown, sha256
from bot.flows.documents import (
    RECORD_KINDS,
    SIGNED_NAMES,
    SUPERSEDES,
    DocKind,
    DocStatus,
    doc_name,
    doc_number,
    initial_status,
)
from bot.flows.forms import DeptLines
from bot.flows.process import ADDITIONAL_DRAFTING, ADDITIONAL_SIGNING, INITIATION, SLA_DRAFTING
from store.db import DEFAULT_TZ
from store.doc_context import DocHead, context_for
from store.doc_facts import Facts, load_facts
from store.models import Agreement, Document, DocumentText, StepRecord, table_of


def doc_zone(s: Session) -> ZoneInfo:
    """The company's time zone (SLM_TIMEZONE, carried by the session): a document is dated
    with the calendar day there."""
    return ZoneInfo(str(s.info.get("timezone") or DEFAULT_TZ))


_DOCS, _TEXTS = table_of(Document), table_of(DocumentText)
_INSERT_DOCUMENT = insert(_DOCS).returning(_DOCS.c.id, sort_by_parameter_order=True)


@dataclass(frozen=True)
class Issue:
    """One document a step issues: its kind, what it is about and its own data."""

    kind: DocKind
    subject: str
    data: dict[str, Any]
    #: the status it is issued with, when not the kind's first one (M12's SLA is in effect)
    status: DocStatus | None = None


def _dept_lines(raw: Any) -> list[dict[str, str]]:
    if not raw:
        return []
    try:
        return [ln.model_dump() for ln in TypeAdapter(DeptLines).validate_python(raw)]
    except ValidationError:
        return []


def plan(outputs: tuple[DocKind, ...], data: dict[str, Any], own: dict[str, Any]) -> list[Issue]:
    """The documents of a step: one per output, one OLA per department, one supplier contract
    per contract number. `own` holds data an effect computed for a kind (T6's variance)."""
    out: list[Issue] = []
    for kind in outputs:
        if kind is DocKind.OLA:
            lines = data["olas"] if "olas" in data else _dept_lines(data.get("ola_updates"))
            out += [Issue(kind, ln["department"], dict(ln)) for ln in lines]
        elif kind is DocKind.SUPPLIER_CONTRACT:
            out.append(Issue(kind, str(data.get("contract_no", "")), own.get(kind.value, data)))
        else:
            out.append(Issue(kind, "", own.get(kind.value, data)))
    return out


def latest_records(s: Session, agreement_id: str) -> dict[str, dict[str, Any]]:
    """Action id -> the data of its latest (not skipped) record."""
    rows = s.execute(
        select(col(StepRecord.action), col(StepRecord.data))
        .where(col(StepRecord.agreement_id) == agreement_id, col(StepRecord.skipped).is_(False))
        .order_by(col(StepRecord.id))
    )
    return {action: dict(data) for action, data in rows}


def refreshed(s: Session, ag: Agreement, records: dict[str, dict[str, Any]]) -> list[Issue]:
    """M12 keeps the set current: the SLA, proposal and OLAs whose latest version describes an
    older SLA version than the one in effect are issued again for it."""
    if not ag.sla_version:
        return []
    latest: dict[tuple[str, str], int] = {}
    for kind, subject, version in s.execute(
        select(col(Document.kind), col(Document.subject), col(Document.sla_version))
        .where(col(Document.agreement_id) == ag.id)
        .order_by(col(Document.id))
    ):
        latest[(kind, subject)] = version
    out: list[Issue] = []
    if latest.get((DocKind.SLA.value, ""), ag.sla_version) < ag.sla_version:
        data = dict(records.get(SLA_DRAFTING, {})) | {
            "changes": records.get(ADDITIONAL_DRAFTING, {}).get("changes", "")
        }
        out.append(Issue(DocKind.SLA, "", data, DocStatus.IN_EFFECT))
    if latest.get((DocKind.PROPOSAL.value, ""), ag.sla_version) < ag.sla_version:
        out.append(Issue(DocKind.PROPOSAL, "", dict(records.get(ADDITIONAL_SIGNING, {}))))
    for (kind, subject), version in latest.items():
        if kind == DocKind.OLA.value and version < ag.sla_version:
            text = next(
                (
                    ln["text"]
                    for ln in records.get(INITIATION, {}).get("olas", [])
                    if ln["department"] == subject
                ),
                "",
            )
            out.append(Issue(DocKind.OLA, subject, {"department": subject, "text": text}))
    return out


def _title(kind: DocKind, status: DocStatus, ag_id: str, version: int, subject: str) -> str:
    base = f"{doc_name(kind, status, 'en')} · {ag_id} v{version}"
    return f"{base} · {subject}" if subject else base


def _numbering(facts: Facts, issue: Issue) -> tuple[int, int]:
    """(version, subject ordinal) of a new document of this kind and subject."""
    same = [d for d in facts.documents if d["kind"] == issue.kind.value]
    version = 1 + sum(d["subject"] == issue.subject for d in same)
    if not issue.subject:
        return version, 0
    subjects = list(dict.fromkeys(d["subject"] for d in same))
    no = subjects.index(issue.subject) + 1 if issue.subject in subjects else len(subjects) + 1
    return version, no


def _retire(
    s: Session,
    facts: Facts,
    ag_id: str,
    kind: DocKind,
    subject: str | None,
    *,
    draft_to: DocStatus,
) -> None:
    """Earlier versions step aside: one in effect is superseded, a draft `draft_to` (withdrawn
    by a redraft, superseded by the document that consolidates it). One statement, and none
    when the facts read in this transaction hold nothing to retire."""
    if not any(
        d["kind"] == kind.value
        and d["status"] in _RETIRING
        and (subject is None or d["subject"] == subject)
        for d in facts.documents
    ):
        return
    where = [col(Document.agreement_id) == ag_id, col(Document.kind) == kind.value]
    if subject is not None:
        where.append(col(Document.subject) == subject)
    status = col(Document.status)
    s.execute(
        update(Document)
        .where(*where, status.in_(_RETIRING))
        .values(
            status=case(
                (status == DocStatus.DRAFT.value, draft_to.value),
                else_=DocStatus.SUPERSEDED.value,
            )
        )
    )


_RETIRING = (DocStatus.DRAFT.value, DocStatus.IN_EFFECT.value)


def sign_drafts(s: Session, ag_id: str) -> None:
    """Signing (M5, C3): the latest draft SLA or additional SLA takes effect under its signed
    title; the version it replaces is superseded."""
    for kind, (name_en, _zh) in SIGNED_NAMES.items():
        draft = s.execute(
            select(Document)
            .where(
                col(Document.agreement_id) == ag_id,
                col(Document.kind) == kind.value,
                col(Document.status) == DocStatus.DRAFT,
            )
            .order_by(col(Document.id).desc())
            .limit(1)
        ).scalar_one_or_none()
        if draft is None:
            continue
        s.execute(
            update(Document)
            .where(
                col(Document.agreement_id) == ag_id,
                col(Document.kind) == kind.value,
                col(Document.status) == DocStatus.IN_EFFECT,
            )
            .values(status=DocStatus.SUPERSEDED)
        )
        s.execute(
            update(Document)
            .where(col(Document.id) == draft.id)
            .values(
                status=DocStatus.IN_EFFECT,
                title=f"{name_en} · {ag_id} v{draft.sla_version}",
            )
        )


def withdraw_drafts(s: Session, ag_id: str) -> None:
    """A withdrawn change (M13.withdraw): its unsigned additional SLA is withdrawn too."""
    s.execute(
        update(Document)
        .where(
            col(Document.agreement_id) == ag_id,
            col(Document.kind) == DocKind.ADDITIONAL_SLA.value,
            col(Document.status) == DocStatus.DRAFT,
        )
        .values(status=DocStatus.WITHDRAWN)
    )


def archive_all(s: Session, ag_id: str) -> None:
    """T7: every document of the agreement is archived."""
    s.execute(
        update(Document)
        .where(col(Document.agreement_id) == ag_id)
        .values(status=DocStatus.ARCHIVED)
    )


@dataclass(frozen=True)
class StepInfo:
    """The step that issues the documents."""

    step: str
    action: str
    actor: str
    record_id: int
    sla_version: int
    form: dict[str, Any]


def issue(
    s: Session, ag: Agreement, info: StepInfo, issues: list[Issue], *, now: datetime
) -> list[int]:
    """Number, render (every language) and insert the documents; returns their ids."""
    if not issues:
        return []
    s.flush()
    facts = load_facts(s, ag)
    issued_on = now.astimezone(doc_zone(s)).date()
    rows: list[dict[str, Any]] = []
    texts: list[list[dict[str, Any]]] = []
    for it in issues:
        version, subject_no = _numbering(facts, it)
        head = DocHead(
            kind=it.kind,
            number=doc_number(ag.id, it.kind, version, subject_no),
            version=version,
            subject=it.subject,
            status=it.status or initial_status(it.kind),
            issued_on=issued_on,
            step=info.step,
            action=info.action,
            actor=info.actor,
            sla_version=info.sla_version,
        )
        texts.append(_bodies(facts, head, it, info, now))
        if it.kind not in RECORD_KINDS:
            _retire(s, facts, ag.id, it.kind, it.subject, draft_to=DocStatus.WITHDRAWN)
        for other in SUPERSEDES.get(it.kind, ()):
            _retire(s, facts, ag.id, other, None, draft_to=DocStatus.SUPERSEDED)
        rows.append(_document_row(ag, info, it, head, now))
        facts.numbers.setdefault(it.kind.value, []).append(head.number)
        facts.documents.append(
            {k: rows[-1][k] for k in ("number", "kind", "title", "status", "version", "subject")}
        )
    conn = s.connection()
    ids = [int(i) for i in conn.execute(_INSERT_DOCUMENT, rows).scalars()]
    conn.execute(
        insert(_TEXTS),
        [t | {"document_id": i} for i, bodies in zip(ids, texts, strict=True) for t in bodies],
    )
    return ids


def _bodies(
    facts: Facts, head: DocHead, it: Issue, info: StepInfo, now: datetime
) -> list[dict[str, Any]]:
    """The document's text in every language."""
    bodies = []
    for loc in LOCALES:
        body = render_markdown(it.kind, loc, context_for(facts, head, it.data, info.form, loc))
        bodies.append({"locale": loc, "body": body, "sha256": sha256(body), "rendered_at": now})
    return bodies


def _document_row(
    ag: Agreement, info: StepInfo, it: Issue, head: DocHead, now: datetime
) -> dict[str, Any]:
    """The document's row (its texts are inserted beside it)."""
    return {
        "agreement_id": ag.id,
        "sla_version": info.sla_version,
        "kind": it.kind.value,
        "step": info.step,
        "record_id": info.record_id,
        "title": _title(it.kind, head.status, ag.id, info.sla_version, it.subject),
        "data": it.data,
        "created_by": info.actor,
        "created_at": now,
        "number": head.number,
        "version": head.version,
        "subject": it.subject,
        "status": head.status.value,
        "issued_on": head.issued_on,
    }


def render_again(
    s: Session,
    doc: Document,
    locale: str,
    facts: Facts | None = None,
    record: StepRecord | None = None,
) -> str:
    """A document's Markdown rendered anew from today's context (another language, or a
    template check); what was issued stays in `document_text` untouched. `facts` and the
    step `record` may be passed in when rendering many documents of one agreement."""
    if facts is None:
        ag = s.get(Agreement, doc.agreement_id)
        assert ag is not None
        facts = load_facts(s, ag)
    if record is None and doc.record_id:
        record = s.get(StepRecord, doc.record_id)
    head = DocHead(
        kind=DocKind(doc.kind),
        number=doc.number,
        version=doc.version,
        subject=doc.subject,
        status=DocStatus(doc.status),
        issued_on=doc.issued_on or doc.created_at.astimezone(doc_zone(s)).date(),
        step=doc.step,
        action=record.action if record else doc.step,
        actor=doc.created_by,
        sla_version=doc.sla_version,
    )
    form = dict(record.data) if record else {}
    return render_markdown(
        head.kind, locale, context_for(facts, head, dict(doc.data), form, locale)
    )
