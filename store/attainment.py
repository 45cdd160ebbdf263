"""An agreement's attainment for a period, from its SLA versions, the catalogue's targets, the
holiday overrides and its incidents (the computation itself is bot/flows/service_levels)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from bot.flows.business_time import Calendar
from bot.flows.errors import DomainError, NotFound
from bot.flows.service_levels import ServiceTargets, TargetSchedule, service_calendar
from bot.flows.service_levels.attainment import Attainment, measure
from bot.flows.sla_versions import VersionStatus
from store.db import Database
from store.incidents import incidents_in
from store.models import Agreement, AgreementVersion, CatalogueEntry, HolidayOverride, table_of

#: versions that promise something (a draft or a withdrawn one never did)
PROMISED = (VersionStatus.IN_EFFECT, VersionStatus.SUPERSEDED, VersionStatus.ARCHIVED)


def _targets(s: Session, v: AgreementVersion) -> ServiceTargets:
    entry = s.get(CatalogueEntry, v.catalogue_entry_id) if v.catalogue_entry_id else None
    return ServiceTargets.from_catalogue(
        sla_version=v.number,
        effective_from=v.start_date,
        tier=v.tier,
        availability_pct=Decimal(v.availability_pct),
        targets=v.targets or (entry.targets if entry is not None else {}),
    )


def schedule_in(s: Session, agreement_id: str, *, tz: str) -> TargetSchedule:
    """The targets of the agreement over time (every version that took or takes effect)."""
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


def schedule_of(db: Database, agreement_id: str, *, tz: str) -> TargetSchedule:
    with db.read() as s:
        return schedule_in(s, agreement_id, tz=tz)


def calendars(db: Database, *, tz: str, country: str = "CN") -> dict[int, Calendar]:
    """The three tiers' service hours with the company's holiday overrides."""
    with db.read() as s:
        return calendars_in(s, tz=tz, country=country)


def calendars_in(s: Session, *, tz: str, country: str = "CN") -> dict[int, Calendar]:
    h = table_of(HolidayOverride)
    rows = s.execute(select(h.c.day, h.c.kind).where(h.c.country == country)).all()
    extra_h = [d for d, k in rows if k == "holiday"]
    extra_w = [d for d, k in rows if k == "workday"]
    return {
        tier: service_calendar(
            tier, tz=tz, country=country, extra_holidays=extra_h, extra_workdays=extra_w
        )
        for tier in (1, 2, 3)
    }


def zone_in(s: Session, agreement_id: str, default: str) -> str:
    """The agreement's own time zone for its service hours (M1), else `default`."""
    ag = s.get(Agreement, agreement_id)
    return ag.timezone if ag is not None and ag.timezone else default


def agreement_zone(db: Database, agreement_id: str, default: str) -> str:
    with db.read() as s:
        return zone_in(s, agreement_id, default)


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
    with db.read() as s:
        return attainment_in(s, agreement_id, start=start, end=end, now=now, tz=tz, country=country)


def attainment_in(
    s: Session,
    agreement_id: str,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    tz: str,
    country: str = "CN",
) -> Attainment:
    """`attainment` inside a transaction (M11's measurement reads with the step's session).
    Service hours and effective dates are counted in the agreement's own zone when it has
    one (callers cut the period in that zone too: `zone_in`)."""
    tz = zone_in(s, agreement_id, tz)
    if end <= start:
        raise DomainError(code="empty_period", start=start.date(), end=end.date())
    schedule = schedule_in(s, agreement_id, tz=tz)
    cals = calendars_in(s, tz=tz, country=country)
    facts = [r.facts for r in incidents_in(s, agreement_id, since=start, until=end)]
    return measure(agreement_id, schedule, cals.__getitem__, facts, start=start, end=end, now=now)


def trend_in(
    s: Session, agreement_id: str, *, last: date, months: int, now: datetime, tz: str, country: str
) -> list[tuple[str, Attainment]]:
    """The attainment of each of the `months` calendar months up to the one holding `last`
    (months before the first SLA version are left out), in the agreement's zone."""
    tz = zone_in(s, agreement_id, tz)
    first = last.replace(day=1)
    began = schedule_in(s, agreement_id, tz=tz).versions[0].effective_from
    out: list[tuple[str, Attainment]] = []
    for back in range(months - 1, -1, -1):
        y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
        start, end = month_of(date(y, m + 1, 1), tz)
        if start > now or end.date() <= began:
            continue
        got = attainment_in(s, agreement_id, start=start, end=end, now=now, tz=tz, country=country)
        if got.availability.service_time:
            out.append((start.strftime("%Y-%m"), got))
    return out
