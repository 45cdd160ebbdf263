"""An agreement's attainment for a period, from its SLA versions, the catalogue's targets, the
holiday overrides and its incidents (the computation itself is bot/flows/service_levels)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from bot.flows.business_time import Calendar
from bot.flows.errors import DomainError, NotFound
from bot.flows.service_levels import ServiceTargets, TargetSchedule, service_calendar
from bot.flows.service_levels.attainment import Attainment, IncidentFacts, measure
from store.db import Database
from store.holidays import overrides
from store.incidents import list_incidents
from store.models import Agreement, AgreementVersion, CatalogueEntry

#: versions that promise something (a draft or a withdrawn one never did)
PROMISED = ("in_effect", "superseded", "archived", "pending")


def _targets(s: Session, v: AgreementVersion) -> ServiceTargets:
    entry = s.get(CatalogueEntry, v.catalogue_entry_id) if v.catalogue_entry_id else None
    return ServiceTargets.from_catalogue(
        sla_version=v.number,
        effective_from=v.start_date,
        tier=v.tier,
        availability_pct=Decimal(v.availability_pct),
        targets=entry.targets if entry is not None else {},
    )


def schedule_of(db: Database, agreement_id: str, *, tz: str) -> TargetSchedule:
    """The targets of the agreement over time (every version that took or takes effect)."""
    with db.read() as s:
        if s.get(Agreement, agreement_id) is None:
            raise NotFound(code="no_agreement", agreement=agreement_id)
        rows = (
            s.execute(
                select(AgreementVersion)
                .where(
                    col(AgreementVersion.agreement_id) == agreement_id,
                    col(AgreementVersion.status).in_(PROMISED),
                )
                .order_by(col(AgreementVersion.number))
            )
            .scalars()
            .all()
        )
        if not rows:
            raise DomainError(code="not_measured", agreement=agreement_id, status="onboarding")
        return TargetSchedule([_targets(s, v) for v in rows], tz=tz)


def calendars(db: Database, *, tz: str, country: str = "CN") -> dict[int, Calendar]:
    """The three tiers' service hours with the company's holiday overrides."""
    extra_h, extra_w = overrides(db, country)
    return {
        tier: service_calendar(
            tier, tz=tz, country=country, extra_holidays=extra_h, extra_workdays=extra_w
        )
        for tier in (1, 2, 3)
    }


def month_of(day: date, tz: str) -> tuple[datetime, datetime]:
    """The calendar month holding `day`, as `[start, end)` local midnights."""
    zone = ZoneInfo(tz)
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return datetime.combine(first, time(0), zone), datetime.combine(nxt, time(0), zone)


def period_of(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """Local days `start`..`end` inclusive, as `[start, end)` instants."""
    zone = ZoneInfo(tz)
    return (
        datetime.combine(start, time(0), zone),
        datetime.combine(end + timedelta(days=1), time(0), zone),
    )


def attainment(
    db: Database,
    agreement_id: str,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    tz: str,
    country: str = "CN",
) -> Attainment:
    """The period's attainment as known at `now`."""
    if end <= start:
        raise DomainError(code="empty_period", start=start.date(), end=end.date())
    schedule = schedule_of(db, agreement_id, tz=tz)
    cals = calendars(db, tz=tz, country=country)
    facts = [
        IncidentFacts(
            id=r.id,
            priority=r.priority,
            impact=r.impact,
            opened_at=r.opened_at.astimezone(UTC),
            acknowledged_at=r.acknowledged_at,
            resolved_at=r.resolved_at,
            summary=r.summary,
            pauses=r.pauses,
        )
        for r in list_incidents(db, agreement_id, since=start, until=end)
    ]
    return measure(agreement_id, schedule, cals.__getitem__, facts, start=start, end=end, now=now)
