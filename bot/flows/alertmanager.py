"""Alertmanager's webhook payload (version 4) read as outage signals.

A label (default `sla`) names the agreement; `firing` opens an outage at `startsAt`,
`resolved` closes it at `endsAt`. The alert's fingerprint and `startsAt` identify the outage,
so a resent notification changes nothing. Labels `priority` (P1-P4) or `severity`
(critical, high, warning, info) and `impact` (down, degraded) say what kind of incident it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from bot.flows.incidents import EARLIEST, LATEST
from bot.flows.service_levels import Impact, Priority

SEVERITY_PRIORITY = {
    "critical": Priority.P1,
    "page": Priority.P1,
    "high": Priority.P2,
    "error": Priority.P2,
    "warning": Priority.P3,
    "info": Priority.P4,
}

Label = Annotated[str, Field(max_length=1000)]


class Alert(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: Literal["firing", "resolved"]
    labels: dict[str, Label]
    annotations: dict[str, Label] = {}
    startsAt: AwareDatetime
    endsAt: AwareDatetime | None = None
    fingerprint: Annotated[str, Field(min_length=1, max_length=64)]


class AlertmanagerPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")
    version: Literal["4"]
    status: Literal["firing", "resolved"]
    alerts: Annotated[list[Alert], Field(max_length=1000)]


@dataclass(frozen=True, slots=True)
class OutageSignal:
    """One alert, read: which agreement, which outage, open or closed at `ends_at`."""

    agreement_id: str
    key: str
    firing: bool
    starts_at: datetime
    ends_at: datetime | None
    priority: Priority
    impact: Impact
    summary: str


@dataclass(frozen=True, slots=True)
class Ignored:
    fingerprint: str
    reason: str


def _priority(labels: dict[str, str]) -> Priority:
    p = labels.get("priority", "").upper()
    if p in Priority.__members__:
        return Priority(p)
    return SEVERITY_PRIORITY.get(labels.get("severity", "").lower(), Priority.P2)


def _impact(labels: dict[str, str]) -> Impact:
    return Impact.DEGRADED if labels.get("impact", "").lower() == "degraded" else Impact.DOWN


def _summary(alert: Alert) -> str:
    text = (
        alert.annotations.get("summary")
        or alert.annotations.get("description")
        or alert.labels.get("alertname")
        or "Alertmanager alert"
    )
    clean = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    return clean.strip()[:500] or "Alertmanager alert"


def read_alerts(
    payload: AlertmanagerPayload, *, label: str
) -> tuple[list[OutageSignal], list[Ignored]]:
    """The payload's alerts as outage signals; alerts without the label, or with times
    outside what is kept, are ignored with the reason."""
    signals: list[OutageSignal] = []
    ignored: list[Ignored] = []
    for a in payload.alerts:
        agreement = a.labels.get(label, "").strip()
        if not agreement or len(agreement) > 20:
            ignored.append(Ignored(a.fingerprint, f"no {label} label"))
            continue
        if not EARLIEST <= a.startsAt < LATEST:
            ignored.append(Ignored(a.fingerprint, "startsAt out of range"))
            continue
        resolved = a.status == "resolved"
        ends = a.endsAt if resolved and a.endsAt and a.endsAt >= a.startsAt else None
        if resolved and ends is None:
            ignored.append(Ignored(a.fingerprint, "resolved without a valid endsAt"))
            continue
        signals.append(
            OutageSignal(
                agreement_id=agreement,
                key=f"am:{a.fingerprint}@{a.startsAt.isoformat()}",
                firing=not resolved,
                starts_at=a.startsAt,
                ends_at=ends,
                priority=_priority(a.labels),
                impact=_impact(a.labels),
                summary=_summary(a),
            )
        )
    return signals, ignored
