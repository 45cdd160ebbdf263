"""Outage signals from Alertmanager into incidents: one transaction per notification,
idempotent per alert (fingerprint + startsAt), each change audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from bot.flows.alertmanager import OutageSignal
from bot.flows.errors import DomainError, NotFound
from bot.flows.incidents import IncidentForm
from store.db import Database
from store.incidents import _audit, _insert, _json_fields, measured_agreement
from store.models import Incident

ACTOR = "system:alertmanager"


@dataclass
class AlertOutcome:
    opened: int = 0
    closed: int = 0
    unchanged: int = 0
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (agreement, reason)


def _form(sig: OutageSignal) -> IncidentForm:
    return IncidentForm(
        priority=sig.priority,
        impact=sig.impact,
        opened_at=sig.starts_at,
        resolved_at=sig.ends_at,
        summary=sig.summary,
    )


def _one(s: Session, sig: OutageSignal, now: datetime, out: AlertOutcome) -> None:
    try:
        measured_agreement(s, sig.agreement_id)
    except (NotFound, DomainError) as exc:
        out.ignored.append((sig.agreement_id, exc.code))
        return
    row = s.execute(
        select(Incident).where(
            col(Incident.agreement_id) == sig.agreement_id, col(Incident.source_key) == sig.key
        )
    ).scalar_one_or_none()
    if row is None:
        _insert(
            s,
            sig.agreement_id,
            _form(sig),
            actor=ACTOR,
            now=now,
            source="alertmanager",
            source_key=sig.key,
        )
        out.opened += 1
        out.closed += sig.ends_at is not None
        return
    if sig.ends_at is None or row.resolved_at == sig.ends_at:
        out.unchanged += 1
        return
    before = _json_fields(row)
    row.resolved_at = sig.ends_at
    row.updated_at = now
    s.add(row)
    s.flush()
    _audit(s, row, actor=ACTOR, now=now, action="incident.resolve", before=before)
    out.closed += 1


def ingest(db: Database, signals: Sequence[OutageSignal], *, now: datetime) -> AlertOutcome:
    """Apply one notification's signals (all in one transaction)."""
    out = AlertOutcome()
    with db.write() as s:
        for sig in signals:
            _one(s, sig, now, out)
    return out
