"""The month's service levels on App Home (M11): for the O&M service owner their agreements,
for a service level manager every agreement in service, the ones with the least downtime
budget left first. Computed with the batch forms of the engine (one call per tier)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from bot.flows.business_time import Calendar
from bot.flows.process_model import Status
from bot.flows.roles import Role
from bot.flows.service_levels import ServiceTargets
from bot.flows.service_levels.attainment import IncidentFacts
from bot.flows.service_levels.batch import AgreementInput, batch_attainment
from bot.flows.sla_versions import VersionStatus
from store.attainment import calendars_in, month_of
from store.db import Database
from store.incidents import record_of
from store.models import Agreement, AgreementVersion, CatalogueEntry, Customer, Incident, table_of

_AG, _V, _C = table_of(Agreement), table_of(AgreementVersion), table_of(Customer)
_E, _I = table_of(CatalogueEntry), table_of(Incident)
#: agreements whose service runs (measured)
IN_SERVICE = (Status.ACTIVE, Status.CHANGING, Status.TERMINATING, Status.EXTENSION_PENDING)


@dataclass(frozen=True, slots=True)
class HomeFigure:
    agreement_id: str
    customer: str
    period: str  # YYYY-MM
    achieved_pct: Decimal
    target_pct: Decimal
    budget_left: timedelta
    budget_used: float
    open_incidents: int
    over_target: int


def _agreements(db: Database, user: str, everyone: bool, cap: int) -> list[tuple[str, str]]:
    with db.read_conn() as conn:
        q = (
            select(_AG.c.id, _C.c.name)
            .join(_C, _C.c.id == _AG.c.customer_id)
            .where(_AG.c.status.in_(IN_SERVICE), _AG.c.sla_version >= 1)
            .order_by(_AG.c.updated_at.desc())
            .limit(cap)
        )
        if not everyone:
            q = q.where(_AG.c.owner == user)
        return [(a, c) for a, c in conn.execute(q)]


def _inputs(
    db: Database, ids: list[str], start: datetime, end: datetime, tz: str, country: str
) -> tuple[list[AgreementInput], dict[int, Calendar]]:
    with db.read() as s:
        conn = s.connection()
        targets: dict[str, ServiceTargets] = {}
        for aid, number, tier, pct, start_day, entry, own in conn.execute(
            select(
                _V.c.agreement_id,
                _V.c.number,
                _V.c.tier,
                _V.c.availability_pct,
                _V.c.start_date,
                _E.c.targets,
                _V.c.targets,
            )
            .outerjoin(_E, _E.c.id == _V.c.catalogue_entry_id)
            .where(_V.c.agreement_id.in_(ids), _V.c.status == VersionStatus.IN_EFFECT)
        ):
            targets[aid] = ServiceTargets.from_catalogue(
                sla_version=number,
                effective_from=start_day,
                tier=tier,
                availability_pct=pct,
                targets=own or entry or {},
            )
        facts: dict[str, list[IncidentFacts]] = {a: [] for a in targets}
        rows = s.execute(
            select(Incident).where(
                _I.c.agreement_id.in_(list(targets)),
                _I.c.opened_at < end,
                or_(_I.c.resolved_at.is_(None), _I.c.resolved_at > start),
            )
        ).scalars()
        for row in rows:
            r = record_of(row)
            facts[r.agreement_id].append(r.facts)
        cals = calendars_in(s, tz=tz, country=country)
    items = [AgreementInput(a, targets[a], facts[a]) for a in ids if a in targets]
    return items, cals


def _zones(db: Database, ids: list[str], default: str) -> dict[str, list[str]]:
    """zone -> the agreements whose service hours run in it."""
    out: dict[str, list[str]] = {}
    with db.read_conn() as conn:
        for aid, zone in conn.execute(select(_AG.c.id, _AG.c.timezone).where(_AG.c.id.in_(ids))):
            out.setdefault(zone or default, []).append(aid)
    return out


def figures_of(
    db: Database, names: dict[str, str], *, now: datetime, tz: str, country: str
) -> list[HomeFigure]:
    """The month's figures of the agreements `names` (id -> customer) that are measured, each
    month cut in the agreement's own zone."""
    out = []
    for zone, ids in _zones(db, list(names), tz).items():
        out += _figures_in_zone(db, ids, names, now=now, tz=zone, country=country)
    return out


def _figures_in_zone(
    db: Database, ids: list[str], names: dict[str, str], *, now: datetime, tz: str, country: str
) -> list[HomeFigure]:
    start, end = month_of(now.astimezone(ZoneInfo(tz)).date(), tz)
    items, cals = _inputs(db, ids, start, end, tz, country)
    figures = batch_attainment(items, cals.__getitem__, start=start, end=end, now=now)
    period = start.strftime("%Y-%m")
    out = []
    for f, it in zip(figures, items, strict=True):
        budget = f.budget
        out.append(
            HomeFigure(
                agreement_id=f.agreement_id,
                customer=names[f.agreement_id],
                period=period,
                achieved_pct=f.achieved_pct,
                target_pct=f.target_pct,
                budget_left=budget - f.downtime,
                budget_used=(f.downtime / budget) if budget else float(bool(f.downtime)),
                open_incidents=sum(1 for i in it.incidents if i.resolved_at is None),
                over_target=f.resolution_breaches,
            )
        )
    return out


def home_service_levels(
    db: Database,
    *,
    user: str,
    roles: set[Role],
    now: datetime,
    tz: str,
    country: str,
    limit: int = 8,
) -> list[HomeFigure]:
    """The month's figures of the person's agreements, the tightest budget first."""
    everyone = Role.SLM in roles
    if not everyone and Role.OPS_LEAD not in roles:
        return []
    names = dict(_agreements(db, user, everyone, cap=500))
    if not names:
        return []
    out = figures_of(db, names, now=now, tz=tz, country=country)
    out.sort(key=lambda h: (-h.budget_used, h.agreement_id))
    return out[:limit]


def card_service_level(
    db: Database, agreement_id: str, *, now: datetime, tz: str, country: str
) -> HomeFigure | None:
    """The card's line: this month's figures, when the agreement's service is measured."""
    got = figures_of(db, {agreement_id: ""}, now=now, tz=tz, country=country)
    return got[0] if got else None
