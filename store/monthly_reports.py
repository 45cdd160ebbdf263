"""The monthly service report (M11): in the first days of a month the sweep queues, for each
agreement in service, last month's report in its thread, once (the outbox row's unique key
`service_report:<agreement>:<YYYY-MM>` holds across sweeps, restarts and workers)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.flows.service_levels.attainment import Attainment
from bot.flows.service_levels.report import TREND_PERIODS
from bot.flows.sla_versions import VersionStatus
from store.attainment import attainment_in, month_of, trend_in, zone_in
from store.db import Database
from store.home_attainment import IN_SERVICE
from store.models import Agreement, AgreementVersion, OutboxMessage, table_of
from store.outbox import Message, ServiceReportPayload, outbox_row

_AG, _V, _OUT = table_of(Agreement), table_of(AgreementVersion), table_of(OutboxMessage)
#: the report of a month is sent in the first days of the next one (not for older months)
WINDOW_DAYS = 7


def previous_month(today: date) -> tuple[str, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.strftime("%Y-%m"), last.replace(day=1)


def queue_reports(db: Database, *, now: datetime, tz: str) -> int:
    """Queue last month's report for every agreement in service that it covered; returns how
    many were new."""
    today = now.astimezone(ZoneInfo(tz)).date()
    if today.day > WINDOW_DAYS:
        return 0
    period, _ = previous_month(today)
    this_month = today.replace(day=1)
    ins = pg_insert(_OUT) if db.dialect == "postgresql" else sqlite_insert(_OUT)
    stmt = ins.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(_OUT.c.id)
    new = 0
    with db.write() as s:
        conn = s.connection()
        ids = conn.execute(
            select(_AG.c.id)
            .where(_AG.c.status.in_(IN_SERVICE), _AG.c.sla_version >= 1)
            .where(
                _AG.c.id.in_(
                    select(_V.c.agreement_id).where(
                        _V.c.status.in_((VersionStatus.IN_EFFECT, VersionStatus.SUPERSEDED)),
                        _V.c.start_date < this_month,
                    )
                )
            )
        ).scalars()
        rows = []
        for aid in ids:
            message = Message("thread", None, ServiceReportPayload(period=period))
            rows.append(outbox_row(aid, now, message, dedupe_key=f"service_report:{aid}:{period}"))
        for i in range(0, len(rows), 500):
            new += len(conn.execute(stmt, rows[i : i + 500]).all())
    return new


def report_of(
    db: Database, agreement_id: str, period: str, *, now: datetime, tz: str, country: str
) -> tuple[Attainment, list[tuple[str, Attainment]]]:
    """The month's attainment and the trend of the six months up to it."""
    first = date.fromisoformat(period + "-01")
    with db.read() as s:
        tz = zone_in(s, agreement_id, tz)
        start, end = month_of(first, tz)
        got = attainment_in(s, agreement_id, start=start, end=end, now=now, tz=tz, country=country)
        trend = trend_in(
            s,
            agreement_id,
            last=first,
            months=TREND_PERIODS,
            now=now,
            tz=tz,
            country=country,
        )
    return got, trend
