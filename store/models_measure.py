"""Tables of the measuring side: reviews (M11, M12) and their improvements, incidents and
holiday overrides (re-exported by store.models)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.flows.statuses import ImprovementStatus
from store.model_fields import JSONDict, json_field, status_field, ts


class Review(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=20)
    step: str = Field(max_length=8)  # M11 | M12
    period_start: date | None = None
    period_end: date | None = None
    data: JSONDict = json_field(default_factory=dict)
    actor: str = Field(max_length=64)
    at: datetime = ts()


class ImprovementAction(SQLModel, table=True):
    """An M11 improvement, tracked until done; one that needs a change started C."""

    __tablename__ = "improvement_action"
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=20)
    review_id: int = Field(foreign_key="review.id")
    description: str = Field(max_length=3000)
    needs_change: bool = False
    status: ImprovementStatus = status_field(
        ImprovementStatus, "improvement_action", default=ImprovementStatus.OPEN
    )
    done_by: str | None = Field(default=None, max_length=64)
    done_at: datetime | None = ts(default=None)


class Incident(SQLModel, table=True):
    """An incident or outage of an agreement's service (M11 measures them): from Slack, a CSV
    import, Alertmanager or the API. `source_key` makes a resent alert idempotent."""

    __tablename__ = "incident"
    __table_args__ = (
        UniqueConstraint("agreement_id", "source_key"),
        Index("ix_incident_agreement_opened", "agreement_id", "opened_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: str = Field(foreign_key="agreement.id", max_length=20)
    priority: str = Field(max_length=2)  # P1..P4
    impact: str = Field(max_length=10)  # down | degraded | none
    opened_at: datetime = ts()
    acknowledged_at: datetime | None = ts(default=None)
    resolved_at: datetime | None = ts(default=None)
    summary: str = Field(max_length=500)
    #: [{"start": iso, "end": iso | null, "reason": str}]: the clocks stop while waiting
    pauses: list[dict[str, Any]] = json_field(default_factory=list)
    source: str = Field(max_length=16)  # slack | csv | alertmanager | api
    source_key: str | None = Field(default=None, max_length=200)
    created_by: str = Field(max_length=64)
    created_at: datetime = ts()
    updated_at: datetime = ts()


class HolidayOverride(SQLModel, table=True):
    """Holidays or makeup workdays the `holidays` package lacks (company days off, new years)."""

    __tablename__ = "holiday_override"
    __table_args__ = (UniqueConstraint("country", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    country: str = Field(max_length=8)
    day: date
    kind: str = Field(max_length=16)  # holiday | workday
    note: str = Field(default="", max_length=200)
