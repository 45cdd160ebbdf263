"""Incidents and outages (M11): recorded, corrected, imported and listed, each change one
transaction with its audit event.

Who may write: a service level manager, or the agreement's O&M service owner; machines (the
Alertmanager webhook, the API) write as `system:<name>` after their token was checked at the
edge. An agreement is measured once its SLA is signed (M5) and until it is archived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlmodel import Session, col

from bot.flows.errors import DomainError, NotFound, PermissionDenied
from bot.flows.incidents import SOURCES, IncidentForm
from bot.flows.process import MEASUREMENT, Status
from bot.flows.roles import Role
from bot.flows.service_levels import Impact, Pause, Priority
from bot.flows.service_levels.attainment import IncidentFacts
from store.db import Database
from store.models import Agreement, AuditEvent, Incident
from store.outbox import CardPayload, Message, NoticeTo, enqueue_many, queue_notice
from store.roles import roles_of

#: the step whose measurement incidents feed (audit rows carry it)
STEP = MEASUREMENT
SYSTEM_PREFIX = "system:"


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """One incident as callers see it (no ORM object leaves the store)."""

    id: int
    agreement_id: str
    priority: Priority
    impact: Impact
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    summary: str
    pauses: tuple[Pause, ...]
    source: str
    created_by: str

    @property
    def facts(self) -> IncidentFacts:
        """What the measurement reads of it (bot.flows.service_levels)."""
        return IncidentFacts(
            id=self.id,
            priority=self.priority,
            impact=self.impact,
            opened_at=self.opened_at.astimezone(UTC),
            acknowledged_at=self.acknowledged_at,
            resolved_at=self.resolved_at,
            summary=self.summary,
            pauses=self.pauses,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "agreement_id": self.agreement_id,
            "priority": self.priority.value,
            "impact": self.impact.value,
            "opened_at": self.opened_at.isoformat(),
            "acknowledged_at": _iso(self.acknowledged_at),
            "resolved_at": _iso(self.resolved_at),
            "summary": self.summary,
            "pauses": [p.model_dump(mode="json") for p in self.pauses],
            "source": self.source,
            "created_by": self.created_by,
        }


def _iso(v: datetime | None) -> str | None:
    return v.isoformat() if v is not None else None


def record_of(row: Incident) -> IncidentRecord:
    assert row.id is not None
    return IncidentRecord(
        id=row.id,
        agreement_id=row.agreement_id,
        priority=Priority(row.priority),
        impact=Impact(row.impact),
        opened_at=row.opened_at,
        acknowledged_at=row.acknowledged_at,
        resolved_at=row.resolved_at,
        summary=row.summary,
        pauses=tuple(Pause.model_validate(p) for p in row.pauses),
        source=row.source,
        created_by=row.created_by,
    )


def measured_agreement(s: Session, agreement_id: str) -> Agreement:
    """The agreement, if its service is measured (SLA signed, not archived or declined)."""
    ag = s.get(Agreement, agreement_id)
    if ag is None:
        raise NotFound(code="no_agreement", agreement=agreement_id)
    if ag.sla_version < 1 or Status(ag.status).final:
        raise DomainError(code="not_measured", agreement=agreement_id, status=ag.status)
    return ag


def _check_writer(s: Session, ag: Agreement, actor: str) -> None:
    if actor.startswith(SYSTEM_PREFIX) or actor == ag.owner:
        return
    if Role.SLM not in roles_of(s, actor):
        raise PermissionDenied("incident", (Role.SLM, Role.OPS_LEAD), reason="incident_writer")


def _fields(form: IncidentForm) -> dict[str, Any]:
    return {
        "priority": form.priority.value,
        "impact": form.impact.value,
        "opened_at": form.opened_at,
        "acknowledged_at": form.acknowledged_at,
        "resolved_at": form.resolved_at,
        "summary": form.summary,
        "pauses": [p.model_dump(mode="json") for p in form.pauses],
    }


def _json_fields(row: Incident) -> dict[str, Any]:
    return {
        "priority": row.priority,
        "impact": row.impact,
        "opened_at": _iso(row.opened_at),
        "acknowledged_at": _iso(row.acknowledged_at),
        "resolved_at": _iso(row.resolved_at),
        "summary": row.summary,
        "pauses": row.pauses,
    }


def _future(form: IncidentForm, now: datetime) -> None:
    late = form.in_future(now)
    if late:
        raise DomainError(code="incident_in_future", field=late)


def _audit(
    s: Session, row: Incident, *, actor: str, now: datetime, action: str, before: dict[str, Any]
) -> None:
    s.add(
        AuditEvent(
            agreement_id=row.agreement_id,
            actor=actor,
            at=now,
            step=STEP,
            action=action,
            data={"incident": row.id, "source": row.source},
            before=before,
            after=_json_fields(row),
        )
    )


def _insert(
    s: Session,
    agreement_id: str,
    form: IncidentForm,
    *,
    actor: str,
    now: datetime,
    source: str,
    source_key: str | None = None,
    card: bool = True,
) -> Incident:
    assert source in SOURCES
    row = Incident(
        agreement_id=agreement_id,
        source=source,
        source_key=source_key,
        created_by=actor,
        created_at=now,
        updated_at=now,
        **_fields(form),
    )
    s.add(row)
    s.flush()
    _audit(s, row, actor=actor, now=now, action="incident.record", before={})
    if card:
        refresh_card(s, agreement_id, now)
    return row


def refresh_card(s: Session | Connection, agreement_id: str, now: datetime) -> None:
    """The card shows the month's figures: an incident recorded or changed updates it (the
    outbox coalesces card updates, so a burst of alerts edits it once)."""
    enqueue_many(
        s, agreement_id=agreement_id, now=now, messages=[Message("card", None, CardPayload())]
    )


def record_incident(
    db: Database,
    *,
    agreement_id: str,
    form: IncidentForm,
    actor: str,
    now: datetime,
    source: str = "slack",
    notice: NoticeTo[IncidentRecord] | None = None,
) -> IncidentRecord:
    """Record one incident (M11's measurement), audited; the recorder's confirmation
    (`notice`) is queued with it."""
    _future(form, now)
    with db.write() as s:
        ag = measured_agreement(s, agreement_id)
        _check_writer(s, ag, actor)
        rec = record_of(_insert(s, agreement_id, form, actor=actor, now=now, source=source))
        if notice is not None:
            queue_notice(s, notice, rec, now)
        return rec


def correct_incident(
    db: Database,
    *,
    incident_id: int,
    form: IncidentForm,
    actor: str,
    now: datetime,
    notice: NoticeTo[IncidentRecord] | None = None,
) -> IncidentRecord:
    """Correct a recorded incident (a later acknowledgement, the resolution, a typo): the
    audit row keeps what it said before."""
    _future(form, now)
    with db.write() as s:
        row = s.get(Incident, incident_id)
        if row is None:
            raise NotFound(code="no_incident", id=incident_id)
        ag = measured_agreement(s, row.agreement_id)
        _check_writer(s, ag, actor)
        before = _json_fields(row)
        for name, value in _fields(form).items():
            setattr(row, name, value)
        row.updated_at = now
        s.add(row)
        s.flush()
        _audit(s, row, actor=actor, now=now, action="incident.correct", before=before)
        refresh_card(s, row.agreement_id, now)
        rec = record_of(row)
        if notice is not None:
            queue_notice(s, notice, rec, now)
        return rec


def import_incidents(
    db: Database,
    *,
    agreement_id: str,
    forms: Sequence[IncidentForm],
    actor: str,
    now: datetime,
) -> int:
    """A whole CSV file's incidents in one transaction (all or nothing)."""
    for form in forms:
        _future(form, now)
    with db.write() as s:
        ag = measured_agreement(s, agreement_id)
        _check_writer(s, ag, actor)
        for form in forms:
            _insert(s, agreement_id, form, actor=actor, now=now, source="csv", card=False)
        refresh_card(s, agreement_id, now)
        return len(forms)


def list_incidents(
    db: Database,
    agreement_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[IncidentRecord]:
    """The agreement's incidents that overlap `[since, until)`, oldest first."""
    with db.read() as s:
        if s.get(Agreement, agreement_id) is None:
            raise NotFound(code="no_agreement", agreement=agreement_id)
        return incidents_in(s, agreement_id, since=since, until=until)


def incidents_in(
    s: Session,
    agreement_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[IncidentRecord]:
    q = select(Incident).where(col(Incident.agreement_id) == agreement_id)
    if until is not None:
        q = q.where(col(Incident.opened_at) < until)
    if since is not None:
        q = q.where(col(Incident.resolved_at).is_(None) | (col(Incident.resolved_at) > since))
    rows = s.execute(q.order_by(col(Incident.opened_at), col(Incident.id))).scalars().all()
    return [record_of(r) for r in rows]


def check_writer(db: Database, *, agreement_id: str, actor: str) -> None:
    """Refuse, before a modal opens, whoever could not record an incident on the agreement."""
    with db.read() as s:
        _check_writer(s, measured_agreement(s, agreement_id), actor)


def get_incident(db: Database, incident_id: int) -> IncidentRecord:
    with db.read() as s:
        row = s.get(Incident, incident_id)
        if row is None:
            raise NotFound(code="no_incident", id=incident_id)
        return record_of(row)
